"""A hospital's own folder (`SITE_DIR`): its name, its team's numbers, its fever rule and what
else it sets for the families it gives this bot to, read from `site.yaml` and checked before
the bot starts. Pure: YAML and phonenumbers in, a `Site` or a list of problems out, each
naming the file and the field ("site.yaml: numbers[1].number: …").

    site = load(Path("deploy/example-site"), languages=("en", "es"))   # SiteError if broken
    problems(Path(...), languages)                                     # every problem, or []

Decisions:
- **One site per deployment** (one bot token): the folder is read once at start-up; a broken
  folder stops the bot with one line per problem (exit 2), never a half-read site.
- **Every language the bot offers must be in every text the site gives** (a number's label, the
  fever rule's words): a label in the wrong language at 3 a.m. is worse than a deployment
  that refuses to start, and `python -m bot site-check` names the field to fill.
- Numbers must be possible phone numbers for the site's country (phonenumbers), or short
  numbers of that country (a ward's extension is written with its switchboard number).
- The fever number is one a care team could give: 37.5 to 38.5 °C, as the family's own.
- Unknown keys are refused: a typo ("fevr:") must not silently leave the default in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

FILE = "site.yaml"
FEVER_LOW, FEVER_HIGH = 37.5, 38.5
MAX_NAME, MAX_LABEL, MAX_RULE, MAX_HOURS = 80, 60, 300, 40
MAX_NUMBERS = 8
_TOP = {
    "name",
    "updated",
    "country",
    "languages",
    "numbers",
    "emergency_number",
    "fever",
    "ed_card_line",
    "features",
}
_NUMBER = {"label", "number", "hours"}
_FEVER = {"number_c", "rule", "locked"}
FEATURES = ("medicines", "counts", "log", "edcard")


class SiteError(Exception):
    """The site folder cannot be used; `problems` names each field."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TeamNumber:
    label: dict[str, str]  # per language
    number: str  # E.164 ("+12025550101") or a short number as written
    shown: str  # as the country writes it ("+1 202-555-0101")
    hours: dict[str, str] = field(default_factory=dict)  # per language ("" : always)


@dataclass(frozen=True)
class Fever:
    number_c: float
    rule: dict[str, str]  # per language
    locked: bool  # families cannot set their own number above it (the lower one counts anyway)


@dataclass(frozen=True)
class Site:
    name: str
    updated: str  # the day the hospital last checked this folder (ISO), shown with its lines
    country: str  # ISO 3166 alpha-2
    languages: tuple[str, ...]
    numbers: tuple[TeamNumber, ...]
    emergency_number: str | None
    fever: Fever | None
    ed_card_line: dict[str, str]
    features: dict[str, bool]


def _texts(where: str, value: Any, languages: tuple[str, ...], limit: int, out: list[str]) -> dict[str, str]:
    """A text per language ({en: …, es: …}), each language the bot offers present."""
    if not isinstance(value, dict):
        out.append(f"{FILE}: {where}: must be a text per language, like {{en: …, es: …}}")
        return {}
    texts: dict[str, str] = {}
    for language in languages:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            out.append(f"{FILE}: {where}.{language}: missing (every language the bot offers is needed)")
        elif len(text) > limit:
            out.append(f"{FILE}: {where}.{language}: {len(text)} characters; at most {limit}")
        else:
            texts[language] = text.strip()
    for extra in sorted(set(value) - set(languages)):
        out.append(f"{FILE}: {where}.{extra}: not a language this bot offers ({', '.join(languages)})")
    return texts


def _unknown(where: str, given: dict[str, Any], allowed: set[str], out: list[str]) -> None:
    for key in sorted(set(given) - allowed):
        out.append(f"{FILE}: {where}{key}: unknown key (allowed: {', '.join(sorted(allowed))})")


