"""The family's care-team numbers as they type them (bot.phones through the real prompts):
read for their country, a name on the same line kept as the label, stored as typed, shown as
+E.164 text Telegram makes tappable in settings, on the urgent card and in a red-flag alert."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.content import Content
from bot.render import esc
from handlers.privacy import (
    MAX_LABEL,
    MAX_PHONE,
    phone_text,
    read_emergency_number,
    stored_number,
    typed_phone,
)
from tests.harness import Harness, first_phone, make, save_phone, who

pytestmark = pytest.mark.every_language

PARENT = 1001
FEVER = "38.9"  # a red flag in every language: the alert shows the family's numbers


@dataclass(frozen=True)
class Typed:
    zone: str | None  # the family's time zone, hence their country
    typed: str  # what the parent types in the number prompt
    stored: str  # what the phone column keeps: the number as typed, without its name
    number: str  # what the views show (tappable text)
    label: str | None = None  # the name typed on the same line
    extension: str | None = None  # shown after the number, in words
    internal: bool = False  # an internal extension alone: shown in words


TYPED = [
    Typed(None, "+44 (0)20 7946-0000", "+44 (0)20 7946-0000", "+442079460000"),
    Typed("America/Chicago", "(312) 555-0100", "(312) 555-0100", "+13125550100"),
    Typed("America/Chicago", "312.555.0100", "312.555.0100", "+13125550100"),
    Typed("America/Chicago", "312-555-0100", "312-555-0100", "+13125550100"),
    Typed("Europe/Madrid", "612 34 56 78", "612 34 56 78", "+34612345678"),
    Typed("Europe/London", "020 7946 0000", "020 7946 0000", "+442079460000"),
    Typed("Australia/Sydney", "02 9374 4000", "02 9374 4000", "+61293744000"),
    Typed(
        "America/Chicago",
        "oncology ward nights +1 (312) 555-0100",
        "+1 (312) 555-0100",
        "+13125550100",
        label="oncology ward nights",
    ),
    Typed("Europe/Madrid", "91 123 45 67 hospital de día", "91 123 45 67", "+34911234567", "hospital de día"),
    Typed("Europe/London", "Day clinic: 020 7946 0000", "020 7946 0000", "+442079460000", "Day clinic"),
    Typed(
        None,
        "+1 (212) 555-0100 ext. 4021",
        "+1 (212) 555-0100 ext. 4021",
        "+12125550100",
        extension="4021",
    ),
    Typed("America/Chicago", "911", "911", "911"),
    Typed("Europe/Madrid", "112", "112", "112"),
    Typed("Australia/Sydney", "000", "000", "000"),
    Typed("Australia/Sydney", "131", "131", "131"),
    Typed(None, "4021", "4021", "4021", internal=True),
    Typed("America/Chicago", "Ward ext. 4021", "ext. 4021", "4021", label="Ward", internal=True),
]


def shown(content: Content, case: Typed) -> str:
    """The number as a view shows it (HTML)."""
    s = content.strings
    if case.internal:
        return s("privacy.phone.internal", extension=case.number)
    if case.extension:
        return s("privacy.phone.extension", number=case.number, extension=case.extension)
    return case.number


def line(content: Content, label: str | None, number: str) -> str:
    s = content.strings
    return s("contacts.line", label=esc(label or s("contacts.default_label")), phone=number)


async def open_phone(bot: Harness, zone: str | None = None) -> None:
    if zone:
        await bot.storage.circles.set_timezone(who(PARENT), zone)
    await bot.send("/settings")
    await bot.tap_data(make("sp"))
    assert bot.html() == bot.content.strings("privacy.settings.prompt")


# ---- the PHONE prompt, through the real Application ------------------------------------------
@pytest.mark.parametrize("case", TYPED, ids=[c.typed for c in TYPED])
async def test_a_number_as_typed_is_saved_and_shown_tappable(consented: Harness, case: Typed) -> None:
    bot = consented
    s = bot.content.strings
    await open_phone(bot, case.zone)
    await bot.send(case.typed)
    contacts = await bot.storage.contacts.list(PARENT)
    assert [(c.label, c.phone) for c in contacts] == [(case.label or "", case.stored)]
    expected = line(bot.content, case.label, shown(bot.content, case))
    waiting = await bot.storage.prompts.get(PARENT)
    if case.label is None:  # a number alone: its name is asked for next, as before
        assert waiting is not None and waiting.kind == "contact_label"
        assert bot.html() == s("privacy.settings.saved_ask_label", limit=MAX_LABEL)
        await bot.tap(s("privacy.settings.done"))
    else:  # its name came with it: no name prompt, the settings say it was saved
        assert waiting is None
        assert bot.html().startswith(s("privacy.settings.saved_with_label", label=esc(case.label)))
    assert expected in bot.html()  # the settings list it
    assert s("privacy.phone.check", number="").strip() not in bot.html()  # nothing to check
    await bot.send("/urgent")
    assert expected in bot.html()
    await bot.send(FEVER)
    assert bot.answer().startswith(s("redflags.title")) and expected in bot.answer()


async def test_a_number_possible_but_not_in_use_is_saved_with_a_word_to_check(consented: Harness) -> None:
    bot = consented
    s = bot.content.strings
    await open_phone(bot, "America/Chicago")
    await bot.send("+1 (555) 010-2222")  # 555 is no area code in use
    assert await first_phone(bot, PARENT) == "+1 (555) 010-2222"
    assert bot.html() == "\n\n".join(
        [
            s("privacy.phone.check_saved", number="+1 555-010-2222"),  # as read, grouped
            s("privacy.settings.saved_ask_label", limit=MAX_LABEL),
        ]
    )
    await bot.send("Ward nights")
    assert line(bot.content, "Ward nights", "+15550102222") in bot.html()


async def test_a_number_without_its_area_code_is_saved_as_typed_with_a_word(consented: Harness) -> None:
    bot = consented
    s = bot.content.strings
    await open_phone(bot, "America/Chicago")
    await bot.send("555 0102")
    assert await first_phone(bot, PARENT) == "555 0102"
    assert bot.html().startswith(s("privacy.phone.local_saved", number="555 0102"))
    await bot.tap(s("privacy.settings.done"))
    assert line(bot.content, None, s("privacy.phone.check", number="555 0102")) in bot.html()
    await bot.send("/urgent")
    assert line(bot.content, None, "555 0102") in bot.html()  # never hidden on the card


REFUSED = [
    ("America/Chicago", "12", "privacy.settings.invalid"),  # too short
    (None, "39", "privacy.settings.invalid"),  # too short, whatever the country
    ("America/Chicago", "1" * 20, "privacy.phone.too_long"),
    ("Europe/Madrid", "call the ward", "privacy.settings.invalid"),  # letters only
    ("Europe/Madrid", "Ward ext.", "privacy.settings.invalid"),
    (None, "612 345 678", "privacy.phone.no_country"),  # national, and no zone saved
    (None, "020 7946 0000", "privacy.phone.no_country"),
    (None, "+999 1234 5678", "privacy.phone.country_code"),
]


@pytest.mark.parametrize(("zone", "typed", "key"), REFUSED)
async def test_what_is_not_a_number_is_refused_calmly_and_the_prompt_stays(
    consented: Harness, zone: str | None, typed: str, key: str
) -> None:
    bot = consented
    s = bot.content.strings
    await open_phone(bot, zone)
    await bot.send(typed)
    assert bot.html() == s(key)
    assert "+44 20 7946 0000" in bot.html() or key == "privacy.phone.country_code"  # what works
    assert s("errors.generic") not in bot.html()
    assert await first_phone(bot, PARENT) is None
    waiting = await bot.storage.prompts.get(PARENT)
    assert waiting is not None and waiting.kind == "phone"
    await bot.send("+44 20 7946 0000")  # then a number with + is saved
    assert await first_phone(bot, PARENT) == "+44 20 7946 0000"


async def test_a_name_too_long_on_the_same_line_is_asked_for_again(consented: Harness) -> None:
    bot = consented
    s = bot.content.strings
    typed = "Hospital Infantil Universitario Niño Jesús, planta 91 503 59 00"
    name = "Hospital Infantil Universitario Niño Jesús, planta"
    await open_phone(bot, "Europe/Madrid")
    await bot.send(typed)
    contacts = await bot.storage.contacts.list(PARENT)
    assert [(c.label, c.phone) for c in contacts] == [("", "91 503 59 00")]
    assert bot.html() == "\n\n".join(
        [
            s("privacy.settings.label_too_long", limit=MAX_LABEL, length=len(name)),
            s("privacy.settings.saved_ask_label", limit=MAX_LABEL),
        ]
    )
    waiting = await bot.storage.prompts.get(PARENT)
    assert waiting is not None and waiting.kind == "contact_label"
    await bot.send("Niño Jesús, planta")
    assert line(bot.content, "Niño Jesús, planta", "+34915035900") in bot.html()


async def test_the_emergency_country_chosen_reads_national_numbers(consented: Harness) -> None:
    """No time zone, but the family chose Spain for the emergency number: Spain's numbers."""
    bot = consented
    await bot.storage.users.set_emergency(PARENT, "es", None)
    await open_phone(bot)
    await bot.send("Dr Ruiz 612 345 678")
    contacts = await bot.storage.contacts.list(PARENT)
    assert [(c.label, c.phone) for c in contacts] == [("Dr Ruiz", "612 345 678")]
    assert line(bot.content, "Dr Ruiz", "+34612345678") in bot.html()


