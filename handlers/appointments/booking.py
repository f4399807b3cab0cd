"""Keeping the family's appointments: the list, the time zone, a new appointment or a new
time (by the calendar's taps or typed), its place, the reminder's hour, delete, and the .ics
file. The taps return a `Reply`; the three prompts (TIMEZONE, TIME, PLACE) declare their
load, read and save steps (handlers.prompts) and are registered in the package's setup.

An appointment is always looked up for the tapping parent (`own_appointment`): a button's
number is never trusted, and one that is gone (deleted meanwhile) shows the list with a
calm "gone".
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from telegram import Update

from bot.context import BotContext
from bot.storage import Appointment, LimitReached, Prompt
from handlers.appointments.buttons import (
    PLACE_PROMPT,
    TIME_PROMPT,
    TIMEZONE_PROMPT,
    AskPlace,
    AskReminderHour,
    AskTimezone,
    CalendarMonth,
    DeleteAppointment,
    OpenAppointment,
    PickDay,
    PickHour,
    PickMinute,
    PickTypedDate,
    SendCalendarFile,
    SetReminderHour,
    SetTimezone,
    TypeTime,
    TypeTimezone,
)
from handlers.appointments.calendar_file import ics_bytes
from handlers.appointments.rules import (
    MAX_AHEAD,
    MAX_PLACE,
    REMIND_HOUR,
    TIMEZONES,
    When,
    local,
    month_names,
    open_questions,
    read_when,
    remind_time,
    zone,
)
from handlers.appointments.views import (
    appointment_view,
    calendar_view,
    hour_view,
    list_view,
    minute_view,
    reminder_hour_view,
    timezone_view,
    which_date_view,
)
from handlers.common import Reply, ShowAppointments, View, require_consent, show, stale_reply, user_id
from handlers.prompts import Asking, Outcome, Text, Then, again, ask, done
from handlers.questions import localized


# ---- the list and the time zone ----------------------------------------------------------------
async def list_reply(update: Update, context: BotContext, notice: str | None = None) -> Reply:
    """The parent's next appointments (with `notice` above them), or the time zones first
    while the family has none."""
    uid = user_id(update)
    tz_name = await context.storage.users.timezone(uid)
    if zone(tz_name) is None:
        return Reply(timezone_view(context.content, notice))
    assert tz_name is not None
    items = await context.storage.appointments.upcoming(uid, context.now())
    return Reply(list_view(context.content, tz_name, items, context.now(), notice))


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
    return Reply(timezone_view(context.content))


async def set_timezone(update: Update, context: BotContext, data: SetTimezone) -> Reply:
    """A listed time zone: stored (with consent), then the appointments."""
    if not 0 <= data.n < len(TIMEZONES):
        return stale_reply(context)
    await context.storage.users.set_timezone(user_id(update), TIMEZONES[data.n])
    return await list_reply(update, context, context.content.strings("appointments.zone_saved"))


async def type_timezone(update: Update, context: BotContext, data: TypeTimezone) -> Reply:
    """Type another zone: opens the TIMEZONE prompt (Cancel goes back to the zones)."""
    return await ask(
        update, context, TIMEZONE, context.content.strings("appointments.zone_prompt"), AskTimezone()
    )


async def read_timezone(update: Update, context: BotContext, row: None, text: str) -> str | Outcome:
    """A typed zone's IANA name ("Europe/Madrid", or UTC); anything else is asked again."""
    name = text.strip()
    if zone(name) is None or ("/" not in name and name != "UTC"):
        return again(context.content, context.content.strings("appointments.zone_invalid"))
    return name


async def save_timezone(update: Update, context: BotContext, row: None, name: str) -> Outcome:
    """Store the typed zone, then the appointments in it."""
    await context.storage.users.set_timezone(user_id(update), name)
    reply = await list_reply(update, context, context.content.strings("appointments.zone_saved"))
    assert reply.view is not None
    return done(reply.view)


# ---- the family's zone and appointments, looked up for the tapping parent ----------------------
async def family_zone(update: Update, context: BotContext) -> tuple[ZoneInfo, str] | None:
    """The family's time zone and its name, or None while none is stored (or it is unknown)."""
    name = await context.storage.users.timezone(user_id(update))
    tz = zone(name)
    return (tz, name) if tz is not None and name is not None else None


async def own_appointment(
    update: Update, context: BotContext, num: int
) -> tuple[Appointment, ZoneInfo, str] | None:
    """The tapping parent's appointment `num` with the family's zone and its name; None if it
    is not theirs, is gone, or no zone is stored."""
    found = await family_zone(update, context)
    appointment = await context.storage.appointments.get(user_id(update), num)
    if found is None or appointment is None:
        return None
    return appointment, found[0], found[1]


