"""Doses: the reminder job, the taps on a reminder (Given, Skip, In 15 min, Undo, given
again), Today, and the files (the medication list as a PDF, every dose as a CSV).

The job, every CHECK_EVERY seconds and at start-up: each active medicine whose next dose
has come gets that dose recorded (once, whatever the number of replicas) and its next time
set; then every member who gets medicine reminders is sent **one message per due minute**
(all the family's medicines due then), leased and marked sent only once Telegram took it, so
a lost send is tried again and two replicas send it once. The message id is kept: the first
member who taps Given records the dose for the family, and every member's reminder is edited
in place to say who gave it and when.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiolimiter import AsyncLimiter
from telegram import Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import render
from bot.ceiling import Priority
from bot.content import Content
from bot.context import BotContext
from bot.doses import NEEDED, Schedule, due_on, next_due
from bot.redflags import Match
from bot.storage import Member
from bot.storage.interface import Dose, Medicine
from bot.storage.medicines import ACTIVE, GIVEN, SKIPPED
from handlers.appointments.rules import twelve_hour, zone
from handlers.common import Reply, View, limit_args, me, stale_reply
from handlers.family.notify import content_for, notice, short_date
from handlers.family.views import name_of
from handlers.medicines.buttons import (
    GiveAgain,
    GiveDose,
    RecordNeeded,
    SendDosesCsv,
    SendMedicationList,
    ShowRound,
    ShowToday,
    SkipDose,
    SnoozeDoses,
    UndoDose,
    VomitedDose,
)
from handlers.medicines.flow import clock_of, gone, medicine_reply, members_of, own
from handlers.medicines.views import (
    already_view,
    day_names,
    last_given_text,
    record_ask_view,
    round_view,
    schedule_text,
    state_text,
    today_view,
    when_text,
)
from handlers.redflags import alert_view

log = logging.getLogger(__name__)

VOMITING = "vomiting"  # the urgent card's item a vomited dose points to

DOSE_JOB = "dose-reminders"
CHECK_EVERY = 30  # seconds between looks: a dose reminder leaves within this of its minute
LEASE = 120  # seconds a claimed send is this process's before another try
SNOOZE = 15 * 60  # "In 15 min"
LATE_AFTER = 10 * 60  # a reminder this late says so
LIMITER = "dose_limiter"  # bot_data key of this job's AsyncLimiter
PER_SECOND = 25
MAX_ROUNDS = 200  # batches a look works through (200 × 500 = 100,000 doses or sends)


# ---- one due minute, as each member sees it ---------------------------------------------------
@dataclass(frozen=True)
class Round:
    """What one due minute's reminder shows, read once (each member then gets it in their
    language and wording)."""

    doses: list[Dose]
    medicines: dict[int, Medicine]
    members: dict[int, Member]
    tz: ZoneInfo
    twelve: bool
    window: int


async def read_round(context: BotContext, circle: int, due_at: float) -> Round:
    storage = context.storage
    zone_name = await storage.circles.timezone(circle)
    return Round(
        await storage.medicines.at_minute(circle, due_at),
        {m.id: m for m in await storage.medicines.listed(circle, stopped=True)},
        await members_of(context, circle),
        zone(zone_name) or ZoneInfo("UTC"),
        twelve_hour(zone_name),
        await storage.medicines.window(circle),
    )


def shown(
    context: BotContext, r: Round, viewer: Member | None, content: Content, *, late: bool = False
) -> View:
    return round_view(
        content,
        r.doses,
        r.medicines,
        r.members,
        r.tz,
        r.twelve,
        now=context.now(),
        window=r.window,
        discreet=bool(viewer and viewer.discreet),
        late=late,
    )


async def round_for(
    context: BotContext,
    circle: int,
    due_at: float,
    viewer: Member | None,
    content: Content,
    *,
    late: bool = False,
) -> View:
    return shown(context, await read_round(context, circle, due_at), viewer, content, late=late)


async def refresh_others(context: BotContext, who: Member, due_at: float) -> None:
    """After a tap that changed a dose: every other member's reminder of that minute, edited
    in place (a message they deleted is left alone)."""
    sent = [
        (user, message_id)
        for user, message_id in await context.storage.medicines.sent_messages(who.circle, due_at)
        if user != who.user
    ]
    if not sent:
        return
    r = await read_round(context, who.circle, due_at)  # read once for every member's copy
    for user, message_id in sent:
        member = r.members.get(user)
        if member is None:
            continue
        content = content_for(context, await context.storage.users.language(user))
        text, markup = shown(context, r, member, content)
        try:
            await context.bot.edit_message_text(
                text,
                chat_id=user,
                message_id=message_id,
                reply_markup=markup,
                rate_limit_args=limit_args(context, Priority.DOSE),
            )
        except BadRequest as exc:  # deleted, or not modified
            log.info("a dose reminder was not edited: %s", exc.__class__.__name__)
        except TelegramError as exc:
            log.warning("a dose reminder was not edited (%s)", exc.__class__.__name__)


# ---- the job ------------------------------------------------------------------------------
async def send_dose_reminders(context: BotContext) -> None:
    async with context.storage.coordination.job_lock(DOSE_JOB) as mine:
        if mine:
            await come_due(context)
            await send_due(context)


async def come_due(context: BotContext, *, batch: int = 500) -> int:
    """Record every dose whose time has come and move each medicine to its next one. A dose
    missed while the bot was down is recorded too (it shows as not marked); its reminder goes
    only while within the family's window."""
    recorded = 0
    now = context.now()
    for _ in range(MAX_ROUNDS):  # a bound, in case a medicine could not be moved on
        due = await context.storage.medicines.due(now, batch=batch)
        if not due:
            return recorded
        for item in due:
            m = item.medicine
            tz = zone(item.timezone) or ZoneInfo("UTC")
            schedule = Schedule.loads(m.schedule)
            assert m.next_due_at is not None
            at = datetime.fromtimestamp(m.next_due_at, UTC)
            local = at.astimezone(tz)
            # The dose this next_due_at stands for: its day and clock time.
            day, clock = local.date(), f"{local.hour:02d}:{local.minute:02d}"
            for hhmm, moment in due_on(schedule, local.date(), tz):
                if moment == at:
                    clock = hhmm
            following = next_due(schedule, tz, at)
            await context.storage.medicines.come_due(
                m,
                m.next_due_at,
                day.isoformat(),
                clock,
                schedule.dose_on(day, m.dose),
                following.at.timestamp() if following else None,
            )
            recorded += 1
        if len(due) < batch:
            return recorded
    log.warning("doses still due after %d rounds; the next look goes on", MAX_ROUNDS)
    return recorded


