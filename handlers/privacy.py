"""The urgent card, settings (the care team number), privacy, and the user's own data.

The family's numbers are read with bot.phones as they type them (a name on the same line is
taken as its label), for their country (from their time zone, else from the emergency country
they chose). Each is stored as typed, without the name, in the one `phone` column, and read
again each time it is shown: full numbers as +E.164 text, which Telegram makes tappable, short
ones as their digits, an extension in words; what no longer reads as a number (release 0.1
kept loose text) is shown exactly as typed, with a calm "please check" in settings."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Markup
from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import MessageHandler, filters

from bot.callbacks import CallbackData
from bot.content import TREATMENT_ANSWERS, Content
from bot.context import BotApp, BotContext, Command, services_of
from bot.phones import PhoneAnswer, read_phone, reparse_saved
from bot.render import esc, utf16_len
from bot.site import Site
from bot.storage import Contact, LimitReached, Prompt
from bot.telegram_html import MAX_TEXT, visible_text
from bot.zones import country_of_zone
from handlers.common import (
    PRIVATE,
    Home,
    Reply,
    ShowAppointments,
    ShowFamily,
    ShowLanguages,
    View,
    button,
    circle_of,
    me,
    menu_button,
    show,
    stale_reply,
    tap,
    user_id,
)
from handlers.prompts import (
    Asking,
    Outcome,
    Text,
    ask,
    cancel_keyboard,
    done,
    handed_over,
    on_prompt,
    open_prompt,
)
from handlers.prompts import again as _again

PHONE_PROMPT = "phone"  # a new care-team number
LABEL_PROMPT = "contact_label"  # the name of one saved number
NUMBER_PROMPT = "contact_phone"  # a changed number for one saved number
MAX_CONTACTS = 5
URGENT_LINK = "urgent"  # /start urgent
EMERGENCY_PROMPT = "emergency_number"  # the family's own local emergency number
FEVER_PROMPT = "fever_number"  # the fever number, typed
FEVER_RULE_PROMPT = "fever_rule"  # the team's fever rule, in their words
MAX_RULE = 120
MAX_LABEL = 40
# The longest number kept as typed (without its name; "+44 (0)20 7946-0000 ext. 40219" is 31
# characters): a longer one is kept as read instead ("+442079460000 ext. 40219"), which bounds
# what the urgent card shows for each number.
MAX_PHONE = 40
EXPORT_FILENAME = "my-data.json"
# What bot.phones reads that is saved: a full number, a short or emergency one, an internal
# extension; a number without its area code ("555 0102", `local_only`) is saved as typed, with
# a word to check it. Nothing else (a national number whose country is unknown) is saved.
_SAVED_KINDS = ("full", "short", "emergency", "extension")
# Why a typed number was not saved -> what the parent reads (each says what works instead).
_REFUSALS = {
    "region_unknown": "privacy.phone.no_country",
    "too_long": "privacy.phone.too_long",
    "country_code_unknown": "privacy.phone.country_code",
}
_MIN_DIGITS = 3  # fewer digits are no number anywhere, whatever the country
_LABEL_GAP = " -–—:;,.|/"  # what may stand between a name and its number (and spaces)


# ---- pure helpers ---------------------------------------------------------------------------
class TypedPhone(NamedTuple):
    """A number typed in the PHONE or NUMBER prompt, to be saved."""

    phone: str  # what is stored: the number as typed without the name, or as read
    label: str | None  # the name typed on the same line, if any (not yet checked)
    answer: PhoneAnswer


def phone_refusal(answer: PhoneAnswer) -> str | None:
    """The content key saying why a typed number is not saved, or None when it is."""
    if answer.kind in _SAVED_KINDS or (answer.kind == "as_typed" and answer.problem == "local_only"):
        return None
    if answer.problem == "region_unknown" and sum(ch.isdigit() for ch in answer.raw) < _MIN_DIGITS:
        return "privacy.settings.invalid"  # "39": too short in any country
    return _REFUSALS.get(answer.problem or "", "privacy.settings.invalid")


def typed_phone(text: str, region: str | None) -> TypedPhone | str:
    """A typed contact line read for the family's country: what to save, or the content key
    of the calm refusal."""
    answer = read_phone(text, region)
    refusal = phone_refusal(answer)
    return refusal if refusal is not None else TypedPhone(stored_number(answer, region), answer.label, answer)


def stored_number(answer: PhoneAnswer, region: str | None) -> str:
    """What is kept in the `phone` column: the number exactly as typed without the name typed
    with it (used only when it reads back the same, alone), else the number as read."""
    for typed in _without_label(answer.raw, answer.label):
        if len(typed) <= MAX_PHONE and _same_number(read_phone(typed, region), answer):
            return typed
    extension = f" ext. {answer.extension}" if answer.extension and answer.kind != "extension" else ""
    if answer.kind == "full":
        return f"{answer.e164}{extension}"
    if answer.kind == "as_typed":
        return f"{answer.display}{extension}"
    return answer.tel_text or answer.raw


def _without_label(raw: str, label: str | None) -> list[str]:
    """The line with its name's words taken off its start, its end, or both (some before the
    number, the rest after): the candidates for the number as typed. One pass each way, so a
    long line of words costs no more than its length."""
    if label is None:
        return [raw]
    words = label.split()
    starts = [0]  # starts[k]: where the number may begin once words[:k] are read from the start
    for word in words:
        at = _past_gap(raw, starts[-1], 1)
        if not raw.startswith(word, at):
            break
        starts.append(at + len(word))
    ends = [len(raw)]  # ends[k]: where the number may end once the last k words are read
    for word in reversed(words):
        at = _past_gap(raw, ends[-1], -1)
        if not raw.endswith(word, 0, at):
            break
        ends.append(at - len(word))
    found: list[str] = []
    for cut in range(len(words) + 1):  # words[:cut] before the number, the rest after it
        after = len(words) - cut
        if cut >= len(starts) or after >= len(ends) or starts[cut] >= ends[after]:
            continue
        typed = raw[starts[cut] : ends[after]].strip(_LABEL_GAP).strip()
        if typed and typed not in found:
            found.append(typed)
    return found


def _past_gap(text: str, at: int, step: int) -> int:
    """From `at`, past the spaces and punctuation that may stand between a name and its
    number: forwards (step 1), or backwards (step -1, `at` being the end of what is left)."""

    def gap(char: str) -> bool:
        return char in _LABEL_GAP or char.isspace()

    if step > 0:
        while at < len(text) and gap(text[at]):
            at += 1
    else:
        while at > 0 and gap(text[at - 1]):
            at -= 1
    return at


def _same_number(again: PhoneAnswer, first: PhoneAnswer) -> bool:
    return again.label is None and (again.kind, again.e164, again.tel_text, again.extension) == (
        first.kind,
        first.e164,
        first.tel_text,
        first.extension,
    )


def read_emergency_number(text: str, region: str | None) -> str | None:
    """The family's own emergency number, kept as it is dialled: an emergency or short number
    of their country (911, 112, 000, 999, 131; 15 in France), an internal line, a full number
    (+E.164); when their country is unknown, `clean_emergency`'s rule. None: not a number."""
    answer = read_phone(text, region)
    if answer.label is None and (
        answer.kind in ("emergency", "short", "extension") or (answer.kind == "full" and not answer.extension)
    ):
        return answer.e164 or answer.tel_text
    if region is None or answer.problem == "region_unknown":
        return clean_emergency(text)
    digits = text.strip()
    if re.fullmatch(r"[0-9]{2}", digits) and _is_emergency(digits, region):
        return digits  # bot.phones reads no 2-digit number; a few countries dial one
    return None


