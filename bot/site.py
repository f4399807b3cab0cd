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

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
import yaml

from bot.content import MAX_PAGE, MAX_TITLE, Content, Local, Part, Section, Source

FILE = "site.yaml"
# The deep link on the hospital's poster (https://t.me/<bot>?start=site): its welcome.
START_PAYLOAD = "site"
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
    "timezone",
    "run_by",
    "website",
    "phases",
    "red_flag_words",
    "approved",
    "resources",
}
_NUMBER = {"label", "number", "hours", "open"}
_RUN_BY = {"name", "contact"}
_PAGE = {"id", "title", "description", "reviewed_by", "reviewed", "review_by", "url", "pages"}
_RESOURCE = {"label", "url"}
PAGES = "pages"  # pages/<language>/<id>.yaml
MAX_PAGES, MAX_PAGE_PAGES, MAX_RESOURCES, MAX_WORDS = 20, 8, 10, 20
PAGE_ID = re.compile(r"^[a-z0-9_]{1,20}$")
# What the hospital approves, by name: each one's fingerprint (bot.site.fingerprints) is
# recorded under `approved:`; a change after an upgrade shows "awaiting review" on the card.
APPROVALS = ("urgent_card", "red_flag_words", "medicine_lines")
# The medicine lines a hospital approves: the fixed lines about doses (content strings).
MEDICINE_LINES = (
    "medicines.not_sure",
    "medicines.already",
    "medicines.again_done",
    "medicines.vomited_after",
    "medicines.pdf_intro",
)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_OPEN = re.compile(
    r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*) "
    r"(?P<start>\d{2}:\d{2})-(?P<end>\d{2}:\d{2})$"
)
_FEVER = {"number_c", "rule", "locked"}
FEATURES = ("medicines", "counts", "log", "edcard")


class SiteError(Exception):
    """The site folder cannot be used; `problems` names each field."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Opening:
    """When a number is answered: on these weekdays (0 Monday), from `start` to `end` in the
    site's time zone (an `end` before `start` runs past midnight)."""

    days: frozenset[int]
    start: time
    end: time

    def covers(self, moment: datetime) -> bool:
        day, clock = moment.weekday(), moment.time().replace(tzinfo=None)
        if self.start < self.end:
            return day in self.days and self.start <= clock < self.end
        # past midnight: the evening of a listed day, or the small hours after one
        return (day in self.days and clock >= self.start) or ((day - 1) % 7 in self.days and clock < self.end)


@dataclass(frozen=True)
class TeamNumber:
    label: dict[str, str]  # per language
    number: str  # E.164 ("+12025550101") or a short number as written
    shown: str  # as the country writes it ("+1 202-555-0101")
    hours: dict[str, str] = field(default_factory=dict)  # per language ("" : always)
    open: tuple[Opening, ...] = ()  # when it is answered; () : always

    def answered(self, moment: datetime) -> bool:
        return not self.open or any(o.covers(moment) for o in self.open)


@dataclass(frozen=True)
class RunBy:
    """Who runs this copy of the bot (the data controller families can ask), and how to
    reach them about it (a phone number, an e-mail address or a web page)."""

    name: str
    contact: str


@dataclass(frozen=True)
class Resource:
    label: dict[str, str]
    url: str


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
    timezone: str = ""  # where the hospital is (IANA), for "answered now"
    run_by: RunBy | None = None
    website: str = ""
    phases: dict[str, dict[str, str]] = field(default_factory=dict)  # phase id -> name per language
    red_flag_words: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)  # lang -> sign
    approved: dict[str, str] = field(default_factory=dict)  # APPROVALS name -> fingerprint
    resources: tuple[Resource, ...] = ()
    pages: dict[str, tuple[Section, ...]] = field(default_factory=dict)  # per language

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "UTC")

    def now_number(self, moment: datetime) -> TeamNumber | None:
        """The number to call at this moment: the first with hours (`open:`) that is answered
        now (the day clinic in its hours), else the first answered always (the ward at
        night); None when no number has hours (nothing to choose between)."""
        if not any(n.open for n in self.numbers):
            return None
        local = moment.astimezone(self.zone())
        timed = (n for n in self.numbers if n.open and n.answered(local))
        return next(timed, None) or next((n for n in self.numbers if not n.open), None)