async def send_due(context: BotContext) -> int:
    """Every due send, leased, until none is left (a shared minute with thousands of members
    goes out at the job's own rate, ahead of other notices)."""
    storage = context.storage
    limiter: AsyncLimiter = context.bot_data[LIMITER]
    sent = 0
    for _ in range(MAX_ROUNDS):
        now = context.now()
        claimed = await storage.medicines.claim_sends(now, lease=LEASE, by=context.services.replica)
        if not claimed:
            return sent
        for uid, circle, due_at in claimed:
            member = await storage.circles.member(uid)
            if member is None or member.circle != circle:
                continue
            content = content_for(context, await storage.users.language(uid))
            text, markup = await round_for(
                context, circle, due_at, member, content, late=now - due_at > LATE_AFTER
            )
            try:
                async with limiter:
                    message = await context.bot.send_message(
                        uid, text, reply_markup=markup, rate_limit_args=limit_args(context, Priority.DOSE)
                    )
            except Forbidden:
                await storage.medicines.set_reminders(uid, False)
                await storage.circles.set_unreachable(uid, now)
                await storage.medicines.mark_sent(circle, due_at, uid, None, now)
                log.info("dose reminders turned off for a user who blocked the bot")
            except TelegramError as exc:
                log.warning(
                    "dose reminder not sent (%s); will try again after %d s", exc.__class__.__name__, LEASE
                )
            else:
                await storage.medicines.mark_sent(circle, due_at, uid, message.message_id, context.now())
                sent += 1
    return sent