def _is_emergency(digits: str, region: str) -> bool:
    from phonenumbers import shortnumberinfo

    return bool(shortnumberinfo.is_emergency_number(digits, region))


def contact_label(content: Content, contact: Contact) -> str:
    return contact.label or content.strings("contacts.default_label")


def number_text(content: Content, answer: PhoneAnswer, readable: bool = False) -> str | None:
    """A read number as HTML: +E.164 (`readable`: grouped, "+1 555-010-2222"), the digits of a
    short one, an extension in words; None when it did not read as a number on its own."""
    s = content.strings
    if answer.kind not in _SAVED_KINDS or answer.label is not None:
        return None
    if answer.kind == "extension":
        return s("privacy.phone.internal", extension=esc(answer.extension or answer.tel_text or ""))
    number = esc((answer.display if readable else answer.tel_text) or "")
    if answer.extension:
        return s("privacy.phone.extension", number=number, extension=esc(answer.extension))
    return number


def phone_text(content: Content, phone: str, region: str | None, mark: bool = False) -> str:
    """A saved number as HTML, read again for the family's country; one that does not read is
    shown exactly as typed, never hidden (`mark`: with a calm word to check it)."""
    shown = number_text(content, reparse_saved(phone, region))
    if shown is not None:
        return shown
    typed = esc(phone.strip())
    return content.strings("privacy.phone.check", number=typed) if mark else typed


def numbers_lines(
    content: Content, contacts: Sequence[Contact], region: str | None = None, mark: bool = False
) -> list[str]:
    """Each saved number with its label; plain text, so Telegram makes the number tappable."""
    return [
        content.strings(
            "contacts.line",
            label=esc(contact_label(content, c)),
            phone=phone_text(content, c.phone, region, mark),
        )
        for c in contacts
    ]


def emergency_line(content: Content, country: str | None, own: str | None) -> str | None:
    """The family's emergency number, as they saved it or from their confirmed country;
    None when neither is known (the card then gives its general advice)."""
    s = content.strings
    if own:
        return s("privacy.emergency.line_own", number=esc(own))
    row = content.emergency.country(country)
    if row is None:
        return None
    line = s("privacy.emergency.line", number=row.number, name=esc(row.name))
    return f"{line} {esc(row.also)}." if row.also else line


def numbers_block(
    content: Content, contacts: Sequence[Contact], missing: str, region: str | None = None
) -> str:
    """The family's numbers under their heading, or `missing` when they saved none."""
    lines = numbers_lines(content, contacts, region)
    return "\n".join([content.strings("privacy.urgent.numbers"), *lines]) if lines else missing


def site_lines(
    content: Content,
    site: Site | None,
    now: float | None = None,
    own_fever: float | None = None,
    awaiting: Sequence[str] = (),
    comma: bool = False,
) -> str | None:
    """The hospital's numbers (every one, with its hours; the one answered `now` marked,
    none hidden by the clock) and its fever rule, marked as the hospital's and dated; when
    the family's own fever number differs, both and which one the bot uses; and what the
    hospital has not yet approved since an update (`awaiting`). None without a site folder."""
    if site is None:
        return None
    s, language = content.strings, content.language
    lines = [s("privacy.urgent.site_title", name=esc(site.name), date=site.updated)]
    current = site.now_number(datetime.fromtimestamp(now, UTC)) if now is not None else None
    for n in site.numbers:
        hours = s("privacy.urgent.site_hours", hours=esc(n.hours[language])) if n.hours else ""
        line = f"📞 <b>{esc(n.label[language])}</b>: {esc(n.shown)}{hours}"
        lines.append(s("site_card.now", line=line) if n is current else line)
    if site.fever is not None:
        lines.append(
            s(
                "privacy.urgent.site_rule",
                number=celsius_text(site.fever.number_c, comma),
                rule=esc(site.fever.rule[language]),
            )
        )
        if own_fever is not None and round(own_fever, 1) != site.fever.number_c:
            lines.append(
                s(
                    "site_card.differs",
                    own=celsius_text(own_fever, comma),
                    hospital=celsius_text(site.fever.number_c, comma),
                    lower=celsius_text(min(own_fever, site.fever.number_c), comma),
                )
            )
    # Never approved, or approved in words an update has since changed: said apart, each true.
    for key, names in (
        ("site_card.not_reviewed", [n for n in awaiting if n not in site.approved]),
        ("site_card.awaiting", [n for n in awaiting if n in site.approved]),
    ):
        if names:
            items = [s(f"site_card.approval.{name}") for name in names]
            what = s("site_card.and").join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)
            lines.append(s(key, name=esc(site.name), what=what))
    return "\n".join(lines)


def locked_above(context: BotContext, celsius: float | None) -> str | None:
    """The refusal when the hospital locked its fever number and a family sets a higher one
    (a lower one is theirs to set: the lower number counts anyway)."""
    site = context.services.site
    if celsius is None or site is None or site.fever is None or not site.fever.locked:
        return None
    if round(celsius, 1) <= site.fever.number_c:
        return None
    return context.content.strings(
        "site_card.locked", name=esc(site.name), number=celsius_text(site.fever.number_c)
    )


def urgent_text(
    content: Content,
    contacts: Sequence[Contact],
    numbers: bool = True,
    emergency: str | None = None,
    fever: str | None = None,
    advice: bool = True,
    region: str | None = None,
    site: str | None = None,
) -> str:
    """The urgent card: title, the general-guidance note, who to call for what, the family's
    own numbers (read for their country, `region`), then the advice."""
    card = content.urgent
    s = content.strings
    chunks = [f"<b>{esc(card.title)}</b>", f"<i>{esc(card.general_note)}</i>"]
    chunks.append(emergency or f"🚑 {esc(card.no_number)}")
    for group in card.groups:
        chunks.append(
            "\n".join([f"<b>{esc(group.title)}</b>", *(f"• {esc(sign.text)}" for sign in group.signs)])
        )
        if fever and group.id == "care_team":  # the family's own rule, below the team's list
            chunks.append(fever)
    if numbers and site:  # the hospital's lines, before the family's own
        chunks.append(site)
    if numbers:  # a card shared into another chat carries no family's numbers
        none = s("site_card.no_own_numbers") if site else s("privacy.urgent.no_phone")
        chunks.append(numbers_block(content, contacts, none, region))
    if advice:  # left out only when the card would not fit in one message otherwise
        chunks.append("\n".join(f"• {esc(line)}" for line in card.advice))
    chunks.append(review_line(content))
    return "\n\n".join(chunks)