@dataclass(frozen=True)
class Known:
    """What the bot's own content names, for the fields that refer to it: the treatment
    phases, the card's items, and the current fingerprints of what a hospital approves."""

    phases: frozenset[str] = frozenset()
    signs: frozenset[str] = frozenset()
    fingerprints: dict[str, str] = field(default_factory=dict)


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


def problems_of(
    raw: Any, languages: tuple[str, ...], known: Known | None = None
) -> tuple[Site | None, list[str]]:
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
        opening = _openings(f"{where}.open", item.get("open"), out)
        if opening and "hours" not in item:
            out.append(f"{FILE}: {where}.hours: needed with open: (the hours as families read them)")
        if phone is not None:
            numbers.append(TeamNumber(label, phone[0], phone[1], hours, opening))
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
    zone = str(raw.get("timezone") or "")
    if zone and zone not in _zones():
        out.append(f"{FILE}: timezone: {zone!r} is not a time zone like America/New_York")
    if not zone and any(n.open for n in numbers):
        out.append(f"{FILE}: timezone: needed when a number has open: hours")
    run_by = None
    raw_run = raw.get("run_by")
    if not isinstance(raw_run, dict):
        out.append(f"{FILE}: run_by: missing (name: who runs this copy; contact: how to reach them)")
    else:
        _unknown("run_by.", raw_run, _RUN_BY, out)
        run_name, contact = str(raw_run.get("name") or "").strip(), str(raw_run.get("contact") or "").strip()
        if not run_name or len(run_name) > MAX_NAME:
            out.append(f"{FILE}: run_by.name: who runs this copy of the bot, 1 to {MAX_NAME} characters")
        if not _contact(contact, country):
            out.append(
                f"{FILE}: run_by.contact: {contact!r}; a phone number, e-mail address or https:// page"
            )
        run_by = RunBy(run_name, contact)
    website = str(raw.get("website") or "")
    if website and not _URL.match(website):
        out.append(f"{FILE}: website: {website!r} is not an https:// address")
    phases: dict[str, dict[str, str]] = {}
    raw_phases = raw.get("phases") or {}
    if not isinstance(raw_phases, dict):
        out.append(f"{FILE}: phases: phase id: {{en: …, es: …}}")
    else:
        for pid, names in raw_phases.items():
            if known is not None and pid not in known.phases:
                out.append(f"{FILE}: phases.{pid}: no such phase (known: {', '.join(sorted(known.phases))})")
            phases[str(pid)] = _texts(f"phases.{pid}", names, languages, MAX_LABEL, out)
    words = _red_flag_words(raw.get("red_flag_words"), languages, known, out)
    approved: dict[str, str] = {}
    raw_approved = raw.get("approved") or {}
    if not isinstance(raw_approved, dict):
        out.append(f"{FILE}: approved: {', '.join(APPROVALS)}: the fingerprints site-check prints")
    else:
        for key, value in raw_approved.items():
            if key not in APPROVALS:
                out.append(f"{FILE}: approved.{key}: unknown (known: {', '.join(APPROVALS)})")
            elif not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]{16}", value):
                out.append(f"{FILE}: approved.{key}: {value!r}; the 16-letter fingerprint site-check prints")
            else:
                approved[key] = value
    resources: list[Resource] = []
    raw_resources = raw.get("resources") or []
    if not isinstance(raw_resources, list) or len(raw_resources) > MAX_RESOURCES:
        out.append(f"{FILE}: resources: a list of at most {MAX_RESOURCES} (label: and url:)")
        raw_resources = []
    for i, item in enumerate(raw_resources):
        where = f"resources[{i}]"
        if not isinstance(item, dict):
            out.append(f"{FILE}: {where}: must have a label: and a url:")
            continue
        _unknown(f"{where}.", item, _RESOURCE, out)
        url = str(item.get("url") or "")
        if not _URL.match(url):
            out.append(f"{FILE}: {where}.url: {url!r} is not an https:// address")
        resources.append(
            Resource(_texts(f"{where}.label", item.get("label"), languages, MAX_LABEL, out), url)
        )
    if out:
        return None, out
    return (
        Site(
            name.strip(),
            updated,
            country,
            languages,
            tuple(numbers),
            emergency,
            fever,
            ed_line,
            features,
            timezone=zone,
            run_by=run_by,
            website=website,
            phases=phases,
            red_flag_words=words,
            approved=approved,
            resources=tuple(resources),
        ),
        [],
    )