# ---- the taps on a reminder -------------------------------------------------------------------
async def _dose(update: Update, context: BotContext, dose_id: int) -> tuple[Member, Dose] | None:
    who = await me(update, context)
    found = await context.storage.medicines.dose(who.circle, dose_id) if who.circle else None
    return (who, found) if found else None


def _gone(context: BotContext) -> Reply:
    return Reply(notice=context.content.strings("medicines.dose_gone"), alert=True)


async def _shown_round(
    update: Update, context: BotContext, who: Member, dose: Dose, notice: str | None = None
) -> Reply:
    if dose.due_at is None:  # an "only when needed" dose: its medicine's screen
        m = await own(update, context, dose.medicine_id)
        return await medicine_reply(update, context, m, notice) if m else await gone(update, context)
    text, markup = await round_for(context, who.circle, dose.due_at, who, context.content)
    return Reply(View(text, markup), notice)


async def _mark(update: Update, context: BotContext, dose_id: int, status: str) -> Reply:
    found = await _dose(update, context, dose_id)
    if found is None:
        return _gone(context)
    who, _ = found
    changed, dose = await context.storage.medicines.mark(who, dose_id, status)
    if dose is None:
        return _gone(context)
    if not changed:
        return await _already(update, context, who, dose)
    if dose.due_at is not None:
        await refresh_others(context, who, dose.due_at)
    return await _shown_round(update, context, who, dose)


async def _already(update: Update, context: BotContext, who: Member, dose: Dose) -> Reply:
    """Given (or skipped) already: what was recorded, by whom and when, before anything else."""
    clock = await clock_of(update, context)
    tz, twelve = clock if clock else (ZoneInfo("UTC"), False)
    members = await members_of(context, who.circle)
    m = await own(update, context, dose.medicine_id)
    _, time = when_text(context.content, dose.marked_at or 0, tz, twelve)
    view = already_view(
        context.content,
        dose,
        m.name if m else "?",
        name_of(context.content, members.get(dose.marked_by or 0)),
        time,
    )
    return Reply(view)


async def give_dose(update: Update, context: BotContext, data: GiveDose) -> Reply:
    return await _mark(update, context, data.dose, GIVEN)


async def skip_dose(update: Update, context: BotContext, data: SkipDose) -> Reply:
    return await _mark(update, context, data.dose, SKIPPED)


async def undo_dose(update: Update, context: BotContext, data: UndoDose) -> Reply:
    found = await _dose(update, context, data.dose)
    if found is None:
        return _gone(context)
    who, dose = found
    undone = await context.storage.medicines.undo(who, data.dose)
    if undone is None:
        return await _shown_round(update, context, who, dose)
    if undone.due_at is not None:
        await refresh_others(context, who, undone.due_at)
    return await _shown_round(update, context, who, undone, context.content.strings("medicines.undone"))


async def give_again(update: Update, context: BotContext, data: GiveAgain) -> Reply:
    found = await _dose(update, context, data.dose)
    if found is None:
        return _gone(context)
    who, dose = found
    if not await context.storage.medicines.given_again(who, data.dose):
        return await _shown_round(update, context, who, dose)
    return await _shown_round(update, context, who, dose, context.content.strings("medicines.again_done"))


async def show_round(update: Update, context: BotContext, data: ShowRound) -> Reply:
    found = await _dose(update, context, data.dose)
    if found is None:
        return _gone(context)
    return await _shown_round(update, context, *found)


async def snooze(update: Update, context: BotContext, data: SnoozeDoses) -> Reply:
    found = await _dose(update, context, data.dose)
    if found is None:
        return _gone(context)
    who, dose = found
    s = context.content.strings
    if dose.due_at is None:
        return stale_reply(context)
    unmarked = [
        d for d in await context.storage.medicines.at_minute(who.circle, dose.due_at) if d.status is None
    ]
    if not unmarked:
        return Reply(notice=s("medicines.nothing_to_snooze"), alert=True)
    again_at = context.now() + SNOOZE
    await context.storage.medicines.snooze(who, dose.due_at, again_at)
    clock = await clock_of(update, context)
    tz, twelve = clock if clock else (ZoneInfo("UTC"), False)
    return Reply(notice=s("medicines.snoozed", time=when_text(context.content, again_at, tz, twelve)[1]))


