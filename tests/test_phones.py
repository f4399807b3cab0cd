"""bot.phones: a contact line read into label, number and extension; short, emergency and
extension numbers; calm reasons for what is not a number; old saved values read again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.phones import PhoneAnswer, PhoneKind, PhoneProblem, read_phone, reparse_saved

ROOT = Path(__file__).resolve().parent.parent


def full(
    raw: str, label: str | None, e164: str, display: str, *, extension: str | None = None, check: bool = False
) -> PhoneAnswer:
    return PhoneAnswer(raw, label, "full", e164, display, e164, extension, check, None)


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        # international, with "+", whatever the family's country
        ("+1 713 555 0102", None, full("+1 713 555 0102", None, "+17135550102", "+1 713-555-0102")),
        ("+34 612 34 56 78", "US", full("+34 612 34 56 78", None, "+34612345678", "+34 612 34 56 78")),
        ("+44 20 7946 0958", "ES", full("+44 20 7946 0958", None, "+442079460958", "+44 20 7946 0958")),
        ("+61 2 9374 4000", None, full("+61 2 9374 4000", None, "+61293744000", "+61 2 9374 4000")),
        # national, with the family's country
        ("612 345 678", "ES", full("612 345 678", None, "+34612345678", "+34 612 34 56 78")),
        ("612345678", "es", full("612345678", None, "+34612345678", "+34 612 34 56 78")),
        ("(713) 555-0102", "US", full("(713) 555-0102", None, "+17135550102", "+1 713-555-0102")),
        ("713.555.0102", "US", full("713.555.0102", None, "+17135550102", "+1 713-555-0102")),
        ("02 9374 4000", "AU", full("02 9374 4000", None, "+61293744000", "+61 2 9374 4000")),
        ("(02) 9374 4000", "AU", full("(02) 9374 4000", None, "+61293744000", "+61 2 9374 4000")),
        ("0034 612 345 678", "ES", full("0034 612 345 678", None, "+34612345678", "+34 612 34 56 78")),
        # a label before or after
        (
            "oncology ward nights +1 (555) 010-2222",
            "US",
            full(
                "oncology ward nights +1 (555) 010-2222",
                "oncology ward nights",
                "+15550102222",
                "+1 555-010-2222",
                check=True,
            ),
        ),  # possible, not valid (555): accepted, to check
        (
            "Dr Ruiz 612 345 678",
            "ES",
            full("Dr Ruiz 612 345 678", "Dr Ruiz", "+34612345678", "+34 612 34 56 78"),
        ),
        (
            "Dr. Ruiz: 612-345-678",
            "ES",
            full("Dr. Ruiz: 612-345-678", "Dr. Ruiz", "+34612345678", "+34 612 34 56 78"),
        ),
        (
            "+34 612 34 56 78 planta 3",
            "ES",
            full("+34 612 34 56 78 planta 3", "planta 3", "+34612345678", "+34 612 34 56 78"),
        ),
        ("Ruiz (612 345 678)", "ES", full("Ruiz (612 345 678)", "Ruiz", "+34612345678", "+34 612 34 56 78")),
        (
            "Ward 3 612 345 678",
            "ES",
            full("Ward 3 612 345 678", "Ward 3", "+34612345678", "+34 612 34 56 78"),
        ),  # the 3 is the label's
        # an extension after the number
        (
            "713-555-0102 ext. 4021",
            "US",
            full("713-555-0102 ext. 4021", None, "+17135550102", "+1 713-555-0102", extension="4021"),
        ),
        (
            "Clinic 713 555 0102 x4021",
            "US",
            full("Clinic 713 555 0102 x4021", "Clinic", "+17135550102", "+1 713-555-0102", extension="4021"),
        ),
        (
            "713 555 0102, extensión 4021 enfermería",
            "US",
            full(
                "713 555 0102, extensión 4021 enfermería",
                "enfermería",
                "+17135550102",
                "+1 713-555-0102",
                extension="4021",
            ),
        ),
        # free and premium lines are national numbers
        ("0800 1111", "GB", full("0800 1111", None, "+448001111", "+44 800 1111")),
        ("900 202 202", "ES", full("900 202 202", None, "+34900202202", "+34 900 202 202")),
        ("13 11 14", "AU", full("13 11 14", None, "+61131114", "+61 131114")),
    ],
)
def test_full_numbers(text, region, expected) -> None:
    assert read_phone(text, region) == expected


def short(raw: str, kind: PhoneKind, digits: str, label: str | None = None) -> PhoneAnswer:
    extension = digits if kind == "extension" else None
    return PhoneAnswer(raw, label, kind, None, digits, digits, extension, False, None)


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("911", "US", short("911", "emergency", "911")),
        ("112", "ES", short("112", "emergency", "112")),
        ("112", "US", short("112", "emergency", "112")),
        ("000", "AU", short("000", "emergency", "000")),
        ("999", "GB", short("999", "emergency", "999")),
        ("10111", "ZA", short("10111", "emergency", "10111")),
        ("Emergencias 112", "ES", short("Emergencias 112", "emergency", "112", "Emergencias")),
        ("131", "AU", short("131", "short", "131")),  # possible short number, not a listed one
        ("061", "ES", short("061", "short", "061")),
        ("016", "ES", short("016", "short", "016")),
        ("116111", "ES", short("116111", "short", "116111")),
    ],
)
def test_emergency_and_short_numbers(text, region, expected) -> None:
    assert read_phone(text, region) == expected


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("4021", "US", short("4021", "extension", "4021")),
        ("4021", None, short("4021", "extension", "4021")),  # an extension needs no country
        ("40211", "ES", short("40211", "extension", "40211")),
        ("ext. 4021", None, short("ext. 4021", "extension", "4021")),
        ("x4021", "ES", short("x4021", "extension", "4021")),
        ("extensión 4021", "ES", short("extensión 4021", "extension", "4021")),
        (
            "Oncology ward ext. 4021",
            "US",
            short("Oncology ward ext. 4021", "extension", "4021", "Oncology ward"),
        ),
        ("Nurses' station 4021", "GB", short("Nurses' station 4021", "extension", "4021", "Nurses' station")),
    ],
)
def test_internal_extensions(text, region, expected) -> None:
    assert read_phone(text, region) == expected


def kept(raw: str, number: str, problem: PhoneProblem, label: str | None = None) -> PhoneAnswer:
    return PhoneAnswer(raw, label, "as_typed", None, number, number, None, False, problem)


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("612 345 678", None, kept("612 345 678", "612 345 678", "region_unknown")),
        (
            "Dr Ruiz 612 345 678",
            None,
            kept("Dr Ruiz 612 345 678", "612 345 678", "region_unknown", "Dr Ruiz"),
        ),
        ("911", None, kept("911", "911", "region_unknown")),
        ("612345678", "XX", kept("612345678", "612345678", "region_unknown")),  # not a country
        ("555 0102", "US", kept("555 0102", "555 0102", "local_only")),  # needs its area code
    ],
)
def test_kept_as_typed_with_the_reason(text, region, expected) -> None:
    assert read_phone(text, region) == expected


def test_double_zero_reads_as_international_when_the_country_is_unknown() -> None:
    assert read_phone("0034 612 345 678", None) == full(
        "0034 612 345 678", None, "+34612345678", "+34 612 34 56 78"
    )


def rejected(raw: str, problem: PhoneProblem, label: str | None = None) -> PhoneAnswer:
    return PhoneAnswer(raw, label, None, None, None, None, None, False, problem)


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("", "US", rejected("", "empty")),
        ("   ", None, rejected("", "empty")),
        ("12", "US", rejected("12", "too_short")),
        ("001", "ES", rejected("001", "too_short")),  # an international prefix, nothing after
        ("+34 6123", "ES", rejected("+34 6123", "too_short")),
        ("1234567890123456789", "US", rejected("1234567890123456789", "too_long")),
        ("612 345 678 / 913 456 789", "ES", rejected("612 345 678 / 913 456 789", "too_long")),
        ("+999 1234 5678", None, rejected("+999 1234 5678", "country_code_unknown")),
        ("Dr Ruiz", "ES", rejected("Dr Ruiz", "no_digits", "Dr Ruiz")),
        ("call the nurse", None, rejected("call the nurse", "no_digits", "call the nurse")),
        ("1" * 201, "US", rejected("1" * 201, "text_too_long")),
    ],
)
def test_what_is_not_a_number_gets_a_calm_reason(text, region, expected) -> None:
    answer = read_phone(text, region)
    assert answer == expected
    assert not answer.accepted


@pytest.mark.parametrize(
    ("saved", "region", "expected"),
    [
        (
            "Dr Ruiz 612 345 678",
            "ES",
            full("Dr Ruiz 612 345 678", "Dr Ruiz", "+34612345678", "+34 612 34 56 78"),
        ),
        ("911", "US", short("911", "emergency", "911")),
        (
            "ask at the front desk",
            "ES",
            PhoneAnswer(
                "ask at the front desk",
                None,
                "as_typed",
                None,
                "ask at the front desk",
                None,
                None,
                True,
                "no_digits",
            ),
        ),
        ("12", "US", PhoneAnswer("12", None, "as_typed", None, "12", None, None, True, "too_short")),
        (
            "555 0102",
            "US",
            PhoneAnswer("555 0102", None, "as_typed", None, "555 0102", "555 0102", None, True, "local_only"),
        ),
        (
            "612 345 678",
            None,
            PhoneAnswer(
                "612 345 678",
                None,
                "as_typed",
                None,
                "612 345 678",
                "612 345 678",
                None,
                True,
                "region_unknown",
            ),
        ),
    ],
)
def test_old_saved_values_read_again_or_kept_to_check(saved, region, expected) -> None:
    answer = reparse_saved(saved, region)
    assert answer == expected
    assert answer.accepted


@settings(max_examples=1000, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("0123456789 +()-./#xet:,;abñé\u0661\n"), max_size=40),
    st.sampled_from([None, "US", "ES", "AU", "GB", "MX", "XX"]),
)
def test_never_raises(text, region) -> None:
    answer = read_phone(text, region)
    assert answer.raw == text.strip()
    assert (answer.kind is None) == (answer.problem is not None and answer.kind != "as_typed")
    if answer.kind == "full":
        assert answer.e164 is not None and answer.tel_text == answer.e164
    assert reparse_saved(text, region).accepted


def test_phonenumbers_is_not_imported_with_the_module() -> None:
    script = (
        "import sys\nimport bot.phones\nprint('phonenumbers' in sys.modules)\n"
        "bot.phones.read_phone('+1 713 555 0102', None)\n"
        "print('phonenumbers' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True"]