async def gone(update: Update, context: BotContext) -> Reply:
    """The appointment a button or prompt was for no longer exists: the list, saying so."""
    reply = await list_reply(update, context)
    return Reply(reply.view, context.content.strings("appointments.gone"))


# ---- a new appointment, or a new time: the calendar, or typed ----------------------------------
async def tap_month(update: Update, context: BotContext, data: CalendarMonth) -> Reply:
    """A month of the calendar; a month already past shows this one (an old button)."""
    found = await family_zone(update, context)
    if found is None:
        return Reply(timezone_view(context.content))
    if not 1 <= data.month <= 12 or not 2000 <= data.year <= 2100:
        return stale_reply(context)
    today = local(context.now(), found[0]).date()
    if (data.year, data.month) < (today.year, today.month):
        return Reply(calendar_view(context.content, data.appt, today.year, today.month, today))
    return Reply(calendar_view(context.content, data.appt, data.year, data.month, today))


async def tap_day(update: Update, context: BotContext, data: PickDay) -> Reply:
    """A day tapped: its hours (a day that does not exist is a stale button)."""
    try:
        date(data.year, data.month, data.day)
    except ValueError:
        return stale_reply(context)
    return Reply(hour_view(context.content, data))


async def tap_hour(update: Update, context: BotContext, data: PickHour) -> Reply:
    """An hour tapped: its minutes."""
    if not 0 <= data.hour <= 23:
        return stale_reply(context)
    return Reply(minute_view(context.content, data))


async def save_time(update: Update, context: BotContext, appt: int, when: When) -> tuple[View, bool]:
    """Save a new appointment or a new time; (what to show, whether it was saved)."""
    s = context.content.strings
    found = await family_zone(update, context)
    if found is None:
        return timezone_view(context.content), False
    tz, tz_name = found
    starts = datetime(*when, tzinfo=tz)
    now = context.now()
    today = datetime.fromtimestamp(now, tz).date()
    if starts.timestamp() <= now:
        return calendar_view(
            context.content, appt, today.year, today.month, today, s("appointments.past")
        ), False
    uid = user_id(update)
    hour = REMIND_HOUR
    if appt and (old := await context.storage.appointments.get(uid, appt)) is not None:
        hour = local(old.remind_at, tz).hour  # a new time keeps the hour the parent picked
    remind = max(remind_time(starts, hour).timestamp(), now)
    if appt:
        if not await context.storage.appointments.reschedule(uid, appt, starts.timestamp(), remind):
            items = await context.storage.appointments.upcoming(uid, now)
            return list_view(context.content, tz_name, items, now, s("appointments.gone")), False
        saved_id, notice = appt, s("appointments.time_saved")
    elif (
        same := next(
            (
                a
                for a in await context.storage.appointments.upcoming(uid, now)
                if a.starts_at == starts.timestamp()
            ),
            None,
        )
    ) is not None:
        # A double tap (on the calendar's minute, on "which date", an old copy of either)
        # or the same time typed again: one appointment, not two.
        saved_id, notice = same.id, s("appointments.saved")
    else:
        try:
            saved_id = await context.storage.appointments.add(
                uid, starts.timestamp(), remind, after=now, limit=MAX_AHEAD
            )
        except LimitReached:
            items = await context.storage.appointments.upcoming(uid, now)
            return list_view(
                context.content, tz_name, items, now, s("appointments.full", limit=MAX_AHEAD)
            ), False
        notice = s("appointments.saved")
        if await context.storage.users.language(uid) is None:
            # Reminders are sent with no message to read the language from: keep it.
            await context.storage.users.set_language(uid, context.content.language)
    appointment = await context.storage.appointments.get(uid, saved_id)
    if appointment is None:  # deleted from another chat meanwhile
        items = await context.storage.appointments.upcoming(uid, now)
        return list_view(context.content, tz_name, items, now, s("appointments.gone")), False
    return appointment_view(context.content, appointment, tz, tz_name, notice), True


async def tap_minute(update: Update, context: BotContext, data: PickMinute) -> Reply:
    """The calendar's last tap: saves (a double tap finds the appointment it saved and
    shows it: one appointment, not two)."""
    if not 0 <= data.minute <= 59 or not 0 <= data.hour <= 23:
        return stale_reply(context)
    try:
        when = (data.year, data.month, data.day, data.hour, data.minute)
        datetime(*when)
    except ValueError:
        return stale_reply(context)
    view, _ = await save_time(update, context, data.appt, when)
    return Reply(view)


async def type_time(update: Update, context: BotContext, data: TypeTime) -> Reply:
    """Type the date and time: opens the TIME prompt (needs consent first, as it saves);
    Cancel goes back to the appointment, or to the list for a new one."""
    await require_consent(update, context)
    return await ask(
        update,
        context,
        TIME,
        context.content.strings("appointments.time_prompt"),
        OpenAppointment(data.appt) if data.appt else ShowAppointments(),
        ref=data.appt or None,
    )