def review_line(content: Content, sign_ids: Collection[str] | None = None) -> str:
    """Who signed off the card's clinical words (or these items): until every item carries
    a reviewer's role and date in content, that no clinician has reviewed it yet."""
    card = content.urgent
    if not card.reviewed(sign_ids):
        return f"<i>{esc(card.review)}</i>"
    who = sorted({(s.reviewed_by, s.reviewed_on) for s in card.signs if sign_ids is None or s.id in sign_ids})
    return (
        "<i>"
        + esc(content.strings("redflags.reviewed", who="; ".join(f"{role}, {day}" for role, day in who)))
        + "</i>"
    )


# A family's fever number, as their care team gave it: tenths of a degree Celsius.
FEVER_CHOICES = (375, 378, 380, 383, 385)  # 37.5-38.5 °C, the range teams give


def celsius_text(celsius: float, comma: bool = False) -> str:
    """38.3 °C (100.9 °F): both units, as the card writes them; 38,3 °C (100,9 °F) where the
    family's country writes a decimal comma (Spain, Chile, Argentina...; Mexico a point)."""
    text = f"{celsius:.1f} °C ({celsius * 9 / 5 + 32:.1f} °F)"
    return text.replace(".", ",") if comma else text


FEVER_LOW, FEVER_HIGH = 37.5, 38.5  # °C: the numbers care teams give
_TEMPERATURE = re.compile(r"^\s*(\d{2,3}(?:[.,]\d{1,2})?)\s*(?:°|º)?\s*([cf])?\s*$", re.IGNORECASE)


def read_fever_number(text: str) -> float | None:
    """A typed fever number in °C: "38.3", "38,3", "100.9F", "101 °F" (°F from its unit or
    from a value over 50). None if it is not a temperature."""
    m = _TEMPERATURE.match(text)
    if m is None:
        return None
    value = float(m.group(1).replace(",", "."))
    if (m.group(2) or "").lower() == "f" or value > 50:
        value = (value - 32) * 5 / 9
    return round(value, 1)


def settings_text(
    content: Content,
    contacts: Sequence[Contact],
    ask_gates: bool,
    fever_c: float | None = None,
    comma: bool = False,
    region: str | None = None,
    site: Site | None = None,
) -> str:
    s = content.strings
    numbers = numbers_lines(content, contacts, region, mark=True)
    lines = (
        "\n".join([s("privacy.settings.numbers", count=len(contacts), limit=MAX_CONTACTS), *numbers])
        if numbers
        else s("privacy.settings.no_phone")
    )
    gates = s("privacy.settings.gates_on") if ask_gates else s("privacy.settings.gates_off")
    return "\n\n".join([s("privacy.settings.title"), lines, fever_line(content, fever_c, comma, site), gates])


def fever_line(content: Content, fever_c: float | None, comma: bool, site: Site | None) -> str:
    """The number the check uses, as the settings and the fever screen say it: the family's;
    else the hospital's (a site folder); else the urgent card's general one."""
    s = content.strings
    if fever_c is not None:
        return s("privacy.fever.set", number=celsius_text(fever_c, comma))
    if site is not None and site.fever is not None:
        return s(
            "site_card.fever_unset", name=esc(site.name), number=celsius_text(site.fever.number_c, comma)
        )
    return s("privacy.fever.unset")


def fever_lines(content: Content, fever_c: float | None, rule: str | None, comma: bool) -> str | None:
    """The family's fever number and their team's rule, for the card and the alert."""
    s = content.strings
    lines = []
    if fever_c is not None:
        lines.append(s("redflags.fever_number", number=celsius_text(fever_c, comma)))
    if rule:
        lines.append(s("privacy.fever.rule", rule=esc(rule)))
    return "\n".join(lines) or None


async def family_region(update: Update, context: BotContext) -> str | None:
    """The family's country (ISO), for reading their numbers: from their time zone, else from
    the emergency country they chose when it is one country; None when neither says."""
    uid = user_id(update)
    zone = await context.storage.circles.timezone(await circle_of(update, context))
    region = country_of_zone(zone) if zone else None
    if region is None:
        country, _ = await context.storage.users.emergency(uid)
        row = context.content.emergency.country(country)
        if row is not None and len(row.zones) == 1:
            region = row.zones[0]
    return region


async def family_lines(update: Update, context: BotContext) -> tuple[str | None, str | None, str | None]:
    """The lines for the card and the alert, each read once: (the family's emergency number,
    their fever number and rule written as their country writes numbers, and with a site
    folder the hospital's block: its number to call now, both fever numbers if they differ)."""
    uid = user_id(update)
    country, own = await context.storage.users.emergency(uid)
    row = context.content.emergency.country(country)
    comma = row is not None and row.decimal_comma
    circle = await circle_of(update, context)
    fever_c = await context.storage.circles.fever_c(circle)
    fever = fever_lines(context.content, fever_c, await context.storage.circles.fever_rule(circle), comma)
    site = context.services.site
    hospital = (
        site_lines(context.content, site, context.now(), fever_c, context.services.awaiting, comma)
        if site is not None
        else None
    )
    return emergency_line(context.content, country, own), fever, hospital


def clean_label(text: str) -> str | None:
    label = " ".join(text.split())
    return label if 1 <= len(label) <= MAX_LABEL else None