def _phone(where: str, value: Any, country: str, out: list[str]) -> tuple[str, str] | None:
    if not isinstance(value, str | int):
        out.append(f"{FILE}: {where}: must be a phone number")
        return None
    text = str(value).strip()
    try:
        parsed = phonenumbers.parse(text, country or None)
    except phonenumbers.NumberParseException:
        out.append(f"{FILE}: {where}: {text!r} is not a phone number")
        return None
    region = phonenumbers.region_code_for_number(parsed) or country
    if phonenumbers.is_possible_short_number_for_region(parsed, country) and not text.startswith("+"):
        return text, text
    if not phonenumbers.is_possible_number(parsed):
        out.append(f"{FILE}: {where}: {text!r} is not a possible phone number in {region or country}")
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def problems_of(raw: Any, languages: tuple[str, ...]) -> tuple[Site | None, list[str]]:
    """The site, or None, and every problem found (each naming the file and the field)."""
    out: list[str] = []
    if not isinstance(raw, dict):
        return None, [f"{FILE}: must be a mapping of keys (name:, country:, numbers: …)"]
    _unknown("", raw, _TOP, out)
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        out.append(f"{FILE}: name: missing (the hospital's name, as families know it)")
        name = ""
    elif len(name) > MAX_NAME:
        out.append(f"{FILE}: name: {len(name)} characters; at most {MAX_NAME}")
    updated = str(raw.get("updated") or "")
    try:
        date.fromisoformat(updated)
    except ValueError:
        out.append(
            f"{FILE}: updated: {raw.get('updated')!r}; the day the hospital last checked it, YYYY-MM-DD"
        )
    country = str(raw.get("country") or "").upper()
    if country not in phonenumbers.SUPPORTED_REGIONS:
        out.append(f"{FILE}: country: {raw.get('country')!r} is not a country code like US, ES, GB")
        country = ""
    given_languages = raw.get("languages")
    if given_languages is not None and (
        not isinstance(given_languages, list) or sorted(map(str, given_languages)) != sorted(languages)
    ):
        out.append(f"{FILE}: languages: must be the languages this bot offers: {', '.join(languages)}")
    numbers: list[TeamNumber] = []
    raw_numbers = raw.get("numbers")
    if not isinstance(raw_numbers, list) or not raw_numbers:
        out.append(f"{FILE}: numbers: at least one of the care team's numbers is needed")
        raw_numbers = []
    if len(raw_numbers) > MAX_NUMBERS:
        out.append(f"{FILE}: numbers: {len(raw_numbers)} numbers; at most {MAX_NUMBERS}")
    for i, item in enumerate(raw_numbers):
        where = f"numbers[{i}]"
        if not isinstance(item, dict):
            out.append(f"{FILE}: {where}: must have a label: and a number:")
            continue
        _unknown(f"{where}.", item, _NUMBER, out)
        label = _texts(f"{where}.label", item.get("label"), languages, MAX_LABEL, out)
        phone = _phone(f"{where}.number", item.get("number"), country, out)
        hours = _texts(f"{where}.hours", item["hours"], languages, MAX_HOURS, out) if "hours" in item else {}
        if phone is not None:
            numbers.append(TeamNumber(label, phone[0], phone[1], hours))
    emergency = raw.get("emergency_number")
    if emergency is not None:
        text = str(emergency).strip()
        try:
            parsed = phonenumbers.parse(text, country or None)
            ok = phonenumbers.is_emergency_number(text, country) or phonenumbers.is_possible_short_number(
                parsed
            )
        except phonenumbers.NumberParseException:
            ok = False
        if not ok:
            out.append(f"{FILE}: emergency_number: {text!r} is not an emergency number in {country or '?'}")
        emergency = text
    fever = None
    raw_fever = raw.get("fever")
    if raw_fever is not None:
        if not isinstance(raw_fever, dict):
            out.append(f"{FILE}: fever: must have number_c:, rule: and locked:")
        else:
            _unknown("fever.", raw_fever, _FEVER, out)
            number = raw_fever.get("number_c")
            if (
                not isinstance(number, int | float)
                or isinstance(number, bool)
                or not (FEVER_LOW <= float(number) <= FEVER_HIGH)
            ):
                out.append(
                    f"{FILE}: fever.number_c: {number!r}; a number from {FEVER_LOW} to {FEVER_HIGH} (°C)"
                )
                number = None
            rule = _texts("fever.rule", raw_fever.get("rule"), languages, MAX_RULE, out)
            locked = raw_fever.get("locked", False)
            if not isinstance(locked, bool):
                out.append(f"{FILE}: fever.locked: true or false")
            if number is not None:
                fever = Fever(round(float(number), 1), rule, bool(locked))
    ed_line = (
        _texts("ed_card_line", raw["ed_card_line"], languages, MAX_RULE, out) if "ed_card_line" in raw else {}
    )
    features: dict[str, bool] = dict.fromkeys(FEATURES, True)
    raw_features = raw.get("features") or {}
    if not isinstance(raw_features, dict):
        out.append(f"{FILE}: features: a list of feature: true/false")
    else:
        for key, value in raw_features.items():
            if key not in FEATURES:
                out.append(f"{FILE}: features.{key}: unknown feature (known: {', '.join(FEATURES)})")
            elif not isinstance(value, bool):
                out.append(f"{FILE}: features.{key}: true or false")
            else:
                features[key] = value
    if out:
        return None, out
    return (
        Site(name.strip(), updated, country, languages, tuple(numbers), emergency, fever, ed_line, features),
        [],
    )


def problems(folder: Path, languages: tuple[str, ...]) -> tuple[Site | None, list[str]]:
    path = folder / FILE
    if not folder.is_dir():
        return None, [f"{folder}: no such folder (SITE_DIR)"]
    if not path.is_file():
        return None, [f"{FILE}: missing in {folder}"]
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        return None, [f"{FILE}: {where}: not valid YAML ({getattr(exc, 'problem', exc)})"]
    except UnicodeDecodeError:
        return None, [f"{FILE}: not UTF-8 text"]
    return problems_of(raw, languages)


def load(folder: Path, languages: tuple[str, ...]) -> Site:
    site, found = problems(folder, languages)
    if site is None:
        raise SiteError(found)
    return site


def describe(site: Site, language: str) -> str:
    """What families will see, for `site-check`."""
    lines = [f"{site.name} ({site.country}), languages: {', '.join(site.languages)}", "Care team numbers:"]
    for n in site.numbers:
        hours = f" — {n.hours[language]}" if n.hours else ""
        lines.append(f"  {n.label[language]}: {n.shown}{hours}")
    if site.emergency_number:
        lines.append(f"Emergency number: {site.emergency_number}")
    if site.fever:
        locked = " (locked)" if site.fever.locked else ""
        lines.append(f"Fever number: {site.fever.number_c:.1f} °C{locked}; rule: {site.fever.rule[language]}")
    if site.ed_card_line:
        lines.append(f"Line for emergency staff: {site.ed_card_line[language]}")
    off = [k for k, on in site.features.items() if not on]
    lines.append(f"Features off: {', '.join(off) if off else 'none'}")
    return "\n".join(lines)
