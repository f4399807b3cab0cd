"""Keeping the family's appointments: the list, the time zone, a new appointment or a new
time (by the calendar's taps, or typed on any of its screens and shown back before it is
saved), its place, its note for the day before, the reminder's hour, delete with Undo, and
the .ics file. The taps return a `Reply`; the four prompts (TIMEZONE, TIME, PLACE, NOTE)
declare their load, read and save steps (handlers.prompts) and are registered in the
package's setup.

An appointment is always looked up for the tapping parent (`own_appointment`): a button's
number is never trusted, and one that is gone (deleted meanwhile) shows the list with a
calm "gone".
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Message, Update

from bot import render, when
from bot.callbacks import MAX_NUMBER, CallbackData
from bot.context import BotContext
from bot.doses import NEEDED, Schedule, next_due, shifted
from bot.storage import Appointment, LimitReached, Member, Prompt
from bot.storage.interface import Medicine
from bot.when import LIMIT_YEARS
from bot.zones import ZoneCandidate
from handlers.appointments.buttons import (
    NOTE_PROMPT,
    PLACE_PROMPT,
    TIME_ON_SCREEN_PROMPT,
    TIME_PROMPT,
    TIMEZONE_PROMPT,
    AskNote,
    AskPlace,
    AskReminderHour,
    AskTimezone,
    CalendarMonth,
    ClearNote,
    ConfirmZone,
    DeleteAppointment,
    KeepDoseMoments,
    KeepMoments,
    OpenAppointment,
    PickDay,
    PickHour,
    PickMinute,
    PickTypedDate,
    SendCalendarFile,
    SetReminderHour,
    SetTimezone,
    TypeAgain,
    TypeTime,
    TypeTimezone,
    UndoDelete,
)
from handlers.appointments.calendar_file import ics_bytes
from handlers.appointments.rules import (
    MAX_AHEAD,
    MAX_NOTE,
    MAX_PLACE,
    REMIND_HOUR,
    TIMEZONES,
    Typed,
    day_first_of,
    local,
    localize,
    moved_among,
    moved_check,
    read_typed,
    read_zone,
    remind_time,
    retimed,
    same_clock,
    still_to_ask,
    too_far,
    twelve_hour,
    warm_zones,
    zone,
    zone_at,
    zone_place,
    zone_ref,
    zone_words,
)
from handlers.appointments.views import (
    appointment_view,
    calendar_view,
    echo_view,
    hour_view,
    list_view,
    minute_view,
    note_keyboard,
    place_on_button,
    reminder_hour_view,
    timezone_view,
    when_text,
    zone_choice_view,
    zone_time,
)
from handlers.common import (
    Reply,
    ShowAppointments,
    View,
    circle_of,
    me,
    require_consent,
    require_full,
    show,
    stale_reply,
    user_id,
)
from handlers.family.notify import notice as tell_added
from handlers.family.notify import signature, tell_members
from handlers.prompts import (
    Asking,
    Outcome,
    Text,
    Then,
    again,
    ask,
    done,
    not_for_this,
    open_prompt,
    typed_text,
)
from handlers.questions import localized


# ---- the list and the time zone ----------------------------------------------------------------
async def list_reply(
    update: Update,
    context: BotContext,
    notice: str | None = None,
    undo: int | None = None,
    keep: KeepMoments | None = None,
    keep_doses: KeepDoseMoments | None = None,
) -> Reply:
    """The parent's next appointments (with `notice` above them, and Undo for `undo`, one
    just deleted, or `keep` for those a change of zone moved), or the time zones first while
    the family has none."""
    user_id(update)
    tz_name = await context.storage.circles.timezone(await circle_of(update, context))
    if zone(tz_name) is None:
        return Reply(zone_screen(context, notice))
    assert tz_name is not None
    items = await context.storage.appointments.upcoming(await circle_of(update, context), context.now())
    return Reply(list_view(context.content, tz_name, items, context.now(), notice, undo, keep, keep_doses))


_ZONES_WARMED = "appointments.zones_warmed"  # bot_data: the warm-up below was started


def zone_screen(context: BotContext, notice: str | None = None) -> View:
    """The time zones to choose from (views.timezone_view). The first time a bot shows it,
    what reading a typed zone needs (bot.zones' city index, ~0.5 s to build) starts being
    built in a worker thread, so the family's first typed city does not wait for it; the
    screen itself does not wait either (the Application awaits the task when it stops)."""
    if not context.bot_data.get(_ZONES_WARMED):
        context.bot_data[_ZONES_WARMED] = True
        context.application.create_task(context.services.heavy.run(warm_zones), name="zones-warm-up")
    return timezone_view(context.content, notice)


async def appointments_command(update: Update, context: BotContext) -> None:
    """/appointment: the next appointments (the time zone is asked first, once)."""
    reply = await list_reply(update, context)
    assert reply.view is not None
    await show(update, context, *reply.view)


async def tap_appointments(update: Update, context: BotContext, data: ShowAppointments) -> Reply:
    """Appointments, from the settings or My questions: the list."""
    return await list_reply(update, context)


async def ask_timezone(update: Update, context: BotContext, data: AskTimezone) -> Reply:
    """Change time zone: the zones to choose from."""
    return Reply(zone_screen(context))


async def set_timezone(update: Update, context: BotContext, data: SetTimezone) -> Reply:
    """A listed time zone: stored (with consent), then the appointments."""
    if not 0 <= data.n < len(TIMEZONES):
        return stale_reply(context)
    name = TIMEZONES[data.n]
    return await save_zone(update, context, name, zone_place(name))


async def type_timezone(update: Update, context: BotContext, data: TypeTimezone) -> Reply:
    """Type a city or a zone: opens the TIMEZONE prompt (Cancel goes back to the zones)."""
    zone_screen(context)  # the warm-up, if the zones were never shown (an old button)
    return await ask(
        update, context, TIMEZONE, context.content.strings("appointments.zone_prompt"), AskTimezone()
    )


async def read_timezone(
    update: Update, context: BotContext, row: None, text: str
) -> tuple[ZoneCandidate, ...] | Outcome:
    """What the family typed, read as a zone (rules.read_zone: a city, a zone's name in any
    case, an abbreviation), in a worker thread (it may build the city index); what names
    none gets a calm line with examples, and the prompt stays open."""
    current = await context.storage.circles.timezone(await circle_of(update, context))
    named = zone_words(context.services.contents.values())
    answer = await context.services.heavy.run(read_zone, text, current, named)
    if answer.problem is not None or not answer.candidates:
        key = _ZONE_PROBLEMS.get(answer.problem or "unknown", "appointments.zone_invalid")
        return again(context.content, context.content.strings(key))
    return answer.candidates


_ZONE_PROBLEMS = {
    "empty": "appointments.zone_empty",
    "too_long": "appointments.zone_too_long",
    "unknown": "appointments.zone_invalid",
}


async def show_zones(
    update: Update, context: BotContext, row: None, candidates: tuple[ZoneCandidate, ...]
) -> Outcome:
    """Nothing typed is saved unseen: the zones it can be, each with the time there now (a
    tap saves one: confirm_zone), Type it again and Cancel; the prompt stays open."""
    return Outcome(zone_choice_view(context.content, candidates, context.now()), Then.KEEP)


async def confirm_zone(update: Update, context: BotContext, data: ConfirmZone) -> Reply:
    """A zone found from typed text, tapped: saved (with consent) under the place its button
    showed, then the appointments. Data naming no zone (forged, or from before a tzdata
    upgrade that shifted the list) gets the calm stale answer and saves nothing."""
    name = zone_at(data.n, data.check)
    if name is None:
        return stale_reply(context)
    return await save_zone(update, context, name, tapped_place(update, context) or zone_place(name))


def tapped_place(update: Update, context: BotContext) -> str | None:
    """The place on the button just tapped ("Houston, United States"), read from the bot's
    own message the tap came with; None when Telegram no longer gives it (an old message)
    or the label is not a zone's (views.place_on_button)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message) or query.message.reply_markup is None:
        return None
    for row in query.message.reply_markup.inline_keyboard:
        for shown in row:
            if shown.callback_data == query.data:
                return place_on_button(context.content, shown.text)
    return None


async def save_zone(update: Update, context: BotContext, name: str, place: str) -> Reply:
    """Store the family's zone (with consent), then the appointments, under "saved" with the
    time there now. A change of zone keeps the upcoming appointments' clock times (09:30
    stays 09:30, each reminder at its local hour), says how many, and offers to keep the
    same moments instead (KeepMoments)."""
    s = context.content.strings
    who = await require_full(update, context)
    old_name = await context.storage.circles.timezone(who.circle)
    await context.storage.circles.set_timezone(
        await me(update, context), name
    )  # NoConsent: asked first, then again
    now = context.now()
    notice = s("appointments.zone_saved", place=render.esc(place), time=zone_time(context.content, name, now))
    old, new = zone(old_name), zone(name)
    keep = None
    if old is not None and new is not None and old_name != name:
        moved = await move_all(
            context,
            who,
            old,
            new,
            await context.storage.appointments.upcoming(await circle_of(update, context), now),
        )
        if moved:
            count = len(moved)
            kept = s("appointments.zone_kept_one") if count == 1 else s("appointments.zone_kept", count=count)
            notice = f"{notice}\n{kept}"
            ref = zone_ref(old_name or "")
            if ref is not None:
                keep = KeepMoments(*ref, moved_check(name, moved))
    keep_doses = None
    if new is not None and old_name != name and await retime_medicines(context, who, new, now):
        notice = f"{notice}\n{s('appointments.zone_medicines')}"
        ref = zone_ref(old_name or "")
        if ref is not None:
            keep_doses = KeepDoseMoments(
                *ref, doses_check(await context.storage.medicines.listed(who.circle))
            )
    return await list_reply(update, context, notice, keep=keep, keep_doses=keep_doses)


def doses_check(medicines: Sequence[Medicine]) -> int:
    """A CRC of the medicines' schedules as they are: a button made with it acts only on
    them unchanged."""
    return zlib.crc32("|".join(f"{m.id}:{m.status}:{m.schedule}" for m in medicines).encode()) % MAX_NUMBER


async def keep_dose_moments(update: Update, context: BotContext, data: KeepDoseMoments) -> Reply:
    """Keep the doses at the same moments instead: each active medicine's times move by the
    difference between the old zone's clock and the new one's (now), recorded as a change
    of times with who and when, and every member is told. A medicine whose times would cross
    midnight while its days matter is left for the family to change by hand, and named."""
    s = context.content.strings
    old_name = zone_at(data.n, data.check)
    found = await family_zone(update, context)
    if old_name is None or found is None:
        return stale_reply(context)
    new, _ = found
    old = zone(old_name)
    assert old is not None
    who, now = await require_full(update, context), context.now()
    medicines = await context.storage.medicines.listed(who.circle)
    if doses_check(medicines) != data.doses:
        return await list_reply(update, context, s("appointments.zone_doses_changed"))
    moment = datetime.fromtimestamp(now, UTC)
    delta = int(
        (
            (moment.astimezone(new).utcoffset() or timedelta())
            - (moment.astimezone(old).utcoffset() or timedelta())
        ).total_seconds()
        // 60
    )
    by_hand = []
    for m in medicines:
        schedule = Schedule.loads(m.schedule)
        if schedule.every == NEEDED or not schedule.times:
            continue
        moved = shifted(schedule, delta)
        if moved is None:
            by_hand.append(render.esc(m.name))
            continue
        due = next_due(moved, new, moment) if m.status == "active" else None
        await context.storage.medicines.change(
            who, m.id, "schedule", due.at.timestamp() if due else None, schedule=moved.dumps()
        )
        await tell_members(
            context, who, "medicines.notice_moved", only_notices=False, medicine=render.esc(m.name)
        )
    notice = s("appointments.zone_doses_kept")
    if by_hand:
        notice += "\n" + s("appointments.zone_doses_by_hand", names=", ".join(by_hand))
    return await list_reply(update, context, notice)


async def retime_medicines(context: BotContext, who: Member, new: ZoneInfo, now: float) -> int:
    """A new zone: each active medicine's next dose at the same clock time there (20:00
    stays 20:00); how many there are (the notice then says so, and to ask the care team
    how to move doses after a big time change)."""
    medicines = [m for m in await context.storage.medicines.listed(who.circle) if m.next_due_at is not None]
    after = datetime.fromtimestamp(now, UTC)
    following = {}
    for m in medicines:
        due = next_due(Schedule.loads(m.schedule), new, after)
        following[m.id] = due.at.timestamp() if due else None
    await context.storage.medicines.rescheduled(who.circle, following)
    return len(medicines)


async def move_all(
    context: BotContext, who: Member, old: ZoneInfo, new: ZoneInfo, upcoming: Sequence[Appointment]
) -> list[tuple[int, float]]:
    """Move the `upcoming` appointments from zone `old`'s clock to the same clock time in
    `new` (rules.retimed); (id, new start) of each moved. A reminder already sent to a
    member stays sent: it named the right moment when it was sent."""
    now = context.now()
    appointments = context.storage.appointments
    moved: list[tuple[int, float]] = []
    for appointment in upcoming:
        times = retimed(appointment, old, new, now)
        if times is None or not await appointments.reschedule(who, appointment.id, *times):
            continue
        await appointments.carry_sends(appointment.id, appointment.remind_at, times[1])
        moved.append((appointment.id, times[0]))
    return moved


async def keep_moments(update: Update, context: BotContext, data: KeepMoments) -> Reply:
    """Keep the same moments instead: the appointments a change of zone moved go back to the
    moments they had (the old zone's clock times), shown on the new zone's clock. Only those
    still at the times the change gave them (rules.moved_among): a second tap finds them
    moved back already and changes nothing; if one was changed, deleted or has passed since,
    or the zone was changed again, nothing moves and the list says so."""
    s = context.content.strings
    old_name = zone_at(data.n, data.check)
    if old_name is None:
        return stale_reply(context)
    found = await family_zone(update, context)
    if found is None:
        return Reply(zone_screen(context))
    new, new_name = found
    old = zone(old_name)
    assert old is not None
    who, now = await require_full(update, context), context.now()
    items = await context.storage.appointments.upcoming(who.circle, now)
    there = moved_among(items, new_name, data.moved, lambda a: a.starts_at)
    if there is not None:
        await move_all(context, who, new, old, there)
        notice = s("appointments.zone_moments_kept")
    elif (
        moved_among(items, new_name, data.moved, lambda a: same_clock(a.starts_at, old, new).timestamp())
        is not None
    ):
        notice = s("appointments.zone_moments_kept")  # moved back already: a second tap
    else:
        notice = s("appointments.zone_moments_changed")
    return await list_reply(update, context, notice)


# ---- the family's zone and appointments, looked up for the tapping parent ----------------------
async def family_zone(update: Update, context: BotContext) -> tuple[ZoneInfo, str] | None:
    """The family's time zone and its name, or None while none is stored (or it is unknown)."""
    name = await context.storage.circles.timezone(await circle_of(update, context))
    tz = zone(name)
    return (tz, name) if tz is not None and name is not None else None


async def own_appointment(
    update: Update, context: BotContext, num: int
) -> tuple[Appointment, ZoneInfo, str] | None:
    """The tapping parent's appointment `num` with the family's zone and its name; None if it
    is not theirs, is gone, or no zone is stored."""
    found = await family_zone(update, context)
    appointment = await context.storage.appointments.get(await circle_of(update, context), num)
    if found is None or appointment is None:
        return None
    return appointment, found[0], found[1]


async def gone(update: Update, context: BotContext) -> Reply:
    """The appointment a button or prompt was for no longer exists: the list, saying so."""
    reply = await list_reply(update, context)
    return Reply(reply.view, context.content.strings("appointments.gone"))


# ---- a new appointment, or a new time: the calendar, or typed ----------------------------------
# The calendar, hour and minute screens each wait for typing (the TIME prompt, opened again
# by each tap that shows one, with that screen's data as its origin: Cancel goes back there);
# a tap on anything else ends it, as any tap does.
async def tap_month(update: Update, context: BotContext, data: CalendarMonth) -> Reply:
    """A month of the calendar; a month already past shows this one (an old button)."""
    found = await family_zone(update, context)
    if found is None:
        return Reply(zone_screen(context))
    if not 1 <= data.month <= 12 or not 2000 <= data.year <= 2100:
        return stale_reply(context)
    today = local(context.now(), found[0]).date()
    if (data.year, data.month) < (today.year, today.month):
        data = CalendarMonth(data.appt, today.year, today.month)
    await wait_for_typing(update, context, data, data.appt)
    return Reply(calendar_view(context.content, data.appt, data.year, data.month, today))


async def tap_day(update: Update, context: BotContext, data: PickDay) -> Reply:
    """A day tapped: its hours (a day that does not exist is a stale button)."""
    found = await family_zone(update, context)
    if found is None:
        return Reply(zone_screen(context))
    if picked_day(data) is None:
        return stale_reply(context)
    await wait_for_typing(update, context, data, data.appt)
    return Reply(hour_view(context.content, data, twelve_hour(found[1])))


async def tap_hour(update: Update, context: BotContext, data: PickHour) -> Reply:
    """An hour tapped: its minutes."""
    found = await family_zone(update, context)
    if found is None:
        return Reply(zone_screen(context))
    if not 0 <= data.hour <= 23 or picked_day(data) is None:
        return stale_reply(context)
    await wait_for_typing(update, context, data, data.appt)
    return Reply(minute_view(context.content, data, twelve_hour(found[1])))


def picked_day(data: PickDay | PickHour) -> date | None:
    """The day a calendar button was for, or None if there is no such day (forged data)."""
    try:
        return date(data.year, data.month, data.day)
    except ValueError:
        return None


async def wait_for_typing(update: Update, context: BotContext, origin: CallbackData, appt: int) -> None:
    """Open the TIME prompt for the screen being shown (`origin`), for appointment `appt`
    (0: a new one)."""
    await open_prompt(update, context, TIME_ON_SCREEN.kind, origin, ref=appt or None)


async def save_time(
    update: Update, context: BotContext, appt: int, starts: datetime, family: tuple[ZoneInfo, str]
) -> tuple[View, bool]:
    """Save a new appointment or a new time (`starts`: aware, in the family's zone, `family`:
    that zone and its name, as the caller read them); (what to show, whether it was saved)."""
    s = context.content.strings
    tz, tz_name = family
    now = context.now()
    today = datetime.fromtimestamp(now, tz).date()
    if starts.timestamp() <= now or too_far(starts.date(), today):
        # Back on this month's calendar, which waits for typing again.
        await wait_for_typing(update, context, CalendarMonth(appt, today.year, today.month), appt)
        problem = (
            s("appointments.past")
            if starts.timestamp() <= now
            else s("appointments.typed.too_far", years=LIMIT_YEARS)
        )
        return calendar_view(context.content, appt, today.year, today.month, today, problem), False
    uid = user_id(update)
    hour = REMIND_HOUR
    if (
        appt
        and (old := await context.storage.appointments.get(await circle_of(update, context), appt))
        is not None
    ):
        hour = local(old.remind_at, tz).hour  # a new time keeps the hour the parent picked
    remind = max(remind_time(starts, hour).timestamp(), now)
    if appt:
        if not await context.storage.appointments.reschedule(
            await me(update, context), appt, starts.timestamp(), remind
        ):
            items = await context.storage.appointments.upcoming(await circle_of(update, context), now)
            return list_view(context.content, tz_name, items, now, s("appointments.gone")), False
        saved_id, notice = appt, s("appointments.time_saved")
    elif (
        same := next(
            (
                a
                for a in await context.storage.appointments.upcoming(await circle_of(update, context), now)
                if a.starts_at == starts.timestamp()
            ),
            None,
        )
    ) is not None:
        # A double tap (on the calendar's minute, on ✅, an old copy of either) or the same
        # time typed again: one appointment, not two.
        saved_id, notice = same.id, s("appointments.saved")
    else:
        try:
            saved_id = await context.storage.appointments.add(
                await me(update, context), starts.timestamp(), remind, after=now, limit=MAX_AHEAD
            )
        except LimitReached:
            items = await context.storage.appointments.upcoming(await circle_of(update, context), now)
            return list_view(
                context.content, tz_name, items, now, s("appointments.full", limit=MAX_AHEAD)
            ), False
        notice = s("appointments.saved")
        moment = starts.timestamp()
        await tell_added(
            context,
            await me(update, context),
            "family.notice_appointment",
            when=lambda c: when_text(c, moment, tz),
        )
        if await context.storage.users.language(uid) is None:
            # Reminders are sent with no message to read the language from: keep it.
            await context.storage.users.set_language(uid, context.content.language)
    appointment = await context.storage.appointments.get(await circle_of(update, context), saved_id)
    if appointment is None:  # deleted from another chat meanwhile
        items = await context.storage.appointments.upcoming(await circle_of(update, context), now)
        return list_view(context.content, tz_name, items, now, s("appointments.gone")), False
    return appointment_view(context.content, appointment, tz, tz_name, notice), True


async def tap_minute(update: Update, context: BotContext, data: PickMinute) -> Reply:
    """The calendar's last tap: saves (a double tap finds the appointment it saved and
    shows it: one appointment, not two). A time the clocks show twice is the first one."""
    if not 0 <= data.minute <= 59 or not 0 <= data.hour <= 23:
        return stale_reply(context)
    found = await family_zone(update, context)
    if found is None:
        return Reply(zone_screen(context))
    try:
        starts = datetime(data.year, data.month, data.day, data.hour, data.minute, tzinfo=found[0])
    except ValueError:
        return stale_reply(context)
    view, _ = await save_time(update, context, data.appt, starts, found)
    return Reply(view)


async def type_time(update: Update, context: BotContext, data: TypeTime) -> Reply:
    """Type the date and time (the button older calendars showed): opens the TIME prompt
    (needs consent first, as it saves); Cancel goes back to the appointment, or to the list
    for a new one."""
    await require_consent(update, context)
    return await ask(
        update,
        context,
        TIME,
        context.content.strings("appointments.time_prompt"),
        OpenAppointment(data.appt) if data.appt else ShowAppointments(),
        ref=data.appt or None,
    )


# The screens a typed time can be for, and the appointment each is about.
_TYPED_ON: tuple[type[CalendarMonth | PickDay | PickHour | OpenAppointment | ShowAppointments], ...] = (
    CalendarMonth,
    PickDay,
    PickHour,
    OpenAppointment,
    ShowAppointments,
)


def typed_on(data: str) -> CalendarMonth | PickDay | PickHour | OpenAppointment | ShowAppointments | None:
    """The screen a typed time was asked on, from its button data (a prompt's origin), or
    None for any other data."""
    for kind in _TYPED_ON:
        found = kind.unpack(data)
        if found is not None:
            return found
    return None


async def type_again(update: Update, context: BotContext, data: TypeAgain) -> Reply:
    """Type it again, under a date shown back: waits for typing again, for the same screen
    (Cancel goes back to it)."""
    screen = typed_on(data.then)
    if screen is None:
        return stale_reply(context)
    appt = screen.num if isinstance(screen, OpenAppointment) else getattr(screen, "appt", 0)
    if appt and await own_appointment(update, context, appt) is None:
        return await gone(update, context)
    if await family_zone(update, context) is None:
        return Reply(zone_screen(context))
    await require_consent(update, context)
    s = context.content.strings
    day = picked_day(screen) if isinstance(screen, (PickDay, PickHour)) else None
    question = s("appointments.time_prompt_day", day=day) if day else s("appointments.time_prompt")
    return await ask(update, context, TIME, question, screen, ref=appt or None)


@dataclass(frozen=True)
class TypingFor:
    """What a typed time is for: the appointment (0: a new one), the day already picked on
    the hour or minute screen, the screen it was typed on, and the family's zone."""

    appt: int
    day: date | None
    origin: CallbackData
    tz: ZoneInfo
    tz_name: str


async def load_typing(update: Update, context: BotContext, prompt: Prompt) -> TypingFor | Outcome:
    """The appointment and screen a typed time is for; the prompt closes on the list if the
    appointment is gone, or on the time zones if there is none."""
    found = await family_zone(update, context)
    if found is None:
        return done(zone_screen(context))
    appt = prompt.ref or 0
    if appt and await own_appointment(update, context, appt) is None:
        reply = await gone(update, context)
        assert reply.view is not None
        return done(reply.view)
    screen = typed_on(prompt.origin) or (OpenAppointment(appt) if appt else ShowAppointments())
    day = picked_day(screen) if isinstance(screen, (PickDay, PickHour)) else None
    return TypingFor(appt, day, screen, found[0], found[1])


async def read_time(
    update: Update, context: BotContext, target: TypingFor, text: str
) -> tuple[datetime, ...] | Outcome:
    """A typed date and time, read by bot.when in the family's words, zone and country (a
    time alone on the picked day); what cannot be used gets a calm line saying what works,
    and the prompt stays open."""
    return _readings_or_why(context, _typed(context, target, text))


# Words in a text with no date or time in it that make it something else than a try at one.
NOT_A_DATE_WORDS = 3


async def read_time_on_screen(
    update: Update, context: BotContext, target: TypingFor, text: str
) -> tuple[datetime, ...] | Outcome:
    """Text typed on a calendar, hour or minute screen, which offers typing without the
    parent choosing it: read as a date and time as above, but words with no date or time in
    them at all ("what does remission mean", typed after leaving the calendar) are not
    refused here: the prompt closes and they go to the search, as any text would. A word or
    two ("someday") is still taken as a try at a date and gets the calm line."""
    typed = _typed(context, target, text)
    if (
        typed.problem == "not_understood"
        and len(text.split()) >= NOT_A_DATE_WORDS
        and not when.names_a_date(text, context.content.profile.dates)
    ):
        return not_for_this(View(""))
    return _readings_or_why(context, typed)


def _typed(context: BotContext, target: TypingFor, text: str) -> Typed:
    now = datetime.fromtimestamp(context.now(), target.tz)
    return read_typed(
        text,
        now,
        words=context.content.profile.dates,
        day_first=day_first_of(target.tz_name),
        day=target.day,
    )


def _readings_or_why(context: BotContext, typed: Typed) -> tuple[datetime, ...] | Outcome:
    if typed.problem is not None:
        s = context.content.strings
        key = f"appointments.typed.{typed.problem}"
        if key not in s:  # a problem no line is written for (none is reachable here)
            key = "appointments.typed.not_understood"
        line = s(key, years=LIMIT_YEARS) if "years" in s.fields(key) else s(key)
        return again(context.content, line)
    return typed.readings


async def show_back(
    update: Update, context: BotContext, target: TypingFor, readings: tuple[datetime, ...]
) -> Outcome:
    """Nothing typed is saved unseen: the reading(s) shown back with the weekday, each with
    ✅ (which saves it), Type it again and Cancel; the prompt stays open."""
    return Outcome(
        echo_view(context.content, target.appt, readings, twelve_hour(target.tz_name), target.origin),
        Then.KEEP,
    )


async def tap_typed_date(update: Update, context: BotContext, data: PickTypedDate) -> Reply:
    """✅ under a typed date shown back: checked again (the data is untrusted: a day and
    time that exist on the family's clock, the fold only where the clocks show it twice),
    then saved for the tapping parent, like the calendar's last tap (a double tap saves
    once)."""
    found = await family_zone(update, context)
    if found is None:
        return Reply(zone_screen(context))
    try:
        wall = datetime(data.year, data.month, data.day, data.hour, data.minute)
    except ValueError:
        return stale_reply(context)
    moments = localize(wall, found[0])
    if not moments or (data.fold and len(moments) < 2):
        return stale_reply(context)
    await require_consent(update, context)
    if data.appt and await own_appointment(update, context, data.appt) is None:
        return await gone(update, context)
    view, _ = await save_time(update, context, data.appt, moments[1 if data.fold else 0], found)
    return Reply(view)


# ---- one appointment: place, reminder, delete, .ics --------------------------------------------
async def open_appointment(update: Update, context: BotContext, data: OpenAppointment) -> Reply:
    """One appointment with what can be done with it."""
    found = await own_appointment(update, context, data.num)
    if found is None:
        return await gone(update, context)
    signed = await signature(context, await me(update, context), found[0])
    return Reply(appointment_view(context.content, *found, signed=signed))


async def ask_place(update: Update, context: BotContext, data: AskPlace) -> Reply:
    """Write where it is: opens the PLACE prompt for this appointment."""
    if await own_appointment(update, context, data.num) is None:
        return await gone(update, context)
    return await ask(
        update,
        context,
        PLACE,
        context.content.strings("appointments.place_prompt", limit=MAX_PLACE),
        OpenAppointment(data.num),
        ref=data.num,
    )


async def load_placed(
    update: Update, context: BotContext, prompt: Prompt
) -> tuple[Appointment, ZoneInfo, str] | Outcome:
    """The appointment a typed place is for; if it is gone, the prompt closes on the list."""
    found = await own_appointment(update, context, prompt.ref or 0)
    if found is None:
        reply = await gone(update, context)
        assert reply.view is not None
        return done(reply.view)
    return found


async def read_place(update: Update, context: BotContext, row: object, text: str) -> str | Outcome:
    """The place as typed (trimmed), refused when empty or longer than MAX_PLACE characters."""
    place = text.strip()
    if not place or len(place) > MAX_PLACE:
        return again(
            context.content,
            context.content.strings("appointments.place_invalid", limit=MAX_PLACE, length=len(place)),
        )
    return place


async def save_place(
    update: Update, context: BotContext, found: tuple[Appointment, ZoneInfo, str], place: str
) -> Outcome:
    """Store the place, then the appointment with it."""
    await context.storage.appointments.set_place(await me(update, context), found[0].id, place)
    return await shown_saved(update, context, found[0].id, "appointments.place_saved")


async def ask_note(update: Update, context: BotContext, data: AskNote) -> Reply:
    """Write a note for the day before: opens the NOTE prompt for this appointment (with
    Remove the note when there is one)."""
    found = await own_appointment(update, context, data.num)
    if found is None:
        return await gone(update, context)
    return await ask(
        update,
        context,
        NOTE,
        context.content.strings("appointments.note_prompt", limit=MAX_NOTE),
        OpenAppointment(data.num),
        ref=data.num,
        markup=note_keyboard(context.content, found[0]),
    )


async def save_note(
    update: Update, context: BotContext, found: tuple[Appointment, ZoneInfo, str], note: str
) -> Outcome:
    """Store the note exactly as typed, then the appointment with it."""
    await context.storage.appointments.set_note(await me(update, context), found[0].id, note)
    return await shown_saved(update, context, found[0].id, "appointments.note_saved")


async def shown_saved(update: Update, context: BotContext, num: int, notice_key: str) -> Outcome:
    """After a prompt saved something on an appointment: the appointment with `notice_key`,
    or the list saying it is gone (deleted from another chat meanwhile); the prompt closes."""
    updated = await own_appointment(update, context, num)
    if updated is None:
        reply = await gone(update, context)
        assert reply.view is not None
        return done(reply.view)
    return done(appointment_view(context.content, *updated, context.content.strings(notice_key)))


async def clear_note(update: Update, context: BotContext, data: ClearNote) -> Reply:
    """Remove the note for the day before."""
    if await own_appointment(update, context, data.num) is None:
        return await gone(update, context)
    await context.storage.appointments.set_note(await me(update, context), data.num, "")
    updated = await own_appointment(update, context, data.num)
    if updated is None:
        return await gone(update, context)
    return Reply(
        appointment_view(context.content, *updated), context.content.strings("appointments.note_removed")
    )


async def ask_reminder_hour(update: Update, context: BotContext, data: AskReminderHour) -> Reply:
    """Change the reminder: the hours it can come at the day before."""
    found = await own_appointment(update, context, data.num)
    if found is None:
        return await gone(update, context)
    return Reply(reminder_hour_view(context.content, data.num, twelve_hour(found[2])))


async def set_reminder_hour(update: Update, context: BotContext, data: SetReminderHour) -> Reply:
    """The reminder at another hour the day before (due again, and sent once)."""
    found = await own_appointment(update, context, data.num)
    if found is None:
        return await gone(update, context)
    if not 0 <= data.hour <= 23:
        return stale_reply(context)
    appointment, tz, _ = found
    starts = local(appointment.starts_at, tz)
    remind = max(remind_time(starts, data.hour).timestamp(), context.now())
    await context.storage.appointments.reschedule(
        await me(update, context), appointment.id, appointment.starts_at, remind
    )
    updated = await own_appointment(update, context, appointment.id)
    if updated is None:  # deleted from another chat meanwhile
        return await gone(update, context)
    s = context.content.strings
    return Reply(appointment_view(context.content, *updated), s("appointments.reminder_saved"))


async def delete_appointment(update: Update, context: BotContext, data: DeleteAppointment) -> Reply:
    """Delete: its reminder goes with it (the reminder job skips deleted ones). It is kept
    for the Undo window (settings.undo_seconds), with Undo on top of the list, then erased
    for good (purge.purge_removed_appointments). A double tap keeps the Undo."""
    s = context.content.strings
    user_id(update)
    found = await own_appointment(update, context, data.num)
    if found is None:
        return await gone(update, context)
    appointment, tz, _ = found
    await context.storage.appointments.remove(await me(update, context), data.num)
    notice = s("appointments.deleted_note", when=when_text(context.content, appointment.starts_at, tz))
    reply = await list_reply(update, context, notice, undo=data.num)
    return Reply(reply.view, s("appointments.deleted"))


async def undo_delete(update: Update, context: BotContext, data: UndoDelete) -> Reply:
    """Undo: bring the appointment back with its reminder, within the Undo window and while
    there is room for it among those ahead."""
    s = context.content.strings
    user_id(update)
    now = context.now()
    try:
        restored = await context.storage.appointments.undo_remove(
            await me(update, context),
            data.num,
            removed_after=now - context.services.settings.undo_seconds,
            after=now,
            limit=MAX_AHEAD,
        )
    except LimitReached:
        reply = await list_reply(update, context)
        return Reply(reply.view, s("appointments.full", limit=MAX_AHEAD), alert=True)
    found = await own_appointment(update, context, data.num) if restored else None
    if found is None:
        reply = await list_reply(update, context)
        return Reply(reply.view, s("appointments.undo_gone"))
    return Reply(appointment_view(context.content, *found), s("appointments.restored"))


async def send_calendar_file(update: Update, context: BotContext, data: SendCalendarFile) -> Reply:
    """The .ics file for the phone's calendar, with the questions still to ask, sent after
    the tap is answered."""
    found = await own_appointment(update, context, data.num)
    chat = update.effective_chat
    if found is None or chat is None:
        return await gone(update, context)
    appointment, tz, _ = found
    questions = still_to_ask(
        localized(context.content, await context.storage.questions.list(await circle_of(update, context)))
    )
    s = context.content.strings

    async def send() -> None:
        await context.bot.send_document(
            chat.id,
            document=io.BytesIO(ics_bytes(context.content, appointment, tz, questions, context.now())),
            filename=s("appointments.ics_filename"),
            caption=s("appointments.ics_caption"),
        )

    return Reply(notice=s("appointments.ics_sent"), after=send)


# ---- the prompts -------------------------------------------------------------------------------
# A typed zone is only shown back here, each reading with the time there now (its "save" step
# keeps waiting); a tap on one saves it (confirm_zone).
TIMEZONE: Asking[None, tuple[ZoneCandidate, ...]] = Asking(
    TIMEZONE_PROMPT, Text.STRUCTURED, read=read_timezone, save=show_zones, full=True
)
# A typed date and time is only shown back here (its "save" step shows the echo and keeps
# waiting); ✅ under it saves (tap_typed_date).
TIME: Asking[TypingFor, tuple[datetime, ...]] = Asking(
    TIME_PROMPT, Text.STRUCTURED, load=load_typing, read=read_time, save=show_back, full=True
)
# The same, opened by the calendar, hour and minute screens themselves (read_time_on_screen).
TIME_ON_SCREEN: Asking[TypingFor, tuple[datetime, ...]] = Asking(
    TIME_ON_SCREEN_PROMPT,
    Text.STRUCTURED,
    load=load_typing,
    read=read_time_on_screen,
    save=show_back,
    full=True,
)
PLACE: Asking[tuple[Appointment, ZoneInfo, str], str] = Asking(
    PLACE_PROMPT, Text.STRUCTURED, load=load_placed, read=read_place, save=save_place, full=True
)
# The note keeps whatever the family writes (a red flag typed there is answered first, and
# the note is still saved), as My questions' answers do.
NOTE: Asking[tuple[Appointment, ZoneInfo, str], str] = Asking(
    NOTE_PROMPT,
    Text.FREE,
    load=load_placed,
    read=typed_text(MAX_NOTE, "appointments.note_empty", "appointments.note_too_long"),
    save=save_note,
    full=True,
)