def with_utc_times(node: Any) -> Any:
    """Beside every raw `*_at` timestamp, add the same moment as an ISO-8601 UTC string."""
    if isinstance(node, list):
        return [with_utc_times(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        out[key] = with_utc_times(value)
        if str(key).endswith("_at") and isinstance(value, int | float) and not isinstance(value, bool):
            out[f"{key}_utc"] = datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds")
    return out


def export_bytes(data: dict[str, Any]) -> bytes:
    """The export file: readable JSON, non-ASCII kept as typed, UTF-8."""
    return json.dumps(with_utc_times(data), ensure_ascii=False, indent=2).encode("utf-8")


# ---- this feature's buttons ---------------------------------------------------------------------
@dataclass(frozen=True)
class ShowUrgent(CallbackData, prefix="u"):
    """The urgent card."""


@dataclass(frozen=True)
class ShowSettings(CallbackData, prefix="st"):
    """Settings: the care team's numbers, hard pages."""


@dataclass(frozen=True)
class AskPhone(CallbackData, prefix="sp"):
    """Add a care-team number: opens a prompt (release 0.1's "set the number")."""


@dataclass(frozen=True)
class RemovePhone(CallbackData, prefix="sr"):
    """Release 0.1's "remove the number": removes the first saved number."""


@dataclass(frozen=True)
class OpenContact(CallbackData, prefix="sc"):
    """One saved number, with what can be done with it."""

    num: int


@dataclass(frozen=True)
class AskLabel(CallbackData, prefix="sl"):
    """Change a number's name: opens a prompt."""

    num: int


@dataclass(frozen=True)
class AskNumber(CallbackData, prefix="sn"):
    """Change a saved number: opens a prompt."""

    num: int


@dataclass(frozen=True)
class RemoveContact(CallbackData, prefix="sx"):
    """Remove one saved number."""

    num: int


@dataclass(frozen=True)
class SetAskHardPages(CallbackData, prefix="sh"):
    """Ask (on) or do not ask (off) before hard pages."""

    on: bool


@dataclass(frozen=True)
class ShowFever(CallbackData, prefix="sf"):
    """The family's fever number: the choices a care team gives."""


@dataclass(frozen=True)
class SetFever(CallbackData, prefix="sv"):
    """Save the fever number, in tenths of °C (one of FEVER_CHOICES); 0: not set."""

    tenths: int


@dataclass(frozen=True)
class ShowEmergency(CallbackData, prefix="se"):
    """The family's emergency number: confirm the country from the time zone, choose one,
    or type the local number."""


@dataclass(frozen=True)
class ChooseCountry(CallbackData, prefix="sy"):
    """The countries of the emergency-number table."""


@dataclass(frozen=True)
class SetCountry(CallbackData, prefix="sk"):
    """Use this row of the emergency-number table (its id); "": forget country and number."""

    country: str


@dataclass(frozen=True)
class AskEmergencyNumber(CallbackData, prefix="sz"):
    """Type the local emergency number: opens a prompt."""


@dataclass(frozen=True)
class SetUrgentButton(CallbackData, prefix="sb"):
    """Show (on) or hide (off) the 🚨 button below the chat."""

    on: bool


@dataclass(frozen=True)
class AskFeverNumber(CallbackData, prefix="sq"):
    """Type the fever number the team gave (°C or °F): opens a prompt."""


@dataclass(frozen=True)
class AskFeverRule(CallbackData, prefix="sw"):
    """Write the team's fever rule in their words: opens a prompt; ("clear") forgets it."""

    clear: bool = False


@dataclass(frozen=True)
class ShowTreatment(CallbackData, prefix="tq"):
    """Where the child is in treatment: the phase screen (handlers.phase registers it; asked
    gently from the checklist and the home, changeable in /settings)."""


@dataclass(frozen=True)
class SetTreatment(CallbackData, prefix="ts"):
    """The old screen's answer, one of TREATMENT_STATES (buttons still in chats; handlers.phase
    registers it and keeps the phase consistent with it)."""

    state: str


@dataclass(frozen=True)
class ShowPrivacy(CallbackData, prefix="pv"):
    """What is stored and why."""


@dataclass(frozen=True)
class AskDelete(CallbackData, prefix="dd"):
    """Erase my data: ask first."""


@dataclass(frozen=True)
class DeleteMyData(CallbackData, prefix="dy"):
    """Erase my data: confirmed."""


# ---- keyboards --------------------------------------------------------------------------------
def _home(content: Content) -> Button:
    return button(content.strings("menu.home"), Home())


def urgent_keyboard(content: Content) -> Markup:
    return Markup([[button(content.strings("privacy.urgent.settings"), ShowSettings()), _home(content)]])


def settings_keyboard(
    content: Content, contacts: Sequence[Contact], ask_gates: bool, button_off: bool = False
) -> Markup:
    s = content.strings
    rows = [
        [button(s("privacy.settings.open", label=contact_label(content, c)), OpenContact(c.id))]
        for c in contacts
    ]
    if len(contacts) < MAX_CONTACTS:
        rows.append(
            [button(s("privacy.settings.add") if contacts else s("privacy.settings.set"), AskPhone())]
        )
    rows.append([button(s("privacy.fever.button"), ShowFever())])
    rows.append([button(s("privacy.emergency.button"), ShowEmergency())])
    rows.append([button(s("privacy.treatment.button"), ShowTreatment())])
    rows.append(
        [
            button(
                s("privacy.button.show") if button_off else s("privacy.button.hide"),
                SetUrgentButton(button_off),
            )
        ]
    )
    rows.append([button(s("privacy.settings.appointments"), ShowAppointments())])
    rows.append([button(s("family.button"), ShowFamily())])
    rows.append([button(s("privacy.settings.language"), ShowLanguages())])
    rows.append(
        [
            button(
                s("privacy.settings.gates_button_off")
                if ask_gates
                else s("privacy.settings.gates_button_on"),
                SetAskHardPages(not ask_gates),
            )
        ]
    )
    rows.append([_home(content)])
    return Markup(rows)


def contact_view(
    content: Content, contact: Contact, notice: str | None = None, region: str | None = None
) -> View:
    s = content.strings
    text = s(
        "privacy.contact.title",
        label=esc(contact_label(content, contact)),
        phone=phone_text(content, contact.phone, region, mark=True),
    )
    return View(
        text if notice is None else f"{notice}\n\n{text}",
        Markup(
            [
                [button(s("privacy.contact.rename"), AskLabel(contact.id))],
                [button(s("privacy.contact.renumber"), AskNumber(contact.id))],
                [button(s("privacy.contact.remove"), RemoveContact(contact.id))],
                [button(s("privacy.contact.back"), ShowSettings()), _home(content)],
            ]
        ),
    )


def phone_cancel_keyboard(content: Content) -> Markup:
    return cancel_keyboard(content, "privacy.settings.cancel")


def again(context: BotContext, key: str, **values: object) -> Outcome:
    """The typed text cannot be used: say why, with this feature's Cancel, and keep waiting."""
    return _again(
        context.content, context.content.strings(key, **values), phone_cancel_keyboard(context.content)
    )


def privacy_keyboard(content: Content) -> Markup:
    return Markup([[button(content.strings("privacy.delete.button"), AskDelete())], [_home(content)]])


def delete_keyboard(content: Content) -> Markup:
    s = content.strings
    return Markup(
        [[button(s("privacy.delete.confirm"), DeleteMyData())], [button(s("privacy.delete.keep"), Home())]]
    )


# ---- urgent card ------------------------------------------------------------------------------
def _fits(text: str) -> bool:
    return utf16_len(visible_text(text, "HTML")) <= MAX_TEXT


async def urgent_view(update: Update, context: BotContext, prefix: str | None = None) -> View:
    return (await urgent_views(update, context, prefix))[0]


async def urgent_views(
    update: Update, context: BotContext, prefix: str | None = None
) -> tuple[View, str | None]:
    """The card, and the hospital's lines as a message of their own when the card with them
    would not fit in one (five long names, a long rule, a hospital's block in Spanish):
    the card's advice goes first, then the hospital's block moves to the next message."""
    contacts = await context.storage.contacts.list(await circle_of(update, context))
    line, fever, site = await family_lines(update, context)
    region = await family_region(update, context)
    apart: str | None = None
    text = urgent_text(context.content, contacts, emergency=line, fever=fever, region=region, site=site)
    if not _fits(text):  # five long names and a long rule
        text = urgent_text(
            context.content, contacts, emergency=line, fever=fever, advice=False, region=region, site=site
        )
    if not _fits(text) and site is not None:
        apart = site
        text = urgent_text(context.content, contacts, emergency=line, fever=fever, region=region)
        if not _fits(text):
            text = urgent_text(
                context.content, contacts, emergency=line, fever=fever, advice=False, region=region
            )
    # The card for the emergency department (handlers.edcard, registered after this feature:
    # its button type is imported where it is used).
    from handlers.edcard.buttons import ShowEdCard

    ed_card = [button(context.content.strings("edcard.button"), ShowEdCard(""))]
    markup = Markup([ed_card, *urgent_keyboard(context.content).inline_keyboard])
    if line is None:  # offer to set it, one tap from the card
        markup = Markup(
            [
                [button(context.content.strings("privacy.emergency.button"), ShowEmergency())],
                *markup.inline_keyboard,
            ]
        )
    return View(text if prefix is None else f"{prefix}\n\n{text}", markup), apart


async def _send_apart(update: Update, context: BotContext, apart: str | None) -> None:
    chat = update.effective_chat
    if apart is not None and chat is not None:
        await context.bot.send_message(chat.id, apart)


async def show_urgent(update: Update, context: BotContext) -> None:
    """/urgent: when to call the care team or the emergency number, and the family's numbers
    (and the hospital's, with a site folder)."""
    view, apart = await urgent_views(update, context)
    await show(update, context, *view)
    await _send_apart(update, context, apart)


async def tap_urgent(update: Update, context: BotContext, data: ShowUrgent) -> Reply:
    """Urgent help button (reading it needs no consent)."""
    view, apart = await urgent_views(update, context)
    return Reply(view, after=(lambda: _send_apart(update, context, apart)) if apart else None)


# ---- settings ---------------------------------------------------------------------------------
async def settings_view(update: Update, context: BotContext, notice: str | None = None) -> View:
    uid = user_id(update)
    contacts = await context.storage.contacts.list(await circle_of(update, context))
    ask_gates = not await context.storage.users.skips_gates(uid)
    fever = await context.storage.circles.fever_c(await circle_of(update, context))
    text = settings_text(
        context.content,
        contacts,
        ask_gates,
        fever,
        await decimal_comma(update, context),
        await family_region(update, context),
        context.services.site,
    )
    off = not await context.storage.users.urgent_button(uid)
    return View(
        text if notice is None else f"{notice}\n\n{text}",
        settings_keyboard(context.content, contacts, ask_gates, off),
    )


async def show_settings(update: Update, context: BotContext) -> None:
    """/settings: the care team's numbers, and whether to ask before hard pages."""
    await show(update, context, *await settings_view(update, context))


async def tap_settings(update: Update, context: BotContext, data: ShowSettings) -> Reply:
    """Settings button."""
    return Reply(await settings_view(update, context))


def fever_view(
    content: Content,
    fever_c: float | None,
    rule: str | None = None,
    comma: bool = False,
    notice: str | None = None,
    site: Site | None = None,
) -> View:
    s = content.strings
    hospital = site.fever if site is not None else None
    title = (
        s("site_card.fever_title", name=esc(site.name), number=celsius_text(hospital.number_c, comma))
        if site is not None and hospital is not None
        else s("privacy.fever.title")
    )
    chunks = [title, fever_line(content, fever_c, comma, site)]
    if fever_c is not None and site is not None and site.fever is not None:  # theirs, and the hospital's
        number = celsius_text(site.fever.number_c, comma)
        chunks.append(s("site_card.fever_screen", name=esc(site.name), number=number))
    if rule:
        chunks.append(s("privacy.fever.rule", rule=esc(rule)))
    rows = [
        [
            button(
                ("✅ " if fever_c is not None and round(fever_c * 10) == tenths else "")
                + celsius_text(tenths / 10, comma),
                SetFever(tenths),
            )
        ]
        for tenths in FEVER_CHOICES
    ]
    rows.append([button(s("privacy.fever.type"), AskFeverNumber())])
    rows.append([button(s("privacy.fever.write_rule"), AskFeverRule())])
    if rule:
        rows.append([button(s("privacy.fever.forget_rule"), AskFeverRule(True))])
    clear = (
        s("site_card.fever_clear", number=celsius_text(hospital.number_c, comma).split(" (")[0])
        if hospital is not None
        else s("privacy.fever.clear")
    )
    rows.append([button(clear, SetFever(0))])
    rows.append([button(s("privacy.contact.back"), ShowSettings()), _home(content)])
    text = "\n\n".join(chunks)
    return View(text if notice is None else f"{notice}\n\n{text}", Markup(rows))


async def decimal_comma(update: Update, context: BotContext) -> bool:
    """Does the family's country write 38,5 (its row of the emergency table says)?"""
    country, _ = await context.storage.users.emergency(user_id(update))
    row = context.content.emergency.country(country)
    return row is not None and row.decimal_comma


async def family_fever_view(update: Update, context: BotContext, notice: str | None = None) -> View:
    user_id(update)
    return fever_view(
        context.content,
        await context.storage.circles.fever_c(await circle_of(update, context)),
        await context.storage.circles.fever_rule(await circle_of(update, context)),
        await decimal_comma(update, context),
        notice,
        context.services.site,
    )


async def ask_fever_number(update: Update, context: BotContext, data: AskFeverNumber) -> Reply:
    return await ask(
        update,
        context,
        FEVER,
        context.content.strings("privacy.fever.prompt"),
        ShowFever(),
        markup=phone_cancel_keyboard(context.content),
    )


async def read_fever(update: Update, context: BotContext, row: None, text: str) -> float | Outcome:
    """A typed fever number: kept only between 37.5 and 38.5 °C (99.5-101.3 °F), and not
    above the hospital's when it locked its own."""
    celsius = read_fever_number(text)
    if celsius is None or not FEVER_LOW <= celsius <= FEVER_HIGH:
        return again(context, "privacy.fever.invalid")
    refused = locked_above(context, celsius)
    if refused is not None:
        return done(await family_fever_view(update, context, refused))
    return celsius


async def save_fever(update: Update, context: BotContext, row: None, celsius: float) -> Outcome:
    await context.storage.circles.set_fever_c(await me(update, context), celsius)
    return done(await family_fever_view(update, context, context.content.strings("privacy.fever.saved")))


async def ask_fever_rule(update: Update, context: BotContext, data: AskFeverRule) -> Reply:
    s = context.content.strings
    if data.clear:
        await context.storage.circles.set_fever_rule(await me(update, context), None)
        return Reply(await family_fever_view(update, context), s("privacy.fever.saved_short"))
    return await ask(
        update,
        context,
        FEVER_RULE,
        s("privacy.fever.rule_prompt", limit=MAX_RULE),
        ShowFever(),
        markup=phone_cancel_keyboard(context.content),
    )


async def read_rule(update: Update, context: BotContext, row: None, text: str) -> str | Outcome:
    """The team's rule, kept as typed (up to 200 characters, trimmed)."""
    rule = text.strip()
    if not rule or len(rule) > MAX_RULE:
        return again(context, "privacy.fever.rule_invalid", limit=MAX_RULE)
    return rule


async def save_rule(update: Update, context: BotContext, row: None, rule: str) -> Outcome:
    await context.storage.circles.set_fever_rule(await me(update, context), rule)
    return done(await family_fever_view(update, context, context.content.strings("privacy.fever.saved")))


async def tap_fever(update: Update, context: BotContext, data: ShowFever) -> Reply:
    """The fever number screen: the number the family's care team gave them."""
    return Reply(await family_fever_view(update, context))


async def set_fever(update: Update, context: BotContext, data: SetFever) -> Reply:
    """Save it (after consent): only a number from the list, never one from the data."""
    s = context.content.strings
    if data.tenths != 0 and data.tenths not in FEVER_CHOICES:
        return stale_reply(context)
    celsius = data.tenths / 10 if data.tenths else None
    refused = locked_above(context, celsius)
    if refused is not None:
        return Reply(await family_fever_view(update, context, refused))
    await context.storage.circles.set_fever_c(await me(update, context), celsius)  # may ask consent
    return Reply(
        await settings_view(update, context, s("privacy.fever.saved")), s("privacy.fever.saved_short")
    )


# ---- in treatment or not --------------------------------------------------------------------
# The family's answer (circles.treatment), set by the phase they choose (handlers.phase,
# content/phases.yaml names the answer each phase sets) or by the old screen's buttons.
# Until the family answers, and for "not sure", the child is taken to be in treatment.
TREATMENT_STATES = TREATMENT_ANSWERS


def in_treatment(state: str | None) -> bool:
    return state != "finished"


# ---- the family's emergency number ---------------------------------------------------------
_EMERGENCY = re.compile(r"\+?\d[\d \-]{1,14}")


def clean_emergency(text: str) -> str | None:
    """A local emergency number as typed: 2 to 15 digits (short ones too: 911, 112, 131)."""
    number = " ".join(text.split())
    digits = sum(ch.isdigit() for ch in number)
    return number if _EMERGENCY.fullmatch(number) and 2 <= digits <= 15 else None


async def emergency_view(update: Update, context: BotContext, notice: str | None = None) -> View:
    """What the family's number is, or the country their time zone suggests, to confirm."""
    content = context.content
    s = content.strings
    uid = user_id(update)
    country, own = await context.storage.users.emergency(uid)
    line = emergency_line(content, country, own)
    rows: list[list[Button]] = []
    if line is not None:
        text = "\n\n".join([s("privacy.emergency.title"), line])
        rows.append([button(s("privacy.emergency.change"), ChooseCountry())])
        rows.append([button(s("privacy.emergency.type"), AskEmergencyNumber())])
        rows.append([button(s("privacy.emergency.clear"), SetCountry(""))])
    else:
        zone = await context.storage.circles.timezone(await circle_of(update, context))
        code = country_of_zone(zone) if zone else None
        row = content.emergency.for_code(code)
        if row is not None and zone:
            text = "\n\n".join(
                [
                    s("privacy.emergency.title"),
                    s("privacy.emergency.from_zone", zone=esc(zone), name=esc(row.name), number=row.number),
                ]
            )
            rows.append([button(s("privacy.emergency.confirm", number=row.number), SetCountry(row.id))])
        elif zone and code:  # a country the table does not have
            text = "\n\n".join(
                [s("privacy.emergency.title"), s("privacy.emergency.unknown_zone", zone=esc(zone))]
            )
        else:
            text = "\n\n".join([s("privacy.emergency.title"), s("privacy.emergency.ask")])
        rows.append([button(s("privacy.emergency.choose"), ChooseCountry())])
        rows.append([button(s("privacy.emergency.type"), AskEmergencyNumber())])
    rows.append([button(s("privacy.contact.back"), ShowSettings()), _home(content)])
    return View(text if notice is None else f"{notice}\n\n{text}", Markup(rows))


async def tap_emergency(update: Update, context: BotContext, data: ShowEmergency) -> Reply:
    """The emergency-number screen."""
    return Reply(await emergency_view(update, context))


async def choose_country(update: Update, context: BotContext, data: ChooseCountry) -> Reply:
    """The table's countries, two to a row."""
    content = context.content
    s = content.strings
    names = [
        button(f"{c.name[:1].upper()}{c.name[1:]} · {c.number}", SetCountry(c.id))
        for c in content.emergency.countries
    ]
    rows = [names[i : i + 2] for i in range(0, len(names), 2)]
    rows.append([button(s("privacy.emergency.type"), AskEmergencyNumber())])
    rows.append([button(s("privacy.contact.back"), ShowEmergency()), _home(content)])
    return Reply(View(s("privacy.emergency.choose_title"), Markup(rows)))


async def set_country(update: Update, context: BotContext, data: SetCountry) -> Reply:
    """Save the country (a row the table has; never one from the data alone), after
    consent; "" forgets country and number."""
    s = context.content.strings
    if data.country and context.content.emergency.country(data.country) is None:
        return stale_reply(context)
    await context.storage.users.set_emergency(user_id(update), data.country or None, None)
    notice = s("privacy.emergency.saved") if data.country else s("privacy.emergency.cleared")
    return Reply(await emergency_view(update, context, notice), s("privacy.fever.saved_short"))


async def ask_emergency_number(update: Update, context: BotContext, data: AskEmergencyNumber) -> Reply:
    """Type the local number: after consent, the next text is it."""
    return await ask(
        update,
        context,
        EMERGENCY,
        context.content.strings("privacy.emergency.prompt"),
        ShowEmergency(),
        markup=phone_cancel_keyboard(context.content),
    )


async def read_emergency(update: Update, context: BotContext, row: None, text: str) -> str | Outcome:
    number = read_emergency_number(text, await family_region(update, context))
    return again(context, "privacy.emergency.invalid") if number is None else number


async def save_emergency(update: Update, context: BotContext, row: None, number: str) -> Outcome:
    """The typed local number (the country chosen before is kept)."""
    country, _ = await context.storage.users.emergency(user_id(update))
    await context.storage.users.set_emergency(user_id(update), country, number)
    return done(await emergency_view(update, context, context.content.strings("privacy.emergency.saved")))


async def ask_phone(update: Update, context: BotContext, data: AskPhone) -> Reply:
    """Add a number: after consent, wait for the parent to type it (at most 5 numbers)."""
    s = context.content.strings
    if len(await context.storage.contacts.list(await circle_of(update, context))) >= MAX_CONTACTS:
        return Reply(await settings_view(update, context, s("privacy.settings.full", limit=MAX_CONTACTS)))
    return await ask(
        update,
        context,
        PHONE,
        s("privacy.settings.prompt"),
        ShowSettings(),
        markup=phone_cancel_keyboard(context.content),
    )  # may ask consent first


async def read_typed_phone(
    update: Update, context: BotContext, row: object, text: str
) -> TypedPhone | Outcome:
    """A number as the family writes it, maybe with its name on the same line, read for their
    country; refused calmly (saying what works) when it cannot be used."""
    typed = typed_phone(text, await family_region(update, context))
    return again(context, typed) if isinstance(typed, str) else typed


def check_notes(content: Content, answer: PhoneAnswer) -> list[str]:
    """A gentle word to check a number saved though it may not work: one without its area
    code, or one that is possible but not in use as far as the phone library knows."""
    s = content.strings
    if answer.kind == "as_typed":
        return [s("privacy.phone.local_saved", number=esc(answer.display or answer.raw))]
    shown = number_text(content, answer, readable=True)
    return [s("privacy.phone.check_saved", number=shown)] if answer.check and shown else []


async def save_new_phone(update: Update, context: BotContext, row: None, typed: TypedPhone) -> Outcome:
    """A new number: saved with the name typed with it (done), or with the default name, and
    then its name is asked for (the label prompt replaces this one)."""
    s = context.content.strings
    label = clean_label(typed.label) if typed.label else None
    try:
        contact_id = await context.storage.contacts.add(
            await me(update, context), label or "", typed.phone, limit=MAX_CONTACTS
        )
    except LimitReached:
        return done(await settings_view(update, context, s("privacy.settings.full", limit=MAX_CONTACTS)))
    notes = check_notes(context.content, typed.answer)
    if label is not None:
        saved = s("privacy.settings.saved_with_label", label=esc(label))
        return done(await settings_view(update, context, "\n\n".join([saved, *notes])))
    if typed.label:  # a name too long to keep: asked for again
        notes.append(s("privacy.settings.label_too_long", limit=MAX_LABEL, length=len(typed.label)))
    await open_prompt(update, context, LABEL.kind, ShowSettings(), ref=contact_id)
    return handed_over(
        View(
            "\n\n".join([*notes, s("privacy.settings.saved_ask_label", limit=MAX_LABEL)]),
            Markup([[button(s("privacy.settings.done"), ShowSettings())]]),
        )
    )


async def own_contact(update: Update, context: BotContext, num: int | None) -> Contact | None:
    if num is None:
        return None
    return await context.storage.contacts.get(await circle_of(update, context), num)


async def contact_gone(update: Update, context: BotContext) -> Reply:
    s = context.content.strings
    return Reply(await settings_view(update, context), s("privacy.contact.gone"))


async def open_contact(update: Update, context: BotContext, data: OpenContact) -> Reply:
    """One saved number: change its name or number, or remove it."""
    contact = await own_contact(update, context, data.num)
    if contact is None:
        return await contact_gone(update, context)
    return Reply(contact_view(context.content, contact, region=await family_region(update, context)))


async def ask_label(update: Update, context: BotContext, data: AskLabel) -> Reply:
    contact = await own_contact(update, context, data.num)
    if contact is None:
        return await contact_gone(update, context)
    return await ask(
        update,
        context,
        LABEL,
        context.content.strings("privacy.contact.label_prompt", limit=MAX_LABEL),
        OpenContact(contact.id),
        ref=contact.id,
        markup=phone_cancel_keyboard(context.content),
    )


async def load_contact(update: Update, context: BotContext, prompt: Prompt) -> Contact | Outcome:
    """The saved number a prompt is about, or a calm word that it was removed meanwhile."""
    contact = await own_contact(update, context, prompt.ref)
    if contact is None:
        return done(await settings_view(update, context, context.content.strings("privacy.contact.gone")))
    return contact


async def read_label(update: Update, context: BotContext, contact: Contact, text: str) -> str | Outcome:
    """A number's name: 1 to 40 characters, shown back exactly as typed."""
    label = clean_label(text)
    if label is None:
        return again(context, "privacy.contact.label_invalid", limit=MAX_LABEL, length=len(text.strip()))
    return label


async def save_label(update: Update, context: BotContext, contact: Contact, label: str) -> Outcome:
    await context.storage.contacts.set_label(await me(update, context), contact.id, label)
    return done(await settings_view(update, context, context.content.strings("privacy.contact.saved")))


async def ask_number(update: Update, context: BotContext, data: AskNumber) -> Reply:
    contact = await own_contact(update, context, data.num)
    if contact is None:
        return await contact_gone(update, context)
    return await ask(
        update,
        context,
        NUMBER,
        context.content.strings("privacy.settings.prompt"),
        OpenContact(contact.id),
        ref=contact.id,
        markup=phone_cancel_keyboard(context.content),
    )


async def save_number(update: Update, context: BotContext, contact: Contact, typed: TypedPhone) -> Outcome:
    """A changed number; a name typed with it renames the number too, when it fits."""
    s = context.content.strings
    user_id(update)
    await context.storage.contacts.set_phone(await me(update, context), contact.id, typed.phone)
    notes = check_notes(context.content, typed.answer)
    label = clean_label(typed.label) if typed.label else None
    if label is not None:
        await context.storage.contacts.set_label(await me(update, context), contact.id, label)
    elif typed.label:
        notes.append(s("privacy.contact.label_kept", limit=MAX_LABEL, length=len(typed.label)))
    updated = await own_contact(update, context, contact.id)
    assert updated is not None
    notice = "\n\n".join([s("privacy.contact.saved"), *notes])
    return done(contact_view(context.content, updated, notice, await family_region(update, context)))


FEVER: Asking[None, float] = Asking(
    FEVER_PROMPT, Text.TEMPERATURE, read=read_fever, save=save_fever, full=True
)
FEVER_RULE: Asking[None, str] = Asking(
    FEVER_RULE_PROMPT, Text.FREE, read=read_rule, save=save_rule, full=True
)
EMERGENCY: Asking[None, str] = Asking(
    EMERGENCY_PROMPT, Text.STRUCTURED, read=read_emergency, save=save_emergency
)
PHONE: Asking[None, TypedPhone] = Asking(
    PHONE_PROMPT, Text.STRUCTURED, read=read_typed_phone, save=save_new_phone, full=True
)
LABEL: Asking[Contact, str] = Asking(
    LABEL_PROMPT, Text.STRUCTURED, load=load_contact, read=read_label, save=save_label, full=True
)
NUMBER: Asking[Contact, TypedPhone] = Asking(
    NUMBER_PROMPT, Text.STRUCTURED, load=load_contact, read=read_typed_phone, save=save_number, full=True
)


async def remove_contact(update: Update, context: BotContext, data: RemoveContact) -> Reply:
    """Remove one saved number (a second tap finds nothing and changes nothing)."""
    await context.storage.contacts.remove(await me(update, context), data.num)
    return Reply(await settings_view(update, context), context.content.strings("privacy.settings.removed"))


async def remove_phone(update: Update, context: BotContext, data: RemovePhone) -> Reply:
    """Release 0.1's "remove the number" button: removes the first saved number."""
    user_id(update)
    contacts = await context.storage.contacts.list(await circle_of(update, context))
    if contacts:
        await context.storage.contacts.remove(await me(update, context), contacts[0].id)
    return Reply(await settings_view(update, context), context.content.strings("privacy.settings.removed"))


async def set_ask_hard_pages(update: Update, context: BotContext, data: SetAskHardPages) -> Reply:
    """Ask before hard pages, or not (stored only with consent; asking is the default)."""
    uid = user_id(update)
    if data.on and not await context.storage.users.has_consent(uid):
        return Reply(await settings_view(update, context))  # the default: nothing to store
    await context.storage.users.set_skip_gates(uid, not data.on)  # may ask consent first
    s = context.content.strings
    return Reply(
        await settings_view(update, context),
        s("privacy.settings.gates_saved_on") if data.on else s("privacy.settings.gates_saved_off"),
    )


# ---- privacy and the user's own data ------------------------------------------------------------
def privacy_view(context: BotContext) -> View:
    """The privacy page; with a site folder its buttons go on the message that follows it,
    the one naming who runs this copy of the bot (privacy_run_by)."""
    settings = context.services.settings
    text = context.content.strings(
        "privacy.page", undo_minutes=settings.undo_seconds // 60, prompt_minutes=settings.prompt_seconds // 60
    )
    keyboard = privacy_keyboard(context.content)
    return View(text, None if privacy_run_by(context) is not None else keyboard)


def privacy_run_by(context: BotContext) -> View | None:
    """With a site folder: who runs this copy of the bot (the families' data controller) and
    how to reach them, with the privacy page's buttons. A message of its own, after the
    page: the Spanish page alone is within about 100 characters of Telegram's 4,096, and a
    hospital's name and contact may take 200. None without a site folder."""
    site = context.services.site
    if site is None or site.run_by is None:
        return None
    text = context.content.strings(
        "site_welcome.run_by", name=esc(site.run_by.name), contact=esc(site.run_by.contact)
    )
    return View(text, privacy_keyboard(context.content))


async def send_privacy_run_by(update: Update, context: BotContext) -> None:
    """privacy_run_by as a new message below the page (a tap edits the page in place)."""
    view = privacy_run_by(context)
    chat = update.effective_chat
    if view is not None and chat is not None:
        await context.bot.send_message(chat.id, view.text, reply_markup=view.markup)


async def show_privacy(update: Update, context: BotContext) -> None:
    """/privacy: what is stored, why, how long, who sees it, and the two data commands."""
    await show(update, context, *privacy_view(context))
    await send_privacy_run_by(update, context)


async def tap_privacy(update: Update, context: BotContext, data: ShowPrivacy) -> Reply:
    """Privacy button."""
    return Reply(privacy_view(context), after=lambda: send_privacy_run_by(update, context))


async def send_my_data(update: Update, context: BotContext) -> None:
    """/mydata: everything stored about this user, as a JSON file."""
    chat = update.effective_chat
    if chat is None:
        return
    data = await context.storage.export_user(user_id(update))
    s = context.content.strings
    caption = s("privacy.mydata.caption") if data.get("stored") else s("privacy.mydata.empty")
    await context.bot.send_document(
        chat.id, document=export_bytes(data), filename=EXPORT_FILENAME, caption=caption
    )


def delete_view(content: Content) -> View:
    return View(content.strings("privacy.delete.ask"), delete_keyboard(content))


async def ask_delete(update: Update, context: BotContext) -> None:
    """/deletemydata: ask before erasing anything."""
    await show(update, context, *delete_view(context.content))


async def tap_delete(update: Update, context: BotContext, data: AskDelete) -> Reply:
    """Erase my data button: ask before erasing anything."""
    return Reply(delete_view(context.content))


async def delete_my_data(update: Update, context: BotContext, data: DeleteMyData) -> Reply:
    """Confirmed: erase every row of this user (the tapping user, never one from data), and
    take the 🚨 button away (the choice to keep it is erased too; /start offers it again)."""
    had_button = await context.storage.users.urgent_button(user_id(update))
    await context.storage.delete_user(user_id(update))
    s = context.content.strings
    if had_button:
        await remove_urgent_button(update, context, s("privacy.button.erased"))
    return Reply(
        View(s("privacy.delete.done"), Markup([[_home(context.content)]])), s("privacy.delete.done_short")
    )


# ---- the 🚨 button below the chat ---------------------------------------------------------------
# A reply keyboard, not a pinned card: it always opens the card as it is now (numbers, fever
# number, language), where a pinned copy would need editing on every change; it stays on
# screen (is_persistent), costs one message when sent, and the bot sends no other reply
# keyboard that could replace it. It is offered, not imposed: /start carries a "keep it"
# row until the parent chooses (one message per /start, as before: a second one on every
# /start would double the new messages a surge of parents costs). Its label is the home
# menu's "🚨" entry; a tap on the label of any language opens the card, since a language
# switch leaves the old label on screen until the new one is sent.
def urgent_reply_keyboard(content: Content) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(content.strings("menu.urgent"))]], is_persistent=True, resize_keyboard=True
    )