async def vomited(update: Update, context: BotContext, data: VomitedDose) -> Reply:
    """The urgent card's line on vomiting, with the family's numbers, as a new message (the
    reminder stays as it is); whether to give the dose again is the care team's to say."""
    chat = update.effective_chat
    if chat is None or VOMITING not in {sign.id for sign in context.content.urgent.signs}:
        return stale_reply(context)
    view = await alert_view(
        update, context, Match((VOMITING,)), after=context.content.strings("medicines.vomited_after")
    )

    async def send() -> None:
        await context.bot.send_message(
            chat.id, view.text, reply_markup=view.markup, rate_limit_args=limit_args(context, Priority.URGENT)
        )

    return Reply(after=send)


# ---- as needed ---------------------------------------------------------------------------------
async def record_needed(update: Update, context: BotContext, data: RecordNeeded) -> Reply:
    """An "only when needed" dose: the last one (when, by whom) is shown before another is
    recorded; nothing is recorded until the family says it was given."""
    who = await me(update, context)
    m = await own(update, context, data.med, draft=False)
    if m is None or m.status != ACTIVE or Schedule.loads(m.schedule).every != NEEDED:
        return await gone(update, context)
    clock = await clock_of(update, context)
    tz, twelve = clock if clock else (ZoneInfo("UTC"), False)
    now = context.now()
    time = when_text(context.content, now, tz, twelve)[1]
    if not data.sure:
        members = await members_of(context, who.circle)
        last = last_given_text(
            context.content, await context.storage.medicines.last_given(who.circle, m.id), members, tz, twelve
        )
        return Reply(record_ask_view(context.content, m, last, time))
    local = datetime.fromtimestamp(now, tz)
    await context.storage.medicines.record_needed(
        who, m, local.date().isoformat(), f"{local.hour:02d}:{local.minute:02d}", m.dose
    )
    await notice(context, who, "medicines.recorded_notice", medicine=render.esc(m.name), time=time)
    return await medicine_reply(
        update, context, m, context.content.strings("medicines.recorded", name=render.esc(m.name), time=time)
    )


# ---- Today ---------------------------------------------------------------------------------------
async def show_today(update: Update, context: BotContext, data: ShowToday) -> Reply:
    """Today's doses on the family's calendar: given, skipped, due, not marked, and those still
    to come today (from each schedule), by time."""
    who = await me(update, context)
    clock = await clock_of(update, context)
    tz, twelve = clock if clock else (ZoneInfo("UTC"), False)
    now = context.now()
    today = datetime.fromtimestamp(now, tz).date()
    storage = context.storage.medicines
    medicines = {m.id: m for m in await storage.listed(who.circle, stopped=True)}
    rows = await storage.on_days(who.circle, today.isoformat(), today.isoformat())
    members = await members_of(context, who.circle)
    window = await storage.window(who.circle)
    content = context.content
    seen = {(d.medicine_id, d.due_at) for d in rows}
    lines: list[tuple[float, str, str, str, str, Dose | None]] = []
    for d in rows:
        m = medicines.get(d.medicine_id)
        at = d.due_at if d.due_at is not None else (d.marked_at or 0)
        time = when_text(content, at, tz, twelve)[1]
        state = state_text(content, d, members, tz, twelve, now=now, window=window)
        lines.append((at, time, m.name if m else "?", d.dose, state, d))
    for m in medicines.values():
        if m.status != ACTIVE:
            continue
        schedule = Schedule.loads(m.schedule)
        for _, moment in due_on(schedule, today, tz):
            at = moment.timestamp()
            if (m.id, at) in seen:
                continue
            key = "medicines.state_later" if at > now else "medicines.state_due"
            lines.append(
                (
                    at,
                    when_text(content, at, tz, twelve)[1],
                    m.name,
                    schedule.dose_on(today, m.dose),
                    content.strings(key),
                    None,
                )
            )
    lines.sort(key=lambda line: line[0])
    return Reply(today_view(content, today, [line[1:] for line in lines]))