async def which_appointment(update: Update, context: BotContext, prompt: Prompt) -> int:
    """The appointment a typed time is for: its number, or 0 for a new one."""
    return prompt.ref or 0


async def read_time(update: Update, context: BotContext, appt: int, text: str) -> When | Outcome:
    """A typed date and time, read in the family's zone (the year defaults to the next such
    date); one that can be read two ways shows both to tap, and nothing is saved yet."""
    found = await family_zone(update, context)
    today = datetime.fromtimestamp(context.now(), found[0] if found else UTC).date()
    readings = read_when(text, today, month_names(context.content))
    if not readings:
        return again(context.content, context.content.strings("appointments.time_invalid"))
    if len(readings) > 1:  # "1/12": ask which; saved only when one is tapped
        return Outcome(which_date_view(context.content, appt, readings), Then.KEEP)
    return readings[0]


async def save_typed_time(update: Update, context: BotContext, appt: int, when: When) -> Outcome:
    """Save the typed time as the calendar's last tap does; the prompt stays open when it was
    refused (in the past, or the list is full)."""
    view, saved = await save_time(update, context, appt, when)
    return Outcome(view, Then.CLOSE if saved else Then.KEEP)


async def tap_typed_date(update: Update, context: BotContext, data: PickTypedDate) -> Reply:
    """The date the parent meant, of the two a typed one could be: checked again (the data
    is untrusted), then saved for the tapping parent, like the calendar's last tap."""
    when = (data.year, data.month, data.day, data.hour, data.minute)
    try:
        datetime(*when)
    except ValueError:
        return stale_reply(context)
    await require_consent(update, context)
    if data.appt and await own_appointment(update, context, data.appt) is None:
        return await gone(update, context)
    view, _ = await save_time(update, context, data.appt, when)  # a double tap saves once
    return Reply(view)


# ---- one appointment: place, reminder, delete, .ics --------------------------------------------
async def open_appointment(update: Update, context: BotContext, data: OpenAppointment) -> Reply:
    """One appointment with what can be done with it."""
    found = await own_appointment(update, context, data.num)
    if found is None:
        return await gone(update, context)
    return Reply(appointment_view(context.content, *found))


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
    await context.storage.appointments.set_place(user_id(update), found[0].id, place)
    updated = await own_appointment(update, context, found[0].id)
    if updated is None:  # deleted from another chat meanwhile
        reply = await gone(update, context)
        assert reply.view is not None
        return done(reply.view)
    return done(
        appointment_view(context.content, *updated, context.content.strings("appointments.place_saved"))
    )


async def ask_reminder_hour(update: Update, context: BotContext, data: AskReminderHour) -> Reply:
    """Change the reminder: the hours it can come at the day before."""
    if await own_appointment(update, context, data.num) is None:
        return await gone(update, context)
    return Reply(reminder_hour_view(context.content, data.num))


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
        user_id(update), appointment.id, appointment.starts_at, remind
    )
    updated = await own_appointment(update, context, appointment.id)
    if updated is None:  # deleted from another chat meanwhile
        return await gone(update, context)
    s = context.content.strings
    return Reply(appointment_view(context.content, *updated), s("appointments.reminder_saved"))


async def delete_appointment(update: Update, context: BotContext, data: DeleteAppointment) -> Reply:
    """Delete: its reminder goes with it (the reminder job reads the appointments)."""
    await context.storage.appointments.remove(user_id(update), data.num)
    reply = await list_reply(update, context)
    return Reply(reply.view, context.content.strings("appointments.deleted"))


async def send_calendar_file(update: Update, context: BotContext, data: SendCalendarFile) -> Reply:
    """The .ics file for the phone's calendar, with the questions still to ask, sent after
    the tap is answered."""
    found = await own_appointment(update, context, data.num)
    chat = update.effective_chat
    if found is None or chat is None:
        return await gone(update, context)
    appointment, tz, _ = found
    questions = open_questions(
        localized(context.content, await context.storage.questions.list(user_id(update)))
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
TIMEZONE: Asking[None, str] = Asking(TIMEZONE_PROMPT, Text.STRUCTURED, read=read_timezone, save=save_timezone)
TIME: Asking[int, When] = Asking(
    TIME_PROMPT, Text.STRUCTURED, load=which_appointment, read=read_time, save=save_typed_time
)
PLACE: Asking[tuple[Appointment, ZoneInfo, str], str] = Asking(
    PLACE_PROMPT, Text.STRUCTURED, load=load_placed, read=read_place, save=save_place
)