async def send_urgent_button(update: Update, context: BotContext) -> None:
    """Put the 🚨 button below the chat, if the parent chose to keep it."""
    chat = update.effective_chat
    if chat is None or not await context.storage.users.urgent_button(user_id(update)):
        return
    await context.bot.send_message(
        chat.id,
        context.content.strings("privacy.button.note"),
        reply_markup=urgent_reply_keyboard(context.content),
    )


async def remove_urgent_button(update: Update, context: BotContext, text: str) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, text, reply_markup=ReplyKeyboardRemove())


async def set_urgent_button(update: Update, context: BotContext, data: SetUrgentButton) -> Reply:
    """Show or hide the 🚨 button (kept without consent, like the language)."""
    s = context.content.strings
    await context.storage.users.set_urgent_button(user_id(update), data.on)
    if data.on:  # a new message carries the keyboard (or takes it away), then the settings
        await send_urgent_button(update, context)
    else:
        await remove_urgent_button(update, context, s("privacy.button.hidden"))
    return Reply(await settings_view(update, context), s("privacy.fever.saved_short"))


async def urgent_by_button(update: Update, context: BotContext) -> None:
    """The 🚨 button below the chat (its label, in any language): the card."""
    await show_urgent(update, context)


COMMANDS = (
    Command("urgent", "help.commands.urgent", show_urgent, first=True),
    Command("settings", "help.commands.settings", show_settings),
    Command("privacy", "help.commands.privacy", show_privacy),  # Telegram links /privacy
    Command("mydata", "help.commands.mydata", send_my_data),
    Command("deletemydata", "help.commands.deletemydata", ask_delete),
)


