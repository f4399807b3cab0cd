"""The medicines' screens and the dose reminder, content and rows in, a `View` out (pure: no
Telegram calls, no storage). Everything the family typed (names, doses, notes) is escaped
here; every other word is content."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from bot import render
from bot.content import Content
from bot.doses import CYCLE, DAY, EVERY_N, KINDS, NEEDED, WEEKDAYS, Schedule, clock
from bot.storage import Member
from bot.storage.interface import Dose, Medicine
from bot.storage.medicines import ACTIVE, GIVEN, PAUSED, SKIPPED, STOPPED
from handlers.appointments.views import clock_text
from handlers.common import Home, View, button
from handlers.counts.buttons import ShowCounts
from handlers.family.views import name_of
from handlers.medicines.buttons import (
    EDIT_DAY_DOSE,
    EDIT_DOSE,
    EDIT_END,
    EDIT_NOTE,
    EDIT_TIMES,
    AddMedicine,
    ChangeMedicine,
    DiscardDraft,
    DoseSettings,
    EditDraft,
    GiveAgain,
    GiveDose,
    MedicineHistory,
    OpenMedicine,
    PickDoseDay,
    PickTime,
    RecordNeeded,
    SaveMedicine,
    SendDosesCsv,
    SendMedicationList,
    SetCycle,
    SetEvery,
    SetEveryN,
    SetStart,
    SetStatus,
    ShowDraft,
    ShowMedicines,
    ShowRound,
    ShowStopped,
    ShowToday,
    SkipDose,
    SnoozeDoses,
    SuggestedName,
    TimesDone,
    ToggleWeekday,
    TypeStart,
    UndoDose,
    VomitedDose,
    WeekdaysDone,
)
from handlers.prompts import cancel_keyboard

STATUSES = (PAUSED, ACTIVE, STOPPED)  # SetStatus.status, append only
EVERY_N_CHOICES = (2, 3, 7, 14)
CYCLE_ON_CHOICES = (3, 4, 5, 7, 14)
CYCLE_OF_CHOICES = (14, 21, 28, 42, 56)  # days
WINDOW_CHOICES = (30, 60, 120, 240)  # minutes a dose is reminded before "not marked"


def back_row(content: Content) -> list[Button]:
    s = content.strings
    return [button(s("medicines.back"), ShowMedicines()), button(s("menu.home"), Home())]


def names(content: Content) -> list[str]:
    """The short list of generic names offered while adding (content: `medicines.name_names`)."""
    return [n.strip() for n in content.strings("medicines.name_names").split(";") if n.strip()]


def day_names(content: Content) -> list[str]:
    return content.strings("dates.day_names").split()


def _short_day(content: Content, day: date) -> str:
    months = content.strings("dates.month_abbr").split()
    return f"{content.strings('dates.day_abbr').split()[day.weekday()]} {day.day} {months[day.month - 1]}"


def times_text(content: Content, times: Sequence[str], twelve: bool) -> str:
    shown = []
    for hhmm in times:
        parsed = clock(hhmm)
        if parsed:
            shown.append(clock_text(content, datetime(2000, 1, 3, *parsed), twelve))
    return ", ".join(shown)


def schedule_text(content: Content, schedule: Schedule, twelve: bool) -> str:
    """The schedule in words, as echoed before saving ("Every Monday at 20:00 — once a week")."""
    s = content.strings
    times = times_text(content, schedule.times, twelve)
    if schedule.every == NEEDED:
        text = s("medicines.sched.needed")
    elif schedule.every == WEEKDAYS:
        named = [day_names(content)[d] for d in schedule.weekdays]
        days = ", ".join(named[:-1]) + s("medicines.sched.and") + named[-1] if len(named) > 1 else named[0]
        key = "medicines.sched.weekly" if len(schedule.weekdays) == 1 else "medicines.sched.weekdays"
        text = s(key, days=days, times=times)
    elif schedule.every == EVERY_N:
        text = s("medicines.sched.every_n", n=schedule.n, times=times, start=_start(content, schedule))
    elif schedule.every == CYCLE:
        text = s(
            "medicines.sched.cycle",
            on=schedule.on,
            of=schedule.of,
            times=times,
            start=_start(content, schedule),
        )
    else:
        text = s("medicines.sched.day", times=times)
    if schedule.start and schedule.every in (DAY, WEEKDAYS):
        text += ", " + s("medicines.sched.from", start=_short_day(content, schedule.start))
    if schedule.end:
        text += ", " + s("medicines.sched.until", end=_short_day(content, schedule.end))
    return text


def _start(content: Content, schedule: Schedule) -> str:
    return _short_day(content, schedule.start) if schedule.start else "?"


def day_doses_text(content: Content, schedule: Schedule) -> list[str]:
    return [
        content.strings("medicines.echo_day_dose", day=day_names(content)[d], dose=render.esc(dose))
        for d, dose in sorted(schedule.doses.items())
    ]


# ---- the list -----------------------------------------------------------------------------------
def list_view(
    content: Content,
    medicines: Sequence[Medicine],
    twelve: bool,
    *,
    receivers: int,
    notice: str | None = None,
    drafts: Sequence[Medicine] = (),
) -> View:
    s = content.strings
    lines = [notice] if notice else []
    lines.append(s("medicines.title"))
    if not medicines:
        lines.append(s("medicines.none"))
    for m in medicines:
        if m.status == PAUSED:
            lines.append(s("medicines.entry_paused", name=render.esc(m.name)))
        else:
            lines.append(
                s(
                    "medicines.entry",
                    name=render.esc(m.name),
                    dose=render.esc(m.dose),
                    schedule=schedule_text(content, Schedule.loads(m.schedule), twelve),
                )
            )
    if medicines and not receivers:
        lines.append(s("medicines.nobody"))
    lines.append(s("medicines.about"))
    rows = [[button(s("medicines.open", name=m.name[:40]), OpenMedicine(m.id))] for m in medicines]
    rows += [[button(s("medicines.finish", name=m.name[:40]), ShowDraft(m.id))] for m in drafts]
    rows.append([button(s("medicines.add"), AddMedicine()), button(s("medicines.today"), ShowToday())])
    rows.append(
        [button(s("medicines.counts"), ShowCounts()), button(s("medicines.settings"), DoseSettings(0, 0))]
    )
    rows.append(
        [button(s("medicines.list_pdf"), SendMedicationList()), button(s("medicines.csv"), SendDosesCsv())]
    )
    rows.append([button(s("medicines.stopped_list"), ShowStopped()), button(s("menu.home"), Home())])
    return View("\n\n".join(lines), Markup(rows))


def stopped_view(content: Content, medicines: Sequence[Medicine]) -> View:
    s = content.strings
    stopped = [m for m in medicines if m.status == STOPPED]
    lines = [s("medicines.stopped_list")] + [
        f"• {render.esc(m.name)} — {render.esc(m.dose)}" for m in stopped
    ]
    if not stopped:
        lines.append(s("medicines.none"))
    rows = [[button(s("medicines.open", name=m.name[:40]), OpenMedicine(m.id))] for m in stopped]
    rows.append(back_row(content))
    return View("\n".join(lines), Markup(rows))


# ---- adding ------------------------------------------------------------------------------------
def name_markup(content: Content) -> Markup:
    """The suggested names, one a row (6-MP and MTX apart, by their full names), and Cancel."""
    rows = [[button(n, SuggestedName(i))] for i, n in enumerate(names(content))]
    return Markup(rows + list(cancel_keyboard(content).inline_keyboard))


def every_view(content: Content, m: Medicine) -> View:
    s = content.strings
    labels = {
        DAY: "medicines.every_day",
        WEEKDAYS: "medicines.every_weekdays",
        EVERY_N: "medicines.every_n",
        CYCLE: "medicines.every_cycle",
        NEEDED: "medicines.every_needed",
    }
    rows = [[button(s(labels[k]), SetEvery(m.id, i))] for i, k in enumerate(KINDS)]
    rows.append([button(s("medicines.discard"), DiscardDraft(m.id))])
    return View(s("medicines.every_ask", name=render.esc(m.name), dose=render.esc(m.dose)), Markup(rows))


def weekdays_view(content: Content, m: Medicine, schedule: Schedule) -> View:
    s = content.strings
    names_ = day_names(content)
    row1: list[Button] = []
    row2: list[Button] = []
    for d in range(7):
        label = s("medicines.weekday_on", day=names_[d][:3]) if d in schedule.weekdays else names_[d][:3]
        (row1 if d < 4 else row2).append(button(label, ToggleWeekday(m.id, d)))
    rows = [row1, row2, [button(s("medicines.done"), WeekdaysDone(m.id))]]
    return View(s("medicines.weekdays_ask", name=render.esc(m.name)), Markup(rows))


def every_n_view(content: Content, m: Medicine) -> View:
    s = content.strings
    rows = [[button(s("medicines.n_option", n=n), SetEveryN(m.id, n)) for n in EVERY_N_CHOICES]]
    return View(s("medicines.n_ask", name=render.esc(m.name)), Markup(rows))


def cycle_on_view(content: Content, m: Medicine) -> View:
    s = content.strings
    rows = [[button(s("medicines.days_option", n=n), SetCycle(m.id, n, 0)) for n in CYCLE_ON_CHOICES]]
    return View(s("medicines.cycle_on_ask", name=render.esc(m.name)), Markup(rows))


def cycle_of_view(content: Content, m: Medicine, on: int) -> View:
    s = content.strings
    rows = [
        [
            button(
                s("medicines.weeks_option", n=n // 7) if n % 7 == 0 else s("medicines.days_option", n=n),
                SetCycle(m.id, on, n),
            )
            for n in CYCLE_OF_CHOICES
            if n > on
        ]
    ]
    return View(s("medicines.cycle_of_ask", name=render.esc(m.name), on=on), Markup(rows))


def start_view(content: Content, m: Medicine) -> View:
    s = content.strings
    rows = [
        [
            button(s("medicines.start_today"), SetStart(m.id, 0)),
            button(s("medicines.start_tomorrow"), SetStart(m.id, 1)),
        ],
        [button(s("medicines.start_type"), TypeStart(m.id))],
    ]
    return View(s("medicines.start_ask", name=render.esc(m.name)), Markup(rows))


def times_markup(content: Content, m: Medicine, schedule: Schedule) -> Markup:
    rows = [[button(content.strings("medicines.done"), TimesDone(m.id))]] if schedule.times else []
    return Markup(rows + list(cancel_keyboard(content).inline_keyboard))


def time_which_view(content: Content, m: Medicine, part: str, readings: Sequence[int], twelve: bool) -> View:
    s = content.strings
    rows = [
        [
            button(clock_text(content, datetime(2000, 1, 3, r // 60, r % 60), twelve), PickTime(m.id, r))
            for r in readings
        ]
    ]
    return View(s("medicines.time_which", part=render.esc(part)), Markup(rows))


def echo_view(content: Content, m: Medicine, twelve: bool) -> View:
    """The whole medicine in words, to check against the label before ✅ saves it."""
    s = content.strings
    schedule = Schedule.loads(m.schedule)
    lines = [
        s("medicines.echo_title"),
        s(
            "medicines.echo",
            name=render.esc(m.name),
            dose=render.esc(m.dose),
            schedule=schedule_text(content, schedule, twelve),
        ),
    ]
    lines += day_doses_text(content, schedule)
    if m.notes:
        lines.append(s("medicines.echo_note", notes=render.esc(m.notes)))
    lines.append(s("medicines.echo_nothing_saved"))
    edits = [
        button(s("medicines.edit_dose"), EditDraft(m.id, EDIT_DOSE)),
        button(s("medicines.add_note_label"), EditDraft(m.id, EDIT_NOTE)),
    ]
    if schedule.every != NEEDED:
        edits.insert(1, button(s("medicines.edit_times"), EditDraft(m.id, EDIT_TIMES)))
    rows = [[button(s("medicines.save"), SaveMedicine(m.id))], edits]
    if schedule.every != NEEDED:
        rows.append(
            [
                button(s("medicines.day_dose"), EditDraft(m.id, EDIT_DAY_DOSE)),
                button(s("medicines.end_date"), EditDraft(m.id, EDIT_END)),
            ]
        )
    rows.append([button(s("medicines.discard"), DiscardDraft(m.id))])
    return View("\n".join(lines), Markup(rows))


def dose_day_view(content: Content, m: Medicine, change: bool) -> View:
    s = content.strings
    names_ = day_names(content)
    rows = [[button(names_[d], PickDoseDay(m.id, d)) for d in range(i, min(i + 4, 7))] for i in (0, 4)]
    rows.append([button(s("medicines.back"), OpenMedicine(m.id) if change else ShowDraft(m.id))])
    return View(s("medicines.day_dose_ask", name=render.esc(m.name)), Markup(rows))


# ---- one medicine ----------------------------------------------------------------------------
def medicine_view(
    content: Content,
    m: Medicine,
    twelve: bool,
    tz: ZoneInfo,
    *,
    last: str,
    signature: str | None,
    full: bool,
    notice: str | None = None,
) -> View:
    s = content.strings
    schedule = Schedule.loads(m.schedule)
    lines = [notice] if notice else []
    lines.append(
        s(
            "medicines.one",
            name=render.esc(m.name),
            dose=render.esc(m.dose),
            schedule=schedule_text(content, schedule, twelve),
        )
    )
    lines += day_doses_text(content, schedule)
    if m.notes:
        lines.append(s("medicines.echo_note", notes=render.esc(m.notes)))
    if m.status == PAUSED:
        lines.append(s("medicines.paused_line"))
    elif m.status == STOPPED:
        lines.append(s("medicines.stopped_line"))
    elif m.next_due_at is not None:
        when = datetime.fromtimestamp(m.next_due_at, tz)
        lines.append(
            s(
                "medicines.next",
                when=f"{_short_day(content, when.date())}, {clock_text(content, when, twelve)}",
            )
        )
    lines.append(last)
    if signature:
        lines.append(f"<i>{signature}</i>")
    rows: list[list[Button]] = []
    if schedule.every == NEEDED and m.status == ACTIVE:
        rows.append([button(s("medicines.record"), RecordNeeded(m.id, 0))])
    if full and m.status != STOPPED:
        rows.append(
            [
                button(s("medicines.change_dose"), ChangeMedicine(m.id, EDIT_DOSE)),
                button(s("medicines.change_note"), ChangeMedicine(m.id, EDIT_NOTE)),
            ]
        )
        if schedule.every != NEEDED:
            rows.append(
                [
                    button(s("medicines.change_times"), ChangeMedicine(m.id, EDIT_TIMES)),
                    button(s("medicines.day_dose"), ChangeMedicine(m.id, EDIT_DAY_DOSE)),
                ]
            )
        pause = (
            button(s("medicines.resume"), SetStatus(m.id, STATUSES.index(ACTIVE), 1))
            if m.status == PAUSED
            else button(s("medicines.pause"), SetStatus(m.id, STATUSES.index(PAUSED), 1))
        )
        rows.append([pause, button(s("medicines.stop"), SetStatus(m.id, STATUSES.index(STOPPED), 0))])
    rows.append([button(s("medicines.history"), MedicineHistory(m.id))])
    rows.append(back_row(content))
    return View("\n".join(lines), Markup(rows))


def stop_ask_view(content: Content, m: Medicine) -> View:
    s = content.strings
    rows = [
        [button(s("medicines.stop_yes"), SetStatus(m.id, STATUSES.index(STOPPED), 1))],
        [button(s("medicines.back"), OpenMedicine(m.id))],
    ]
    return View(s("medicines.stop_ask", name=render.esc(m.name)), Markup(rows))


def when_text(content: Content, moment: float, tz: ZoneInfo, twelve: bool) -> tuple[str, str]:
    """(day, time) of a moment on the family's calendar and clock."""
    local = datetime.fromtimestamp(moment, tz)
    return _short_day(content, local.date()), clock_text(content, local, twelve)


