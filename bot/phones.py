"""Phone numbers as families type them, read with the phonenumbers library: a label and a
number on one line ("oncology ward nights +1 (555) 010-2222", "Dr Ruiz 612 345 678",
"+34 612 34 56 78 planta 3"), emergency and short numbers, internal extensions. Pure: no
Telegram, no storage, nothing typed is kept; answers carry reason keys, never sentences.

How a line is read:

- The number is the run of digits (with spaces, dots, dashes, slashes, brackets and a
  leading "+") that holds the most digits; the text around it is the label. An extension
  marker right after it ("ext. 4021", "extensión 4021", "x4021", "anexo", "int.", "#") gives
  the extension; a marker before the only digits ("ward ext. 4021") makes them one. A run
  that is not a valid number but is one once a leading or trailing group of one or two
  digits is left to the label ("Ward 3 612 345 678") is read that way.
- With "+" (or "00" when the country is unknown) it is an international number. Without,
  the family's country (`region`, from their time zone) is needed; unknown, the number is
  kept as typed and the answer says so (`region_unknown`), so the caller can ask. A local
  number without its area code ("555 0102" in the US) is kept as typed too (`local_only`).
- A possible number is accepted; one that is possible but not valid for its country (a
  made-up area code, a new range the library does not know yet) is accepted with `check`,
  so the caller can gently ask the family to check it.
- Short numbers, for the region: an emergency number of any length (911, 112, 000, 999,
  10111...) is `emergency`; any other 3-digit number the region allows as a short number
  (131 in Australia, 061 and 016 in Spain) is `short`; a 6-digit valid short number
  (116 111) is `short`; 4 and 5 digits alone are an internal `extension`, country known or
  not (hospitals' own lines; the few territories with 4- or 5-digit subscriber numbers are
  not served). Free and
  premium lines (0800, 900) are ordinary national numbers: `full`.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Literal, NamedTuple

PhoneKind = Literal["full", "short", "emergency", "extension", "as_typed"]
PhoneProblem = Literal[
    "empty",
    "text_too_long",
    "no_digits",
    "too_short",
    "too_long",
    "wrong_length",
    "country_code_unknown",
    "region_unknown",
    "local_only",
    "unreadable",
]

_MAX_TEXT = 200  # a contact line; longer text is not read (and bounds the work per message)
_SHORT_LENGTH = 3  # public short numbers of this length are accepted when the region allows
_EXTENSION_LENGTHS = range(4, 6)  # digits alone of these lengths are an internal extension
_LONGEST_SHORT = 6  # a short number this long only when valid (116 111)
_TRIMMABLE_GROUP = 2  # a leading or trailing group this short may belong to the label
_INTERNATIONAL_PREFIX = "00"  # what most of the world dials before a country code

# A number as typed: an optional "+" or "(", digits, then digits and separators ending in a
# digit (a closing bracket after it too).
_NUMBER_RUN = re.compile(r"(?:\+\s?|\()?\d(?:[\d\s().\-/–]*\d)?\)?")
_EXTENSION_MARK = r"(?:ext(?:ension|ensi[oó]n|n)?|x|anexo|int(?:erno)?|#)\.?:?\s*"
_EXTENSION_MAX_LENGTH = 7
# "... 010-2222 ext. 4021", "...0102x4021", "... 0102, extensión 4021"
_EXTENSION_AFTER = re.compile(
    rf"\s*[,;]?\s*{_EXTENSION_MARK}(\d{{1,{_EXTENSION_MAX_LENGTH}}})\b", re.IGNORECASE
)
# "ward ext. 4021", "x4021": a marker (a word of its own) right before the only digits
_EXTENSION_BEFORE = re.compile(rf"(?:^|(?<=\s)){_EXTENSION_MARK}$", re.IGNORECASE)
_NOT_DIGIT = re.compile(r"\D")
_LABEL_EDGES = " \t-–—:;,.|/"


class PhoneAnswer(NamedTuple):
    """A read contact line.

    `raw` is the line as typed (trimmed); `label` the words around the number, None if none.
    `kind` is None when nothing usable was found (`problem` says why); "as_typed" when the
    number is kept as typed (`problem` says why: region_unknown, local_only, or for an old
    saved value whatever stopped it being read).
    `e164` is set for full numbers; `display` is the number to show (international format
    for full numbers, without the extension; the digits for short ones; as typed otherwise);
    `tel_text` is what to put in a message so Telegram makes it tappable ("+15550102222";
    the digits for short numbers and extensions); `extension` is the digits of one.
    `check` asks the caller to have the family check the number (possible but not valid;
    an old saved value that could not be read)."""

    raw: str
    label: str | None
    kind: PhoneKind | None
    e164: str | None
    display: str | None
    tel_text: str | None
    extension: str | None
    check: bool
    problem: PhoneProblem | None

    @property
    def accepted(self) -> bool:
        return self.kind is not None


class _Parts(NamedTuple):
    number: str | None  # the number as typed, without the extension
    extension: str | None
    label: str | None


def read_phone(text: str, region: str | None) -> PhoneAnswer:
    """A contact line typed by a family: label, number, extension. `region` is the family's
    ISO country (from their time zone), None when unknown. Never raises."""
    raw = text.strip()
    if not raw:
        return _rejected(raw, None, "empty")
    if len(raw) > _MAX_TEXT:
        return _rejected(raw, None, "text_too_long")
    parts = _split(raw)
    if parts.number is None:
        if parts.extension is not None:
            return _answer(raw, parts.label, "extension", parts.extension, extension=parts.extension)
        return _rejected(raw, parts.label, "no_digits")
    region = _known_region(region)
    digits = _NOT_DIGIT.sub("", parts.number)
    if parts.number.startswith("+"):
        return _full(raw, parts, parts.number, None)
    if len(digits) in _EXTENSION_LENGTHS and parts.number == digits and region is None:
        return _answer(raw, parts.label, "extension", digits, extension=digits)
    if region is None:
        if digits.startswith(_INTERNATIONAL_PREFIX):
            answer = _full(raw, parts, "+" + digits[len(_INTERNATIONAL_PREFIX) :], None)
            if answer.accepted:
                return answer
        return _answer(
            raw, parts.label, "as_typed", parts.number, extension=parts.extension, problem="region_unknown"
        )
    if len(digits) <= _LONGEST_SHORT and "(" not in parts.number:
        short = _short(raw, parts, digits, region)
        if short is not None:
            return short
    return _national(raw, parts, region)


def reparse_saved(raw: str, region: str | None) -> PhoneAnswer:
    """A number saved by an earlier version (free text), read again. What does not read as a
    number is kept as typed (`as_typed`) with `check`, so the caller can calmly ask the
    family to check it; `problem` keeps the reason."""
    answer = read_phone(raw, region)
    if answer.kind not in (None, "as_typed"):
        return answer
    # kept whole: with no number in it, the saved text is the value, not a label
    label = None if answer.problem == "no_digits" else answer.label
    return answer._replace(kind="as_typed", label=label, display=answer.display or answer.raw, check=True)


def _known_region(region: str | None) -> str | None:
    import phonenumbers

    if region is None:
        return None
    region = region.upper()
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def _split(text: str) -> _Parts:
    """The number (the run with the most digits), its extension, and the label around."""
    runs = list(_NUMBER_RUN.finditer(text))
    if not runs:
        return _Parts(None, None, _label(text))
    run = max(runs, key=lambda m: len(_NOT_DIGIT.sub("", m.group())))
    start, end = run.span()
    marker = _EXTENSION_BEFORE.search(text, 0, start)
    if marker is not None and run.group().isdigit() and len(run.group()) <= _EXTENSION_MAX_LENGTH:
        return _Parts(None, run.group(), _label(text[: marker.start()], text[end:]))
    extension = _EXTENSION_AFTER.match(text, end)
    if extension is not None:
        end = extension.end()
    number = run.group().strip()
    if number.startswith("(") and number.count("(") > number.count(")"):
        number = number[1:].strip()  # "(612 345 678" inside a bracketed label
    if number.endswith(")") and number.count(")") > number.count("("):
        number = number[:-1].strip()
    return _Parts(number, extension.group(1) if extension else None, _label(text[:start], text[end:]))


def _label(*pieces: str) -> str | None:
    words = " ".join(" ".join(piece.strip(_LABEL_EDGES).split()) for piece in pieces)
    return words.strip(_LABEL_EDGES) or None


def _short(raw: str, parts: _Parts, digits: str, region: str) -> PhoneAnswer | None:
    """An emergency number, a short number or an extension, or None for a national number."""
    import phonenumbers
    from phonenumbers import NumberParseException, shortnumberinfo

    if len(digits) < _SHORT_LENGTH:
        return _rejected(raw, parts.label, "too_short")
    if shortnumberinfo.is_emergency_number(digits, region):
        return _answer(raw, parts.label, "emergency", digits)
    if len(digits) in _EXTENSION_LENGTHS:
        return _answer(raw, parts.label, "extension", digits, extension=digits)
    try:
        parsed = phonenumbers.parse(digits, region)
    except NumberParseException as error:  # "001": an international prefix and nothing after
        return _rejected(raw, parts.label, _problems()[0].get(error.error_type, "unreadable"))
    if len(digits) == _SHORT_LENGTH:
        if shortnumberinfo.is_possible_short_number_for_region(parsed, region):
            return _answer(raw, parts.label, "short", digits)
        return _rejected(raw, parts.label, "too_short")
    if shortnumberinfo.is_valid_short_number_for_region(parsed, region):
        return _answer(raw, parts.label, "short", digits)
    return None


def _national(raw: str, parts: _Parts, region: str) -> PhoneAnswer:
    """A number without "+": as typed, else with a short leading or trailing group given to
    the label, whichever reads as a valid number first."""
    assert parts.number is not None
    first = _full(raw, parts, parts.number, region)
    if first.kind == "full" and not first.check:
        return first
    for number, label in _trimmed(parts):
        answer = _full(raw, parts._replace(label=label), number, region)
        if answer.kind == "full" and not answer.check:
            return answer
    return first


def _trimmed(parts: _Parts) -> list[tuple[str, str | None]]:
    """The number without a 1-2 digit group at either end, the group joined to the label."""
    assert parts.number is not None
    groups = parts.number.split()
    found: list[tuple[str, str | None]] = []
    if len(groups) > 2 and groups[0].isdigit() and len(groups[0]) <= _TRIMMABLE_GROUP:
        found.append((" ".join(groups[1:]), _label(parts.label or "", groups[0])))
    if len(groups) > 2 and groups[-1].isdigit() and len(groups[-1]) <= _TRIMMABLE_GROUP:
        found.append((" ".join(groups[:-1]), _label(parts.label or "", groups[-1])))
    return found


@cache
def _problems() -> tuple[dict[int, PhoneProblem], dict[int, PhoneProblem]]:
    """Reason keys for phonenumbers' parse errors and for its possibility results (its
    constants, read once it is imported)."""
    from phonenumbers import NumberParseException as Error
    from phonenumbers import ValidationResult as Result

    parse_errors: dict[int, PhoneProblem] = {
        Error.INVALID_COUNTRY_CODE: "country_code_unknown",
        Error.NOT_A_NUMBER: "unreadable",
        Error.TOO_SHORT_AFTER_IDD: "too_short",
        Error.TOO_SHORT_NSN: "too_short",
        Error.TOO_LONG: "too_long",
    }
    impossible: dict[int, PhoneProblem] = {
        Result.INVALID_COUNTRY_CODE: "country_code_unknown",
        Result.TOO_SHORT: "too_short",
        Result.TOO_LONG: "too_long",
        Result.INVALID_LENGTH: "wrong_length",
    }
    return parse_errors, impossible


def _full(raw: str, parts: _Parts, number: str, region: str | None) -> PhoneAnswer:
    """A full number, from phonenumbers: accepted when possible, `check` when not valid."""
    import phonenumbers
    from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException as error:
        return _rejected(raw, parts.label, _problems()[0].get(error.error_type, "unreadable"))
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return _answer(raw, parts.label, "as_typed", number, extension=parts.extension, problem="local_only")
    problem = _problems()[1].get(reason)
    if problem is not None:
        return _rejected(raw, parts.label, problem)
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    return PhoneAnswer(
        raw,
        parts.label,
        "full",
        e164,
        phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL),
        e164,
        parts.extension,
        not phonenumbers.is_valid_number(parsed),
        None,
    )


def _answer(
    raw: str,
    label: str | None,
    kind: PhoneKind,
    shown: str,
    *,
    extension: str | None = None,
    problem: PhoneProblem | None = None,
) -> PhoneAnswer:
    """An answer without an E.164 form: shown and dialled as the digits or text given."""
    return PhoneAnswer(raw, label, kind, None, shown, shown, extension, False, problem)


def _rejected(raw: str, label: str | None, problem: PhoneProblem) -> PhoneAnswer:
    return PhoneAnswer(raw, label, None, None, None, None, None, False, problem)