# ---- changing a number -------------------------------------------------------------------------
async def test_a_changed_number_with_a_name_renames_it_too(consented: Harness) -> None:
    bot = consented
    s = bot.content.strings
    await bot.storage.circles.set_timezone(who(PARENT), "Europe/London")
    contact = await save_phone(bot, PARENT, "020 7946 0000", "Ward")
    await bot.send("/settings")
    await bot.tap_data(make("sc", num=contact))
    assert s("privacy.contact.title", label="Ward", phone="+442079460000") in bot.html()
    await bot.tap_data(make("sn", num=contact))
    await bot.send("55")  # refused: the prompt stays
    assert bot.html() == s("privacy.settings.invalid")
    await bot.send("Night ward - 020 7946 0111")
    changed = await bot.storage.contacts.get(PARENT, contact)
    assert changed is not None and (changed.label, changed.phone) == ("Night ward", "020 7946 0111")
    assert bot.html() == "\n\n".join(
        [s("privacy.contact.saved"), s("privacy.contact.title", label="Night ward", phone="+442079460111")]
    )
    await bot.tap_data(make("sn", num=contact))
    await bot.send("W" * (MAX_LABEL + 1) + " 020 7946 0222")  # the name is too long: kept
    changed = await bot.storage.contacts.get(PARENT, contact)
    assert changed is not None and (changed.label, changed.phone) == ("Night ward", "020 7946 0222")
    assert s("privacy.contact.label_kept", limit=MAX_LABEL, length=MAX_LABEL + 1) in bot.html()