_URL = re.compile(r"^https://[^\s/]+\.[^\s]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


def _zones() -> set[str]:
    return available_timezones()


def _contact(text: str, country: str) -> bool:
    if _URL.match(text) or _EMAIL.match(text):
        return True
    return _phone("run_by.contact", text, country, []) is not None and any(c.isdigit() for c in text)


def _openings(where: str, value: Any, out: list[str]) -> tuple[Opening, ...]:
    """`open: "mon-fri 08:00-17:00"` or a list of such; absent: always answered."""
    if value is None:
        return ()
    given = [value] if isinstance(value, str) else value
    if not isinstance(given, list):
        out.append(f'{FILE}: {where}: like "mon-fri 08:00-17:00", or a list of such')
        return ()
    found: list[Opening] = []
    for text in given:
        match = _OPEN.match(str(text).strip().lower())
        if match is None:
            out.append(f'{FILE}: {where}: {text!r}; like "mon-fri 08:00-17:00" or "sat,sun 09:00-13:00"')
            continue
        days: set[int] = set()
        for span in match["days"].split(","):
            first, _, last = span.partition("-")
            if first not in _DAYS or (last and last not in _DAYS):
                out.append(f"{FILE}: {where}: {span!r}; days are {', '.join(_DAYS)}")
                break
            a, b = _DAYS.index(first), _DAYS.index(last or first)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        try:
            start, end = time.fromisoformat(match["start"]), time.fromisoformat(match["end"])
        except ValueError:
            out.append(f"{FILE}: {where}: {text!r}; times are 00:00 to 23:59")
            continue
        if start == end:
            out.append(f"{FILE}: {where}: {text!r}; it opens and closes at the same time")
            continue
        found.append(Opening(frozenset(days), start, end))
    return tuple(found)


def _red_flag_words(
    raw: Any, languages: tuple[str, ...], known: Known | None, out: list[str]
) -> dict[str, dict[str, tuple[str, ...]]]:
    """`red_flag_words: {en: {port: ["broviac"]}}`: local names for the card's items, heard
    like the card's own words (added, never replacing them)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        out.append(f"{FILE}: red_flag_words: per language, card item: [words]")
        return {}
    words: dict[str, dict[str, tuple[str, ...]]] = {}
    for language, by_sign in raw.items():
        if language not in languages:
            out.append(f"{FILE}: red_flag_words.{language}: not a language this bot offers")
            continue
        if not isinstance(by_sign, dict):
            out.append(f"{FILE}: red_flag_words.{language}: card item: [words]")
            continue
        for sign, items in by_sign.items():
            where = f"red_flag_words.{language}.{sign}"
            if known is not None and sign not in known.signs:
                out.append(f"{FILE}: {where}: no such card item (see python -m bot red-flag-table)")
                continue
            if (
                not isinstance(items, list)
                or not items
                or len(items) > MAX_WORDS
                or not all(isinstance(w, str) and w.strip() and len(w) <= 60 for w in items)
            ):
                out.append(f"{FILE}: {where}: a list of 1 to {MAX_WORDS} words or phrases")
                continue
            odd = [
                w for w in items if "$" in w or any(not alt for slot in w.split() for alt in slot.split("|"))
            ]
            if odd:
                out.append(f"{FILE}: {where}: {odd[0]!r}; plain words, 'a|b' for either word, no $sets")
                continue
            words.setdefault(language, {})[str(sign)] = tuple(w.strip() for w in items)
    return words


def _date(value: Any) -> date | None:
    if isinstance(value, date):  # YAML reads 2027-01-15 as a date
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _page(path: Path, where: str, site_name: str, out: list[str]) -> Section | None:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        out.append(f"{where}: not valid YAML in UTF-8 ({getattr(exc, 'problem', exc)})")
        return None
    if not isinstance(raw, dict):
        out.append(f"{where}: must be a mapping (id:, title:, description:, reviewed_by:, …, pages:)")
        return None
    before = len(out)
    for key in sorted(set(raw) - _PAGE):
        out.append(f"{where}: {key}: unknown key (allowed: {', '.join(sorted(_PAGE))})")
    pid = str(raw.get("id") or "")
    if not PAGE_ID.match(pid):
        out.append(f"{where}: id: {pid!r}; 1 to 20 of a-z 0-9 _")
    elif pid != path.stem:
        out.append(f"{where}: id: {pid!r} must be the file's name ({path.stem})")
    texts: dict[str, str] = {}
    for key, limit in (("title", MAX_TITLE), ("description", 120), ("reviewed_by", 80)):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            out.append(f"{where}: {key}: missing")
        elif len(value.strip()) > limit:
            out.append(f"{where}: {key}: {len(value.strip())} characters; at most {limit}")
        else:
            texts[key] = value.strip()
    reviewed, review_by = _date(raw.get("reviewed")), _date(raw.get("review_by"))
    if reviewed is None:
        out.append(f"{where}: reviewed: the day it was reviewed, YYYY-MM-DD")
    if review_by is None:
        out.append(f"{where}: review_by: the day its review runs out, YYYY-MM-DD")
    elif reviewed is not None and review_by <= reviewed:
        out.append(f"{where}: review_by: {review_by} is not after reviewed: {reviewed}")
    url = str(raw.get("url") or "")
    if url and not _URL.match(url):
        out.append(f"{where}: url: {url!r} is not an https:// address")
    pages = raw.get("pages")
    if not isinstance(pages, list) or not 1 <= len(pages) <= MAX_PAGE_PAGES:
        out.append(f"{where}: pages: a list of 1 to {MAX_PAGE_PAGES} pages")
        pages = []
    for i, text in enumerate(pages):
        if not isinstance(text, str) or not text.strip():
            out.append(f"{where}: pages[{i}]: empty")
        elif len(text) > MAX_PAGE:
            out.append(f"{where}: pages[{i}]: {len(text)} characters; at most {MAX_PAGE}")
    if len(out) > before or reviewed is None or review_by is None:
        return None
    title = texts["title"]
    shown = tuple(str(t).strip() for t in pages)
    return Section(
        id=f"h_{pid}",
        order=1000,
        title=title,
        command="",
        description=texts["description"],
        opens=None,
        sensitive=False,
        source=Source(site_name, reviewed.isoformat(), url),
        key_points=(),
        parts=(Part("", title, False, shown),),
        has_parts=False,
        local=Local(site_name, texts["reviewed_by"], reviewed, review_by, url),
    )


def _pages(folder: Path, site: Site, out: list[str]) -> dict[str, tuple[Section, ...]]:
    """pages/<language>/<id>.yaml: the hospital's own pages, every language with the same
    ids (a page one language lacks would vanish for those families: refused, not guessed)."""
    root = folder / PAGES
    if not root.is_dir():
        return {}
    found: dict[str, tuple[Section, ...]] = {}
    for extra in sorted(p.name for p in root.iterdir() if p.is_dir() and p.name not in site.languages):
        out.append(f"{PAGES}/{extra}: not a language this bot offers ({', '.join(site.languages)})")
    for language in site.languages:
        files = sorted((root / language).glob("*.yaml")) if (root / language).is_dir() else []
        if len(files) > MAX_PAGES:
            out.append(f"{PAGES}/{language}: {len(files)} pages; at most {MAX_PAGES}")
        sections = [_page(f, f"{PAGES}/{language}/{f.name}", site.name, out) for f in files]
        found[language] = tuple(s for s in sections if s is not None)
    first = site.languages[0]
    ids = {language: [s.id for s in sections] for language, sections in found.items()}
    for language in site.languages[1:]:
        for sid in sorted(set(ids[first]) ^ set(ids[language])):
            lacking = language if sid in ids[first] else first
            out.append(f"{PAGES}/{lacking}/{sid[2:]}.yaml: missing (every language needs the same pages)")
    # Listed in the order of the first language's files; a link to a page opens the same
    # page in every language (anchors from the first language's text).
    order = {sid: n for n, sid in enumerate(ids[first])}
    anchors = {s.id: s.parts[0].pages for s in found[first]}
    return {
        language: tuple(
            replace(
                s,
                order=1000 + order.get(s.id, 0),
                parts=(replace(s.parts[0], anchor_pages=anchors.get(s.id)),),
            )
            for s in sorted(sections, key=lambda s: order.get(s.id, 0))
        )
        for language, sections in found.items()
    }


def problems(
    folder: Path, languages: tuple[str, ...], known: Known | None = None
) -> tuple[Site | None, list[str]]:
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
    site, found = problems_of(raw, languages, known)
    if site is None:
        return None, found
    pages = _pages(folder, site, found)
    if found:
        return None, found
    return replace(site, pages=pages), []


def load(folder: Path, languages: tuple[str, ...], known: Known | None = None) -> Site:
    site, found = problems(folder, languages, known)
    if site is None:
        raise SiteError(found)
    return site


# ---- approvals, and the site laid over the bot's content ------------------------------------------
def _fingerprint(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprints(contents: Mapping[str, Content]) -> dict[str, str]:
    """What a hospital approves, each as a short hash of its words in every language: the
    urgent card's lines, its red-flag words, the fixed medicine lines. Any change to one
    (an upgrade) changes its fingerprint."""
    card, words, lines = {}, {}, {}
    for language in sorted(contents):
        c = contents[language]
        u = c.urgent
        card[language] = [
            u.title,
            u.general_note,
            [[g.id, g.title, [[s.id, s.text] for s in g.signs]] for g in u.groups],
            list(u.advice),
            u.no_number,
        ]
        words[language] = [[[s.id, list(s.words)] for s in u.signs], {k: list(v) for k, v in u.sets.items()}]
        lines[language] = [c.strings.raw(key) for key in MEDICINE_LINES]
    return {
        "urgent_card": _fingerprint(card),
        "red_flag_words": _fingerprint(words),
        "medicine_lines": _fingerprint(lines),
    }


def known_of(contents: Mapping[str, Content]) -> Known:
    first = next(iter(contents.values()))
    return Known(
        phases=frozenset(p.id for p in first.phases),
        signs=frozenset(s.id for s in first.urgent.signs),
        fingerprints=fingerprints(contents),
    )


def awaiting(site: Site, current: Mapping[str, str]) -> tuple[str, ...]:
    """What the hospital has not approved in its current words (none recorded, or changed)."""
    return tuple(name for name in APPROVALS if site.approved.get(name) != current.get(name))


def apply(contents: Mapping[str, Content], site: Site) -> dict[str, Content]:
    """Each language's content with the site laid over it: the hospital's pages after the
    guide's sections, its phase names, its local words for the card's items (added to the
    card's own, heard the same way)."""
    out: dict[str, Content] = {}
    for language, content in contents.items():
        phases = tuple(
            replace(p, label=site.phases[p.id][language]) if language in site.phases.get(p.id, {}) else p
            for p in content.phases
        )
        extra = site.red_flag_words.get(language, {})
        urgent, red_flags = content.urgent, content.red_flags
        if extra:
            groups = tuple(
                replace(
                    g,
                    signs=tuple(replace(s, words=s.words + extra.get(s.id, ())) for s in g.signs),
                )
                for g in urgent.groups
            )
            urgent = replace(urgent, groups=groups)
            if red_flags is not None:
                red_flags = replace(red_flags, signs=urgent.signs)
        out[language] = replace(
            content,
            sections=content.sections + site.pages.get(language, ()),
            phases=phases,
            urgent=urgent,
            red_flags=red_flags,
            _by_id={},
            _questions={},
        )
    return out


def warnings(site: Site, current: Mapping[str, str], today: date) -> list[str]:
    """What site-check warns of without refusing: pages past (or within 30 days of) their
    review-by day, and approvals that do not match the bot's current words."""
    found: list[str] = []
    first = site.languages[0]
    for section in site.pages.get(first, ()):
        assert section.local is not None
        days = (section.local.review_by - today).days
        where = f"{PAGES}/*/{section.id[2:]}.yaml: review_by: {section.local.review_by}"
        if days < 0:
            found.append(f"{where} has passed: families see 'under review' instead of this page")
        elif days <= 30:
            found.append(f"{where} is in {days} days")
    for name in awaiting(site, current):
        given = site.approved.get(name)
        state = "not recorded" if given is None else f"{given} was approved, the bot now has"
        found.append(
            f"{FILE}: approved.{name}: {state} {current.get(name)}; until it is recorded, "
            "the card says it awaits your hospital's review"
        )
    return found


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
    if site.run_by is not None:
        lines.append(f"Run by: {site.run_by.name} ({site.run_by.contact})")
    for pid, names in site.phases.items():
        lines.append(f"Phase {pid} is called: {names[language]}")
    for sign, words in site.red_flag_words.get(language, {}).items():
        lines.append(f"Also heard as {sign}: {', '.join(words)}")
    for page in site.pages.get(language, ()):
        assert page.local is not None
        lines.append(
            f"Page: {page.title} ({len(page.parts[0].pages)} page(s)), reviewed by "
            f"{page.local.reviewed_by} on {page.local.reviewed}, review by {page.local.review_by}"
        )
    for resource in site.resources:
        lines.append(f"Resource: {resource.label[language]} <{resource.url}>")
    return "\n".join(lines)