# ---- the files -----------------------------------------------------------------------------
_RISKY = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """A spreadsheet cell that cannot run as a formula (OWASP's CSV injection advice)."""
    return "'" + value if value.startswith(_RISKY) else value


def doses_csv(content: Content, rows: Sequence[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(content.strings("medicines.csv_header").split(";"))
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


async def send_doses_csv(update: Update, context: BotContext, data: SendDosesCsv) -> Reply:
    who = await me(update, context)
    chat = update.effective_chat
    if chat is None:
        return stale_reply(context)
    clock = await clock_of(update, context)
    tz, twelve = clock if clock else (ZoneInfo("UTC"), False)
    members = await members_of(context, who.circle)
    medicines = {m.id: m for m in await context.storage.medicines.listed(who.circle, stopped=True)}
    window = await context.storage.medicines.window(who.circle)
    content = context.content
    rows = []
    for d in await context.storage.medicines.all_doses(who.circle):
        m = medicines.get(d.medicine_id)
        rows.append(
            (
                d.day,
                d.clock,
                m.name if m else "",
                d.dose,
                state_text(content, d, members, tz, twelve, now=context.now(), window=window)
                if d.status is None
                else content.strings("medicines.csv_given" if d.status == GIVEN else "medicines.csv_skipped"),
                name_of(content, members.get(d.marked_by or 0)) if d.marked_by else "",
                datetime.fromtimestamp(d.marked_at, tz).strftime("%Y-%m-%d %H:%M") if d.marked_at else "",
            )
        )
    return _file_reply(context, chat.id, doses_csv(content, rows), "csv")


async def send_medication_list(update: Update, context: BotContext, data: SendMedicationList) -> Reply:
    """The medicines as the family entered them, to check with the nurse or pharmacist."""
    who = await me(update, context)
    chat = update.effective_chat
    if chat is None:
        return stale_reply(context)
    clock = await clock_of(update, context)
    tz, twelve = clock if clock else (ZoneInfo("UTC"), False)
    content = context.content
    s = content.strings
    items = []
    for m in await context.storage.medicines.listed(who.circle):
        schedule = Schedule.loads(m.schedule)
        lines = [m.name, s("medicines.pdf_dose", dose=m.dose), schedule_text(content, schedule, twelve)]
        lines += [
            s("medicines.pdf_day_dose", day=day, dose=dose)
            for day, dose in ((day_names(content)[d], text) for d, text in sorted(schedule.doses.items()))
        ]
        if m.notes:
            lines.append(s("medicines.pdf_note", notes=m.notes))
        if m.status != ACTIVE:
            lines.append(s("medicines.pdf_paused"))
        items.append(lines)
    today = short_date(content, context.now(), tz.key)
    from bot.pdf import build_list_pdf  # fpdf (and numpy with it) loads on the first PDF

    body = await context.services.heavy.run(
        build_list_pdf,
        s,
        s("medicines.pdf_title"),
        [s("medicines.pdf_date", date=today), s("medicines.pdf_intro")],
        items,
        content.language,
    )
    return _file_reply(context, chat.id, body, "pdf")


def _file_reply(context: BotContext, chat_id: int, body: bytes, kind: str) -> Reply:
    """ "Sending the file", then the file (`kind`: its strings, medicines.<kind>_filename and
    _caption), after the tap is answered."""
    s = context.content.strings

    async def send() -> None:
        await context.bot.send_document(
            chat_id,
            document=io.BytesIO(body),
            filename=s(f"medicines.{kind}_filename"),
            caption=s(f"medicines.{kind}_caption"),
        )

    return Reply(notice=s("medicines.sending"), after=send)