# ---- numbers saved by earlier versions ---------------------------------------------------------
async def test_an_old_number_that_does_not_read_is_shown_as_typed(consented: Harness) -> None:
    """Release 0.1 kept loose text: it is never hidden; settings and the number's own view
    ask calmly to check it, the card and the alert show it as typed."""
    bot = consented
    s = bot.content.strings
    contact = await save_phone(bot, PARENT, "0161 000 2222", "Ward")  # no country: unreadable
    odd = await save_phone(bot, PARENT, "020 <7946> & 0000", "Odd")
    checked = s("privacy.phone.check", number="0161 000 2222")
    await bot.send("/settings")
    assert line(bot.content, "Ward", checked) in bot.html()
    assert line(bot.content, "Odd", s("privacy.phone.check", number=esc("020 <7946> & 0000"))) in bot.html()
    await bot.tap_data(make("sc", num=contact))
    assert s("privacy.contact.title", label="Ward", phone=checked) in bot.html()
    await bot.tap_data(make("sc", num=odd))
    assert esc("020 <7946> & 0000") in bot.html()
    for view in ("/urgent", FEVER):
        await bot.send(view)
        assert line(bot.content, "Ward", "0161 000 2222") in bot.answer(), view
        assert line(bot.content, "Odd", esc("020 <7946> & 0000")) in bot.answer(), view
        assert s("privacy.phone.check", number="0161 000 2222") not in bot.answer(), view
    # Once the family's country is known, the same saved text reads: shown tappable.
    await save_phone(bot, PARENT, "020 7946 0000", "Day clinic")
    await bot.storage.circles.set_timezone(who(PARENT), "Europe/London")
    await bot.send("/urgent")
    assert line(bot.content, "Day clinic", "+442079460000") in bot.html()


