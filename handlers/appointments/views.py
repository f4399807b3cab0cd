"""The appointments feature's screens: content and the family's rows in, a `View` (HTML
text and its buttons) out. Nothing here reads storage or talks to Telegram: the taps, the
prompts and the reminder job load what a view needs and show or send what it returns.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup

from bot import render, when
from bot.callbacks import CallbackData, Nested
from bot.content import Content
from bot.storage import Appointment, SavedQuestion
from bot.zones import ZoneCandidate
from handlers.appointments.buttons import (
    AskNote,
    AskPlace,
    AskReminderHour,
    AskTimezone,
    CalendarMonth,
    ClearNote,
    ConfirmZone,
    DeleteAppointment,
    OpenAppointment,
    PickDay,
    PickHour,
    PickMinute,
    PickTypedDate,
    SendCalendarFile,
    SetReminderHour,
    SetTimezone,
    TypeAgain,
    TypeTimezone,
    UndoDelete,
    VisitAnswer,
    VisitAsked,
    VisitEnd,
)
from handlers.appointments.rules import (
    MAX_AHEAD,
    REMIND_HOUR,
    TIMEZONES,
    days_ahead,
    local,
    shown_twice,
    twelve_hour,
    utc_offset,
    zone,
    zone_ref,
)
from handlers.common import CancelPrompt, Home, ShowAppointments, ShowMedicines, View, button
from handlers.questions import MyQuestions, SendPdf, VisitQuestion


# ---- times, as the family's country writes them -------------------------------------------------
def clock_text(content: Content, moment: datetime, twelve: bool) -> str:
    """The time of day: "3:00 pm" on the 12-hour clock (rules.twelve_hour), else "15:00";
    a time the clocks show twice that night carries its UTC offset ("1:30 am (UTC-5)")."""
    s = content.strings
    if twelve:
        half = s("appointments.am") if moment.hour < 12 else s("appointments.pm")
        text = s("appointments.clock_12", hour=moment.hour % 12 or 12, minute=moment.minute, half=half)
    else:
        text = s("appointments.clock_24", hour=moment.hour, minute=moment.minute)
    return f"{text} ({utc_offset(moment)})" if shown_twice(moment) else text


def hour_text(content: Content, hour: int, twelve: bool) -> str:
    """An hour on a button: "3 pm", or "15"."""
    s = content.strings
    if not twelve:
        return f"{hour:02d}"
    half = s("appointments.am") if hour < 12 else s("appointments.pm")
    return s("appointments.hour_12", hour=hour % 12 or 12, half=half)


def when_text(content: Content, moment: float, tz: ZoneInfo) -> str:
    """A moment as the parent reads it, on the family's clock (a piece of a view's text)."""
    shown = local(moment, tz)
    return content.strings(
        "appointments.when", day=shown.date(), time=clock_text(content, shown, twelve_hour(tz.key))
    )


def echo_text(content: Content, moment: datetime, twelve: bool) -> str:
    """A typed date and time shown back before it is saved, weekday first (bot.when.echo, in
    the profile's words): "Tue 12 Jan 2027, 9:30 am"."""
    words = content.profile.dates
    day = when.echo(moment, words, with_time=False)
    clock = clock_text(content, moment, twelve)
    return words.echo_time.format(date=day, time=clock) if words else f"{day} {clock}"


# ---- the list and the time zone ----------------------------------------------------------------
def list_view(
    content: Content,
    tz_name: str,
    items: list[Appointment],
    now: float,
    notice: str | None = None,
    undo: int | None = None,
    keep: CallbackData | None = None,
    keep_doses: CallbackData | None = None,
) -> View:
    """The next appointments (when, where) and the family's time zone, each appointment a
    button; Undo first for one just deleted (`undo`), or "Keep the same moments instead"
    (`keep`) for those a change of zone just moved; Add while fewer than MAX_AHEAD are
    ahead, Change time zone, My questions, Home."""
    s = content.strings
    tz = zone(tz_name)
    assert tz is not None
    remind = local(now, tz).replace(hour=REMIND_HOUR, minute=0, second=0, microsecond=0)
    lines = [
        s(
            "appointments.entry",
            when=when_text(content, a.starts_at, tz),
            place=render.esc(a.place) if a.place else s("appointments.no_place"),
        )
        for a in items
    ]
    chunks = [notice] if notice else []
    chunks += [
        s("appointments.title", hour=clock_text(content, remind, twelve_hour(tz_name))),
        "\n".join(lines) if lines else s("appointments.none"),
        s("appointments.zone", zone=render.esc(tz_name)),
    ]
    rows = [[button(s("appointments.undo"), UndoDelete(undo))]] if undo is not None else []
    if keep is not None:
        rows.append([button(s("appointments.zone_keep_moments"), keep)])
    if keep_doses is not None:
        rows.append([button(s("appointments.zone_keep_dose_moments"), keep_doses)])
    rows += [
        [button(render.clip(when_text(content, a.starts_at, tz), 40), OpenAppointment(a.id))] for a in items
    ]
    today = local(now, tz)
    if len(items) < MAX_AHEAD:
        rows.append([button(s("appointments.add"), CalendarMonth(0, today.year, today.month))])
    rows.append([button(s("appointments.change_zone"), AskTimezone())])
    rows.append(
        [button(s("appointments.my_questions"), MyQuestions(0)), button(s("menu.medicines"), ShowMedicines())]
    )
    rows.append([button(s("menu.home"), Home())])
    return View("\n\n".join(chunks), Markup(rows))


def timezone_view(content: Content, notice: str | None = None) -> View:
    """The time zones to tap (TIMEZONES, by city, three a row) or Type a city or time zone
    (read by bot.zones, each reading confirmed: zone_choice_view): shown instead of the list
    while the family has none (every time shown and every reminder depends on it), and by
    Change time zone."""
    s = content.strings
    buttons = [
        button(name.split("/")[-1].replace("_", " "), SetTimezone(n)) for n, name in enumerate(TIMEZONES)
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([button(s("appointments.type_zone"), TypeTimezone())])
    rows.append([button(s("menu.home"), Home())])
    text = s("appointments.zone_ask")
    return View(text if notice is None else f"{notice}\n\n{text}", Markup(rows))


def zone_time(content: Content, zone_name: str, now: float) -> str:
    """The time in a zone now, on its country's clock ("8:14 pm" in Houston, "03:14" in
    Madrid): the simplest check that a zone is the family's, whatever way they named it."""
    tz = zone(zone_name)
    assert tz is not None
    return clock_text(content, local(now, tz), twelve_hour(zone_name))


_PLACE_CHARS = 40  # of a place on a zone's button


def zone_choice_view(content: Content, candidates: Sequence[ZoneCandidate], now: float) -> View:
    """The zones a typed text can be, each a button with the place and the time there now
    (a tap saves it: nothing typed is saved unseen), then Type it again and Cancel (the
    prompt stays open meanwhile). Candidates come from rules.read_zone (every one has a
    ref)."""
    s = content.strings
    rows = []
    for candidate in candidates:
        ref = zone_ref(candidate.zone)
        if ref is None:
            continue
        label = s(
            "appointments.zone_option",
            place=render.clip(candidate.label, _PLACE_CHARS),
            time=zone_time(content, candidate.zone, now),
        )
        rows.append([button(label, ConfirmZone(*ref))])
    rows.append([button(s("appointments.type_again"), TypeTimezone())])
    rows.append([button(s("questions.cancel"), CancelPrompt())])
    return View(s("appointments.zone_which"), Markup(rows))


def place_on_button(content: Content, label: str) -> str | None:
    """The place a zone's button showed ("Houston, United States" of "Houston, United
    States — 8:14 pm"), read back with its string (zone_choice_view); None when the label is
    not of that shape (another language's button, say)."""
    shown = content.strings("appointments.zone_option", place="\x00", time="\x01")
    before, _, rest = shown.partition("\x00")
    between, _, after = rest.partition("\x01")
    if not between or not label.startswith(before) or not label.endswith(after):
        return None
    place, found, _ = label[len(before) : len(label) - len(after)].rpartition(between)
    return place if found and place else None


# ---- the calendar ------------------------------------------------------------------------------
def calendar_view(
    content: Content, appt: int, year: int, month: int, today: date, notice: str | None = None
) -> View:
    """A month's days to tap (`appt` 0: a new appointment, else the one being moved): days
    before `today` are blank, the months go from this one to a year ahead, and the date can
    be typed instead. Its labels (weekdays, blanks, the month) carry this same screen's data,
    not Noop: any other tap ends the typing this screen waits for."""
    s = content.strings
    here = CalendarMonth(appt, year, month)
    days = s("dates.day_abbr").split() if "dates.day_abbr" in s else list(calendar.day_abbr)
    rows: list[list[Button]] = [[button(s("appointments.weekday", day=d), here) for d in days]]
    for week in calendar.Calendar().monthdayscalendar(year, month):
        row = []
        for day in week:
            if day == 0 or date(year, month, day) < today:
                row.append(button("·", here))
            else:
                row.append(button(str(day), PickDay(appt, year, month, day)))
        rows.append(row)
    prev_year, prev_month = (year, month - 1) if month > 1 else (year - 1, 12)
    next_year, next_month = (year, month + 1) if month < 12 else (year + 1, 1)
    nav = []
    if (prev_year, prev_month) >= (today.year, today.month):
        nav.append(button("◀️", CalendarMonth(appt, prev_year, prev_month)))
    nav.append(button(s("appointments.month", month=date(year, month, 1)), here))
    if (next_year - today.year) * 12 + next_month - today.month <= 12:
        nav.append(button("▶️", CalendarMonth(appt, next_year, next_month)))
    rows.append(nav)
    rows.append([button(s("appointments.back"), OpenAppointment(appt) if appt else ShowAppointments())])
    text = f"{s('appointments.pick_day')}\n{s('appointments.type_hint')}"
    return View(text if notice is None else f"{notice}\n\n{text}", Markup(rows))


def hour_view(content: Content, data: PickDay, twelve: bool) -> View:
    """The 24 hours of the tapped day (the time can be typed instead), and Back to its month."""
    s = content.strings
    hours = [
        button(hour_text(content, h, twelve), PickHour(data.appt, data.year, data.month, data.day, h))
        for h in range(24)
    ]
    rows = [hours[i : i + 6] for i in range(0, 24, 6)]
    rows.append([button(s("appointments.back"), CalendarMonth(data.appt, data.year, data.month))])
    day = date(data.year, data.month, data.day)
    return View(f"{s('appointments.pick_hour', day=day)}\n{s('appointments.type_hint_time')}", Markup(rows))


def minute_view(content: Content, data: PickHour, twelve: bool) -> View:
    """The tapped hour's minutes, every 5 (the last tap, which saves; the time can be typed
    instead), and Back to the day."""
    s = content.strings
    day = date(data.year, data.month, data.day)
    minutes = [
        button(
            clock_text(content, datetime(data.year, data.month, data.day, data.hour, m), twelve),
            PickMinute(data.appt, data.year, data.month, data.day, data.hour, m),
        )
        for m in range(0, 60, 5)
    ]
    rows = [minutes[i : i + 4] for i in range(0, len(minutes), 4)]
    rows.append([button(s("appointments.back"), PickDay(data.appt, data.year, data.month, data.day))])
    return View(f"{s('appointments.pick_minute', day=day)}\n{s('appointments.type_hint_time')}", Markup(rows))


def echo_view(
    content: Content, appt: int, readings: Sequence[datetime], twelve: bool, origin: CallbackData
) -> View:
    """What was typed, shown back with its weekday before anything is saved: ✅ saves it;
    several readings (a bare "9", "1/12", a time the clocks show twice) get one ✅ each, in
    the order given (the country's usual one first). Type it again, and Cancel (back to
    `origin`, the screen it was typed on); the prompt stays open meanwhile."""
    s = content.strings

    def pick(moment: datetime) -> PickTypedDate:
        return PickTypedDate(
            appt, moment.year, moment.month, moment.day, moment.hour, moment.minute, bool(moment.fold)
        )

    if len(readings) == 1:
        text = s("appointments.echo_one", when=render.esc(echo_text(content, readings[0], twelve)))
        rows = [[button(s("appointments.echo_yes"), pick(readings[0]))]]
    else:
        text = s("appointments.echo_which")
        rows = [
            [button(s("appointments.echo_option", when=echo_text(content, moment, twelve)), pick(moment))]
            for moment in readings
        ]
    rows.append([button(s("appointments.type_again"), TypeAgain(Nested(origin.pack())))])
    rows.append([button(s("questions.cancel"), CancelPrompt())])
    return View(text, Markup(rows))


# ---- one appointment ---------------------------------------------------------------------------
def appointment_view(
    content: Content,
    appointment: Appointment,
    tz: ZoneInfo,
    tz_name: str,
    notice: str | None = None,
    signed: str | None = None,
) -> View:
    """One appointment: when (with the zone), where, when its reminder comes, who in the
    family added and changed it (`signed`); Change time, place or reminder, the .ics file,
    Delete, Back, Home."""
    s = content.strings
    chunks = [notice] if notice else []
    chunks += [
        s("appointments.one", when=when_text(content, appointment.starts_at, tz), zone=render.esc(tz_name)),
        s("appointments.place", place=render.esc(appointment.place))
        if appointment.place
        else s("appointments.no_place"),
    ]
    if appointment.note:
        chunks.append(s("appointments.note", note=render.esc(appointment.note)))
    chunks.append(s("appointments.reminder_at", when=when_text(content, appointment.remind_at, tz)))
    if signed:
        chunks.append(signed)
    start = local(appointment.starts_at, tz)
    rows = [
        [button(s("appointments.visit"), VisitQuestion(0))],
        [button(s("appointments.change_time"), CalendarMonth(appointment.id, start.year, start.month))],
        [button(s("appointments.change_place"), AskPlace(appointment.id))],
        [button(s("appointments.change_note"), AskNote(appointment.id))],
        [button(s("appointments.change_reminder"), AskReminderHour(appointment.id))],
        [button(s("appointments.ics"), SendCalendarFile(appointment.id))],
        [button(s("appointments.delete"), DeleteAppointment(appointment.id))],
        [button(s("appointments.back"), ShowAppointments()), button(s("menu.home"), Home())],
    ]
    return View("\n\n".join(chunks), Markup(rows))


def note_keyboard(content: Content, appointment: Appointment) -> Markup:
    """Under the note's prompt: Remove the note (when there is one) and Cancel."""
    s = content.strings
    rows = [[button(s("appointments.note_remove"), ClearNote(appointment.id))]] if appointment.note else []
    rows.append([button(s("questions.cancel"), CancelPrompt())])
    return Markup(rows)


def reminder_hour_view(content: Content, num: int, twelve: bool) -> View:
    """The hours the reminder can come at the day before (06:00 to 22:00), and Back."""
    s = content.strings
    hours = [
        button(clock_text(content, datetime(2000, 1, 1, h), twelve), SetReminderHour(num, h))
        for h in range(6, 23)
    ]
    rows = [hours[i : i + 6] for i in range(0, len(hours), 6)]
    rows.append([button(s("appointments.back"), OpenAppointment(num))])
    return View(s("appointments.reminder_ask"), Markup(rows))


# ---- the reminder ------------------------------------------------------------------------------
def reminder_view(
    content: Content,
    appointment: Appointment,
    tz: ZoneInfo,
    questions: list[SavedQuestion],
    late: bool,
    now: float,
) -> View:
    """The reminder: an appointment today, tomorrow or on a date (by the family's calendar
    when it is sent), when and where, the family's note, the first 15 questions not yet
    asked (and how many more), saying so first when it is sent late; with My questions, the
    PDF and "At the appointment"."""
    s = content.strings
    starts = local(appointment.starts_at, tz)
    ahead = days_ahead(starts, local(now, tz))
    title = (
        s("appointments.reminder_today")
        if ahead == 0
        else s("appointments.reminder_title")
        if ahead == 1
        else s("appointments.reminder_on", day=starts.date())
    )
    chunks = [f"{s('appointments.reminder_late')}\n{title}" if late else title]
    chunks.append(
        s("appointments.one", when=when_text(content, appointment.starts_at, tz), zone=render.esc(tz.key))
    )
    if appointment.place:
        chunks.append(s("appointments.place", place=render.esc(appointment.place)))
    if appointment.note:
        chunks.append(s("appointments.note", note=render.esc(appointment.note)))
    if questions:
        shown = questions[:15]
        lines = [s("questions.item", number=n, text=render.esc(q.text)) for n, q in enumerate(shown, start=1)]
        if len(questions) > len(shown):
            lines.append(s("appointments.more", count=len(questions) - len(shown)))
        chunks.append("\n".join([s("appointments.reminder_questions"), *lines]))
    else:
        chunks.append(s("appointments.reminder_no_questions"))
    text = "\n\n".join(chunks)
    # The summary for the visit (handlers.edcard, registered after this feature: its button
    # type is imported where it is used).
    from handlers.edcard.buttons import SummaryForVisit

    return View(
        text,
        Markup(
            [
                [
                    button(s("appointments.my_questions"), MyQuestions(0)),
                    button(s("questions.pdf"), SendPdf()),
                ],
                [button(s("appointments.visit"), VisitQuestion(0))],
                [button(s("summary.visit_button"), SummaryForVisit(appointment.id))],
            ]
        ),
    )


# ---- at the appointment ------------------------------------------------------------------------
def visit_view(content: Content, question: SavedQuestion, ids: list[int]) -> View:
    """One unanswered question per screen, "3 of 7" in its title (`ids`: the questions
    without an answer, in the order saved), with Asked / Write the answer / Skip / Back. Once asked,
    the screen stays on the question (its answer is written down next) with Next question."""
    s = content.strings
    index = ids.index(question.id)
    asked = question.asked_at is not None
    text = "\n\n".join(
        [
            s("visit.title", number=index + 1, total=len(ids)),
            render.esc(question.text),
            s("visit.asked") if asked else s("visit.not_asked"),
        ]
    )
    onward = VisitQuestion(ids[index + 1]) if index + 1 < len(ids) else VisitEnd()
    nav = []  # "3 of 7" is in the text, not a button
    if index > 0:
        nav.append(button(s("visit.back"), VisitQuestion(ids[index - 1])))
    nav.append(button(s("visit.skip"), onward))
    rows = [] if asked else [[button(s("visit.mark_asked"), VisitAsked(question.id))]]
    rows.append([button(s("visit.write_answer"), VisitAnswer(question.id))])
    if asked:
        rows.append([button(s("visit.next"), onward)])
    rows += [nav, [button(s("visit.finish"), VisitEnd())]]
    return View(text, Markup(rows))


def visit_answer_view(content: Content, question: SavedQuestion, answer: str, onward: SavedQuestion) -> View:
    """An answer written down at the appointment, shown back under its question, with Next
    question (`onward`, the next one without an answer) and Finish."""
    s = content.strings
    return View(
        "\n\n".join(
            [
                s("questions.answer_saved"),
                render.esc(question.text),
                f"{s('questions.answer_title')}\n{render.esc(answer)}",
                s("visit.answer_next"),
            ]
        ),
        Markup(
            [[button(s("visit.next"), VisitQuestion(onward.id))], [button(s("visit.finish"), VisitEnd())]]
        ),
    )


def visit_end_view(content: Content, asked: int, total: int) -> View:
    """The end of the visit: how many of the questions were asked, then My questions or Home."""
    s = content.strings
    return View(
        s("visit.end", asked=asked, total=total),
        Markup([[button(s("appointments.my_questions"), MyQuestions(0))], [button(s("menu.home"), Home())]]),
    )