def setup(app: BotApp) -> None:
    tap(app, ShowUrgent, tap_urgent)
    tap(app, ShowSettings, tap_settings)
    tap(app, AskPhone, ask_phone, full=True)
    tap(app, RemovePhone, remove_phone, full=True)
    tap(app, OpenContact, open_contact)
    tap(app, AskLabel, ask_label, full=True)
    tap(app, AskNumber, ask_number, full=True)
    tap(app, RemoveContact, remove_contact, full=True)
    tap(app, SetAskHardPages, set_ask_hard_pages)
    tap(app, ShowFever, tap_fever)
    tap(app, ShowEmergency, tap_emergency)
    tap(app, AskFeverNumber, ask_fever_number, full=True)
    tap(app, AskFeverRule, ask_fever_rule, full=True)
    on_prompt(app, FEVER)
    on_prompt(app, FEVER_RULE)
    tap(app, SetUrgentButton, set_urgent_button)
    labels = sorted({content.strings("menu.urgent") for content in services_of(app).contents.values()})
    app.add_handler(MessageHandler(PRIVATE & filters.Text(labels), urgent_by_button))
    tap(app, ChooseCountry, choose_country)
    tap(app, SetCountry, set_country)
    tap(app, AskEmergencyNumber, ask_emergency_number)
    on_prompt(app, EMERGENCY)
    tap(app, SetFever, set_fever, full=True)
    tap(app, ShowPrivacy, tap_privacy)
    tap(app, AskDelete, tap_delete)
    tap(app, DeleteMyData, delete_my_data)
    on_prompt(app, PHONE)
    on_prompt(app, LABEL)
    on_prompt(app, NUMBER)
    menu_button(app, "menu.urgent", ShowUrgent())
    # /start urgent (the inline urgent card's button) opens the card.
    services_of(app).deep_links.append(
        lambda content, payload: ShowUrgent() if payload == URGENT_LINK else None
    )
    menu_button(app, "menu.settings", ShowSettings())
    menu_button(app, "menu.privacy", ShowPrivacy())