def last_given_text(
    content: Content, last: Dose | None, members: Mapping[int, Member], tz: ZoneInfo, twelve: bool
) -> str:
    s = content.strings
    if last is None or last.marked_at is None:
        return s("medicines.never_given")
    day, time = when_text(content, last.marked_at, tz, twelve)
    return s(
        "medicines.last_given", time=time, day=day, who=name_of(content, members.get(last.marked_by or 0))
    )


def record_ask_view(content: Content, m: Medicine, last: str, now_text: str) -> View:
    s = content.strings
    rows = [
        [button(s("medicines.record_yes"), RecordNeeded(m.id, 1))],
        [button(s("medicines.back"), OpenMedicine(m.id))],
    ]
    return View(s("medicines.record_ask", name=render.esc(m.name), last=last, time=now_text), Markup(rows))


def history_view(
    content: Content,
    m: Medicine,
    changes: Sequence[tuple[str, str, str, str]],
    doses: Sequence[tuple[date, str, str]],
) -> View:
    """`changes`: (date, what, who, dose); `doses`: (day, time, state), newest first."""
    s = content.strings
    lines = [s("medicines.history_title", name=render.esc(m.name)), s("medicines.history_changes")]
    for when, what, who, dose in changes:
        lines.append(
            s(
                "medicines.history_change",
                date=when,
                what=s(f"medicines.what.{what}"),
                who=who,
                dose=render.esc(dose),
            )
        )
    lines.append(s("medicines.history_doses"))
    if not doses:
        lines.append(s("medicines.history_none"))
    for day, time, state in doses:
        lines.append(s("medicines.history_dose", day=day, time=time, state=state))
    rows = [[button(s("medicines.back"), OpenMedicine(m.id))], [button(s("menu.home"), Home())]]
    return View("\n".join(lines), Markup(rows))