# ---- the family's own emergency number ---------------------------------------------------------
@pytest.mark.parametrize(
    ("zone", "typed", "kept"),
    [
        ("America/Chicago", "911", "911"),
        ("Europe/Madrid", "112", "112"),
        ("Australia/Sydney", "000", "000"),
        ("Australia/Sydney", "131", "131"),
        ("Europe/London", "999", "999"),
        ("Europe/Paris", "15", "15"),  # SAMU: France dials 2 digits
        ("Asia/Kolkata", "108", "108"),
        (None, "112", "112"),  # no country known: 2 to 15 digits, as before
        (None, "1 1 2", "1 1 2"),
        (None, "+34 612 345 678", "+34612345678"),
    ],
)
async def test_the_emergency_number_typed(
    consented: Harness, zone: str | None, typed: str, kept: str
) -> None:
    bot = consented
    s = bot.content.strings
    if zone:
        await bot.storage.circles.set_timezone(who(PARENT), zone)
    await bot.send("/settings")
    await bot.tap_data(make("sz"))
    await bot.send(typed)
    assert await bot.storage.users.emergency(PARENT) == (None, kept)
    assert s("privacy.emergency.saved") in bot.html()
    assert s("privacy.emergency.line_own", number=kept) in bot.html()


@pytest.mark.parametrize(
    ("zone", "typed"),
    [("Europe/Madrid", "12"), ("America/Chicago", "555 0102"), ("Europe/Madrid", "ambulance"), (None, "1")],
)
async def test_what_is_not_an_emergency_number_is_refused(
    consented: Harness, zone: str | None, typed: str
) -> None:
    bot = consented
    if zone:
        await bot.storage.circles.set_timezone(who(PARENT), zone)
    await bot.send("/settings")
    await bot.tap_data(make("sz"))
    await bot.send(typed)
    assert bot.html() == bot.content.strings("privacy.emergency.invalid")
    assert await bot.storage.users.emergency(PARENT) == (None, None)
    assert await bot.storage.prompts.get(PARENT) is not None


# ---- pure helpers ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "region", "stored", "label"),
    [
        ("Ward 612 345 678 nights", "ES", "612 345 678", "Ward nights"),  # a name on both sides
        ("Ward 3 612 345 678", "ES", "612 345 678", "Ward 3"),
        ("+34 612 34 56 78 planta 3", None, "+34 612 34 56 78", "planta 3"),
        ("  +44 20 7946 0000  ", None, "+44 20 7946 0000", None),
        ("word " * 30 + "612 345 678", "ES", "612 345 678", " ".join(["word"] * 30)),  # read in one pass
        # longer than MAX_PHONE as typed: kept as read
        ("+44   20   7946   0000   extension   40219", None, "+442079460000 ext. 40219", None),
    ],
)
def test_what_is_stored_is_the_number_as_typed_without_its_name(
    typed: str, region: str | None, stored: str, label: str | None
) -> None:
    found = typed_phone(typed, region)
    assert not isinstance(found, str)
    assert (found.phone, found.label) == (stored, label)
    assert len(found.phone) <= MAX_PHONE
    assert stored_number(found.answer, region) == stored


def test_an_old_value_is_escaped_and_never_hidden(content: Content) -> None:
    assert phone_text(content, "<b>1</b>", None) == esc("<b>1</b>")
    assert phone_text(content, "call me", "US", mark=True) == content.strings(
        "privacy.phone.check", number="call me"
    )
    assert phone_text(content, "+1 312 555 0100", None, mark=True) == "+13125550100"


def test_the_emergency_number_rules() -> None:
    assert read_emergency_number("ambulance 112", "ES") is None  # only the number
    assert read_emergency_number("12", "ES") is None
    assert read_emergency_number("17", "FR") == "17"
    assert read_emergency_number("1" * 16, None) is None  # 2 to 15 digits when unknown