# ---- the doses: the reminder and Today ---------------------------------------------------------
def state_text(
    content: Content,
    dose: Dose,
    members: Mapping[int, Member],
    tz: ZoneInfo,
    twelve: bool,
    *,
    now: float,
    window: int,
) -> str:
    """given by Ana at 20:04 · skipped by … · due · later · not marked (never "missed")."""
    s = content.strings
    if dose.status in (GIVEN, SKIPPED) and dose.marked_at is not None:
        _, time = when_text(content, dose.marked_at, tz, twelve)
        who = name_of(content, members.get(dose.marked_by or 0))
        key = "medicines.state_given" if dose.status == GIVEN else "medicines.state_skipped"
        return s(key, who=who, time=time)
    if dose.due_at is None or dose.due_at > now:
        return s("medicines.state_later")
    if now - dose.due_at > window * 60:
        return s("medicines.state_not_marked")
    return s("medicines.state_due")


def round_view(
    content: Content,
    doses: Sequence[Dose],
    medicines: Mapping[int, Medicine],
    members: Mapping[int, Member],
    tz: ZoneInfo,
    twelve: bool,
    *,
    now: float,
    window: int,
    discreet: bool,
    late: bool = False,
) -> View:
    """One message per due minute: every medicine due then, each with its state; Given and
    Skip for each unmarked one (named when there are several), In 15 min while any is
    unmarked, Undo for each marked one."""
    s = content.strings
    if not doses or doses[0].due_at is None:
        return View(s("medicines.dose_gone"), Markup([back_row(content)]))
    due_time = clock_text(content, datetime.fromtimestamp(doses[0].due_at, tz), twelve)
    lines = [s("medicines.reminder_discreet", time=due_time)] if discreet else []
    rows: list[list[Button]] = []
    several = len(doses) > 1
    not_marked = False
    for dose in doses:
        m = medicines.get(dose.medicine_id)
        name = m.name if m else "?"
        state = state_text(content, dose, members, tz, twelve, now=now, window=window)
        if not discreet:
            lines.append(
                s("medicines.reminder", time=due_time, name=render.esc(name), dose=render.esc(dose.dose))
            )
        else:
            lines.append(f"{render.esc(name)}, {render.esc(dose.dose)}")
        if dose.status is not None:
            lines.append(f"   {state}")
            rows.append(
                [
                    button(
                        s("medicines.undo_one", name=name[:30]) if several else s("medicines.undo"),
                        UndoDose(dose.id),
                    )
                ]
            )
        else:
            if state == s("medicines.state_not_marked"):
                not_marked = True
                lines.append(f"   {state}")
            rows.append(
                [
                    button(
                        s("medicines.given_one", name=name[:30]) if several else s("medicines.given"),
                        GiveDose(dose.id),
                    ),
                    button(
                        s("medicines.skip_one", name=name[:30]) if several else s("medicines.skip"),
                        SkipDose(dose.id),
                    ),
                ]
            )
        if m is not None and m.status == STOPPED:
            lines.append(s("medicines.stopped_since"))
    if not_marked:
        lines.append(s("medicines.not_sure"))
    if late:
        lines.append(s("medicines.reminder_late"))
    if any(d.status is None for d in doses) and not not_marked:
        rows.append([button(s("medicines.snooze"), SnoozeDoses(doses[0].id))])
    rows.append([button(s("medicines.vomited"), VomitedDose(doses[0].id))])
    return View("\n".join(lines), Markup(rows))


def already_view(content: Content, dose: Dose, name: str, who: str, time: str) -> View:
    s = content.strings
    key = "medicines.already" if dose.status == GIVEN else "medicines.already_skipped"
    rows = []
    if dose.status == GIVEN:
        rows.append([button(s("medicines.again"), GiveAgain(dose.id))])
    rows.append([button(s("medicines.back_to_reminder"), ShowRound(dose.id))])
    return View(s(key, name=render.esc(name), who=who, time=time), Markup(rows))


def today_view(
    content: Content,
    day: date,
    lines_in: Sequence[tuple[str, str, str, str, Dose | None]],
) -> View:
    """`lines_in`: (time, name, dose, state, the dose row if it exists), by time."""
    s = content.strings
    lines = [s("medicines.today_title", day=day)]
    rows: list[list[Button]] = []
    if not lines_in:
        lines.append(s("medicines.today_none"))
    for time, name, dose_text, state, dose in lines_in:
        lines.append(
            s(
                "medicines.today_line",
                time=time,
                name=render.esc(name),
                dose=render.esc(dose_text),
                state=state,
            )
        )
        if dose is not None and dose.status is None and dose.due_at is not None:
            rows.append(
                [
                    button(f"{s('medicines.given_one', name=name[:24])} · {time}", GiveDose(dose.id)),
                    button(s("medicines.skip"), SkipDose(dose.id)),
                ]
            )
    if any(state == s("medicines.state_not_marked") for *_, state, _ in lines_in):
        lines.append(s("medicines.not_sure"))
    rows.append(back_row(content))
    return View("\n".join(lines), Markup(rows))


def settings_view(content: Content, who: Member, window: int, receivers: int) -> View:
    s = content.strings
    hours = window // 60
    window_text = s("medicines.hours", n=hours) if window % 60 == 0 else s("medicines.minutes", n=window)
    lines = [s("medicines.settings_title", window=window_text)]
    if not receivers:
        lines.append(s("medicines.nobody"))
    rows = [
        [
            button(
                s("medicines.reminders_on" if who.dose_reminders else "medicines.reminders_off"),
                DoseSettings(1, 0),
            )
        ],
        [
            button(
                s("medicines.discreet_on" if who.discreet else "medicines.discreet_off"), DoseSettings(2, 0)
            )
        ],
        [
            button(
                ("• " if w == window else "")
                + (s("medicines.hours", n=w // 60) if w % 60 == 0 else s("medicines.minutes", n=w)),
                DoseSettings(3, w),
            )
            for w in WINDOW_CHOICES
        ],
        back_row(content),
    ]
    return View("\n\n".join(lines), Markup(rows))


def utc_day(moment: float, tz: ZoneInfo | None) -> date:
    return datetime.fromtimestamp(moment, tz or UTC).date()
