"""Content YAML -> frozen, typed objects. Refuses to load anything broken, naming file and field."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import string
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from bot.readability import FORMULAS, Syllables
from bot.redflags import NumberWords, RedFlags, Sign
from bot.when import NAMES, PHRASES, SHOWN, TEMPLATES, DateWords, check_words
from bot.zones import ZoneWords, zone_key

ID = re.compile(r"^[a-z0-9_]{1,24}$")
COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_PAGE = 3000
MAX_TITLE = 40
MAX_LABEL = 30
MAX_QUESTION = 200
OPENS = {"checklist", "questions"}
# A cross-reference in page text, as each language's profile writes it ("the {title}
# section", "la sección {title}"): the bot makes it a button; the content check refuses one
# that names no section.
TITLE = "{title}"
# A name that looks like a title, before the phrase's closing words ("the Hair Care section").
_TITLE_LIKE = r"[\w'’-]+(?: [\w'’-]+){0,5}?"


# The phrases load_content has read, by language code: only for callers that still pass a
# language code instead of the phrase (handlers/guide.py, until it passes the profile's).
@lru_cache(maxsize=64)
def _phrase(phrase: str) -> tuple[re.Pattern[str], str, re.Pattern[str] | None]:
    """(where a reference begins: the phrase's opening words at a word's start, their first
    letter in either case ("the"/"The", "la"/"La"); its closing words; a name that looks like
    a title before them, when there are closing words)."""
    opening, _, closing = phrase.partition(TITLE)
    first = opening[0]
    head = f"[{re.escape(first.lower())}{re.escape(first.upper())}]" if first.isalpha() else re.escape(first)
    start = re.compile(r"(?<!\w)" + head + re.escape(opening[1:]))
    title_like = re.compile(f"({_TITLE_LIKE}){re.escape(closing)}(?!\\w)") if closing else None
    return start, closing, title_like


def cross_references(text: str, titles: Collection[str], phrase: str) -> tuple[list[str], list[str]]:
    """(titles referred to, references to no known title) in a page's text. `phrase`: the
    language's cross-reference phrase ("the {title} section"); a reference names a title
    exactly (case aside), starting with a capital letter or a digit."""
    start, closing, unknown_title = _phrase(phrase)
    known = {t.lower(): t for t in titles}
    found: list[str] = []
    unknown: list[str] = []
    for match in start.finditer(text):
        rest = text[match.end() :].split("\n", 1)[0]
        if not (rest[:1].isupper() or rest[:1].isdigit()):
            continue
        lower = rest.lower()
        best = max(
            (
                t
                for t in known
                if lower.startswith(t + closing.lower()) and not lower[len(t) + len(closing) :][:1].isalnum()
            ),
            key=len,
            default=None,
        )
        if best is not None:
            found.append(known[best])
        elif unknown_title is None:
            unknown.append(" ".join(rest.split()[:3]))
        elif named := unknown_title.match(rest):
            unknown.append(named.group(1))
    return found, unknown


# Notes about the source or our editing must never reach a parent.
EDITOR_NOTES = re.compile(
    r"guide's table|the source (?:text|table|lost|says)|table (?:was|were|is) (?:cut|lost)"
    r"|cut off here|were lost|was lost|we named|we left out|in this version we",
    re.IGNORECASE,
)


class ContentError(Exception):
    """Broken content: the message names the file, the field and the rule."""


@dataclass(frozen=True)
class Source:
    name: str
    approved: str
    url: str


@dataclass(frozen=True)
class Part:
    id: str  # "" for a section without sub-parts
    title: str
    sensitive: bool
    pages: tuple[str, ...]
    sensitive_pages: frozenset[int] = frozenset()  # hard pages in an otherwise plain part
    # The pages anchors are made from: the first language's, so a link made in one language
    # opens the same page in another.
    anchor_pages: tuple[str, ...] | None = None

    def asks_first(self, page: int) -> bool:
        return self.sensitive or page in self.sensitive_pages

    @property
    def anchors(self) -> tuple[str, ...]:
        """A short id per page, made from its heading (or first words), so a link to a page
        still finds it when the text is split into pages differently later."""
        return page_anchors(self.anchor_pages or self.pages)

    def page_of(self, anchor: str) -> int | None:
        anchors = self.anchors
        return anchors.index(anchor) if anchor in anchors else None


@lru_cache(maxsize=1024)
def page_anchors(pages: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for text in pages:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        heading = next((line[3:] for line in lines if line.startswith("## ")), None)
        basis = heading if heading is not None else " ".join(" ".join(lines).split()[:8])
        digest = hashlib.blake2b(" ".join(basis.lower().split()).encode(), digest_size=5)
        anchor = base64.b32encode(digest.digest()).decode().lower().rstrip("=")
        while anchor in out:  # two pages with the same heading: number the later ones
            anchor = f"{anchor[:7]}{len(out) % 10}"
        out.append(anchor)
    return tuple(out)


@dataclass(frozen=True)
class Local:
    """A hospital's own page (its site folder, bot.site), not the guide's: who reviewed it,
    when, and the day its review runs out (after it, families see "under review")."""

    hospital: str
    reviewed_by: str  # a role ("Oncology nurse educator")
    reviewed: date
    review_by: date
    url: str = ""  # the hospital's page for it, if any

    def expired(self, today: date) -> bool:
        return today > self.review_by


@dataclass(frozen=True)
class Section:
    id: str
    order: int
    title: str
    command: str
    description: str
    opens: str | None
    sensitive: bool
    source: Source
    key_points: tuple[str, ...]
    parts: tuple[Part, ...]
    has_parts: bool
    aliases: tuple[str, ...] = ()  # more command names in this language (ASCII)
    local: Local | None = None  # a hospital's own page (no command; listed under its name)

    def part(self, part_id: str) -> Part | None:
        for part in self.parts:
            if part.id == part_id:
                return part
        return None


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    label: str
    explain: str


@dataclass(frozen=True)
class Checklist:
    title: str
    intro: str
    advice: tuple[str, ...]
    items: tuple[ChecklistItem, ...]

    def item(self, item_id: str) -> ChecklistItem | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True)
class GuideQuestion:
    id: str
    group: str
    text: str
    section: str
    part: str
    explain: str = ""  # what its hard words mean, as its section explains them


@dataclass(frozen=True)
class QuestionGroup:
    id: str
    title: str
    questions: tuple[GuideQuestion, ...]


# The in-treatment answers (handlers.privacy): "finished" is the one that is not in treatment;
# until a family answers, and for "unsure", the child is taken to be in treatment.
TREATMENT_ANSWERS = ("treated", "new", "finished", "unsure")
MAX_PHASE_PAGES = 3  # the pages a phase suggests on the home


@dataclass(frozen=True)
class PageRef:
    """One page of the guide: a section, its part ("" without parts), the page (0 = first),
    and the heading it was named by (in the content's language)."""

    section: str
    part: str
    page: int
    heading: str = ""


@dataclass(frozen=True)
class Phase:
    """A treatment phase a family can name (content/phases.yaml): its label, the in-treatment
    answer it sets, the question groups it puts first and the pages the home suggests."""

    id: str
    label: str
    treatment: str  # one of TREATMENT_ANSWERS
    questions: tuple[str, ...]  # question group ids, put first
    pages: tuple[PageRef, ...]
    note: str = ""  # a line under the home's line


@dataclass(frozen=True)
class LateEffect:
    id: str
    subject: str  # the treatment (by_treatment) or the organ (by_organ)
    treatment: str
    effects: tuple[str, ...]


@dataclass(frozen=True)
class LateEffects:
    by_treatment: tuple[LateEffect, ...]
    by_organ: tuple[LateEffect, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    definition: str
    section: str
    forms: tuple[str, ...] = ()  # other ways pages write it (plural, abbreviation)


@dataclass(frozen=True)
class UrgentGroup:
    id: str  # emergency, care_team
    title: str  # who to call ("Call your care team now, day or night, if your child has:")
    signs: tuple[Sign, ...]


@dataclass(frozen=True)
class UrgentCard:
    title: str
    general_note: str
    groups: tuple[UrgentGroup, ...]
    advice: tuple[str, ...]
    review: str = ""  # who has reviewed the card (until a clinician has: that nobody has)
    no_number: str = ""  # the general emergency-number line, until the family has their own
    sets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    numbers: NumberWords = field(default_factory=NumberWords)

    @property
    def signs(self) -> tuple[Sign, ...]:
        return tuple(sign for group in self.groups for sign in group.signs)

    def reviewed(self, sign_ids: Collection[str] | None = None) -> bool:
        """Has a clinician signed off every item (or every one of `sign_ids`)?"""
        return all(
            s.reviewed_by and s.reviewed_on for s in self.signs if sign_ids is None or s.id in sign_ids
        )

    def sign(self, sign_id: str) -> Sign | None:
        return next((s for s in self.signs if s.id == sign_id), None)

    def group_of(self, sign_id: str) -> UrgentGroup | None:
        return next((g for g in self.groups if any(s.id == sign_id for s in g.signs)), None)


@dataclass(frozen=True)
class EmergencyCountry:
    """One row of the emergency-number table: a country (or a group sharing a number)."""

    id: str
    name: str  # "Mexico", as it reads after "in": "the United States"
    zones: tuple[str, ...]  # ISO country codes whose time zones lead here
    number: str  # the number to call ("911")
    also: str  # more about it ("131 is the ambulance (SAMU)"), or ""
    source: str  # the service it comes from
    decimal_comma: bool = False  # 38,5 rather than 38.5, as the country writes it


@dataclass(frozen=True)
class EmergencyTable:
    checked: str  # who checked it; until someone has, that nobody has
    countries: tuple[EmergencyCountry, ...]

    def country(self, country_id: str | None) -> EmergencyCountry | None:
        return next((c for c in self.countries if c.id == country_id), None)

    def for_code(self, iso: str | None) -> EmergencyCountry | None:
        """The row for an ISO country code (from a time zone), or None: never a guess."""
        return next((c for c in self.countries if iso and iso.upper() in c.zones), None)


@dataclass(frozen=True)
class SearchWords:
    """How typed text is read: the stemmer's language, words that carry no topic,
    greetings, and the parent's words that lead to the guide's."""

    language: str
    stop_words: frozenset[str]
    greetings: frozenset[str]
    synonyms: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class ReadingEase:
    """The reading-ease rule the content check applies to a language."""

    formula: str  # a name in bot.readability.FORMULAS: flesch-kincaid, inflesz
    section: float  # each section's bar: at most this grade, or at least this ease
    guide: float  # the whole guide's bar


@dataclass(frozen=True)
class Profile:
    """How the engine treats a language: its folder's `language.yaml` (docs/CONTENT.md)."""

    cross_reference: str  # how a page names another section: "the {title} section"
    reading_ease: ReadingEase
    syllables: Syllables
    # The bot's commands under this language's names (its "/" menu shows the first; every
    # name works for everyone): command name -> names ("help" -> ("ayuda",)).
    commands: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # How dates and times are typed and shown back (bot/when.py); None: numbers only.
    dates: DateWords | None = None
    # Time zones named in words ("CST", "hora del centro"; bot/zones.py); None: none.
    zones: ZoneWords | None = None


class _DateFormatter(string.Formatter):
    """str.format, with day and month names (%a %A %b %B) in the content's language."""

    def __init__(self, names: Mapping[str, list[str]]):
        super().__init__()
        self.names = names

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, date) and format_spec and self.names:
            spec = format_spec
            for code, key, index in (
                ("%A", "day_names", value.weekday()),
                ("%a", "day_abbr", value.weekday()),
                ("%B", "month_names", value.month - 1),
                ("%b", "month_abbr", value.month - 1),
            ):
                if code in spec and key in self.names:
                    spec = spec.replace(code, self.names[key][index].replace("%", "%%"))
            return value.strftime(spec)
        return str(super().format_field(value, format_spec))


class Strings:
    """Every interface string, by dotted key. Formatting fields are checked at load. Dates
    are written with the day and month names of `dates.*` when the strings give them."""

    def __init__(self, values: Mapping[str, str]):
        self._values = dict(values)
        names = {
            key: self._values[f"dates.{key}"].split()
            for key in ("day_names", "day_abbr", "month_names", "month_abbr")
            if f"dates.{key}" in self._values
        }
        self._formatter = _DateFormatter(names)

    def __call__(self, key: str, **fields: object) -> str:
        text = self._values[key]
        return self._formatter.format(text, **fields) if fields else text

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def raw(self, key: str) -> str:
        """The string as written, its fields unfilled (what a reviewer approves)."""
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._values)

    def fields(self, key: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(self._values[key]) if f}


@dataclass(frozen=True)
class Content:
    sections: tuple[Section, ...]
    checklist: Checklist
    question_groups: tuple[QuestionGroup, ...]
    late_effects: LateEffects
    glossary: tuple[Term, ...]
    urgent: UrgentCard
    strings: Strings
    search: SearchWords
    profile: Profile
    language: str = "en"
    emergency: EmergencyTable = field(default_factory=lambda: EmergencyTable("", ()))
    # The red-flag check, built from `urgent` with this language's stemmer.
    red_flags: RedFlags | None = field(default=None, repr=False, compare=False)
    # The treatment phases a family can name (content/phases.yaml), in the order shown.
    phases: tuple[Phase, ...] = ()
    _by_id: dict[str, Section] = field(default_factory=dict, repr=False, compare=False)
    _questions: dict[str, GuideQuestion] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({s.id: s for s in self.sections})
        self._questions.update({q.id: q for g in self.question_groups for q in g.questions})

    def section(self, section_id: str) -> Section | None:
        return self._by_id.get(section_id)

    def question(self, question_id: str) -> GuideQuestion | None:
        return self._questions.get(question_id)

    def group(self, group_id: str) -> QuestionGroup | None:
        return next((g for g in self.question_groups if g.id == group_id), None)

    def questions_about(self, section_id: str) -> list[GuideQuestion]:
        return [q for q in self._questions.values() if q.section == section_id]

    def section_for(self, opens: str) -> Section | None:
        return next((s for s in self.sections if s.opens == opens), None)

    def phase(self, phase_id: str | None) -> Phase | None:
        return next((p for p in self.phases if p.id == phase_id), None)


# ---- validation helpers ---------------------------------------------------------------------
# PyYAML's safe loader, in C (libyaml) where PyYAML has it: the same documents and the same
# errors, ten times faster (every start reads some fifty files).
_SAFE_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Reader:
    def __init__(self, path: Path, root: Path):
        self.path = path
        self.name = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)

    def fail(self, where: str, rule: str) -> ContentError:
        return ContentError(f"{self.name}: {where}: {rule}")

    def load(self) -> Any:
        try:
            return yaml.load(self.path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
        except FileNotFoundError:
            raise ContentError(f"{self.name}: file is missing") from None
        except yaml.YAMLError as exc:
            raise ContentError(f"{self.name}: not valid YAML ({exc.__class__.__name__})") from None

    def mapping(self, node: Any, where: str) -> dict[str, Any]:
        if not isinstance(node, dict):
            raise self.fail(where, "must be a mapping")
        return node

    def text(
        self, node: dict[str, Any], key: str, where: str, limit: int | None = None, optional: bool = False
    ) -> str:
        value = node.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "is missing or empty")
        value = value.strip()
        if limit is not None and len(value) > limit:
            raise self.fail(f"{where}.{key}", f"is {len(value)} characters; the limit is {limit}")
        return value

    def ident(self, node: dict[str, Any], key: str, where: str) -> str:
        value = self.text(node, key, where)
        if not ID.match(value):
            raise self.fail(f"{where}.{key}", f"{value!r} is not an id ([a-z0-9_], 1-24 chars)")
        return value

    def texts(
        self,
        node: dict[str, Any],
        key: str,
        where: str,
        low: int = 1,
        high: int = 1000,
        limit: int | None = None,
    ) -> tuple[str, ...]:
        value = node.get(key)
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key}", "must be a list")
        if not low <= len(value) <= high:
            raise self.fail(f"{where}.{key}", f"must have {low}-{high} items, has {len(value)}")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{where}.{key}[{i}]", "is missing or empty")
            if limit is not None and len(item.strip()) > limit:
                raise self.fail(
                    f"{where}.{key}[{i}]", f"is {len(item.strip())} characters; the limit is {limit}"
                )
            out.append(item.strip())
        return tuple(out)

    def items(self, node: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        value = node.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(f"{where}.{key}", "must be a non-empty list")
        return [self.mapping(v, f"{where}.{key}[{i}]") for i, v in enumerate(value)]


def _unique(reader: _Reader, where: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise reader.fail(where, f"duplicate id {value!r}")
        seen.add(value)


def _page_numbers(reader: _Reader, node: dict[str, Any], where: str, count: int) -> frozenset[int]:
    """`sensitive_pages`: page numbers as a parent sees them (1 = the first page)."""
    raw = node.get("sensitive_pages") or []
    if not isinstance(raw, list) or not all(isinstance(n, int) and 1 <= n <= count for n in raw):
        raise reader.fail(f"{where}.sensitive_pages", f"must be a list of page numbers from 1 to {count}")
    return frozenset(n - 1 for n in raw)


def _load_section(reader: _Reader) -> Section:
    data = reader.mapping(reader.load(), "top level")
    sid = reader.ident(data, "id", "section")
    where = f"section {sid}"
    command = reader.text(data, "command", where)
    if not COMMAND.match(command):
        raise reader.fail(
            f"{where}.command", f"{command!r} is not a Telegram command (1-32 chars of a-z 0-9 _)"
        )
    description = reader.text(data, "description", where, limit=256)
    if len(description) < 3:
        raise reader.fail(f"{where}.description", "must be 3-256 characters")
    order = data.get("order")
    if not isinstance(order, int) or order < 1:
        raise reader.fail(f"{where}.order", "must be a positive whole number")
    opens = data.get("opens")
    if opens is not None and opens not in OPENS:
        raise reader.fail(f"{where}.opens", f"must be one of {sorted(OPENS)} or absent")
    src = reader.mapping(data.get("source"), f"{where}.source")
    source = Source(
        name=reader.text(src, "name", f"{where}.source"),
        approved=reader.text(src, "approved", f"{where}.source"),
        url=reader.text(src, "url", f"{where}.source"),
    )
    if not source.url.startswith("https://"):
        raise reader.fail(f"{where}.source.url", "must be an https:// address")
    title = reader.text(data, "title", where, limit=MAX_TITLE)
    sensitive = bool(data.get("sensitive", False))
    key_points = reader.texts(data, "key_points", where, low=2, high=4, limit=400)
    if "parts" in data and "pages" in data:
        raise reader.fail(where, "has both 'parts' and 'pages'; use one")
    if "parts" in data:
        parts = []
        for i, raw in enumerate(reader.items(data, "parts", where)):
            pwhere = f"{where}.parts[{i}]"
            pages = reader.texts(raw, "pages", pwhere, limit=MAX_PAGE)
            parts.append(
                Part(
                    id=reader.ident(raw, "id", pwhere),
                    title=reader.text(raw, "title", pwhere, limit=MAX_TITLE),
                    sensitive=bool(raw.get("sensitive", False)),
                    pages=pages,
                    sensitive_pages=_page_numbers(reader, raw, pwhere, len(pages)),
                )
            )
        _unique(reader, f"{where}.parts", [p.id for p in parts])
        has_parts = True
    else:
        pages = reader.texts(data, "pages", where, limit=MAX_PAGE)
        parts = [Part("", title, sensitive, pages, _page_numbers(reader, data, where, len(pages)))]
        has_parts = False
    aliases = tuple(str(a) for a in data.get("aliases") or ())
    for alias in aliases:
        if not COMMAND.match(alias):
            raise reader.fail(
                f"{where}.aliases", f"{alias!r} is not a Telegram command (1-32 chars of a-z 0-9 _)"
            )
    return Section(
        sid,
        order,
        title,
        command,
        description,
        opens,
        sensitive,
        source,
        key_points,
        tuple(parts),
        has_parts,
        aliases,
    )


def _load_checklist(reader: _Reader) -> Checklist:
    data = reader.mapping(reader.load(), "top level")
    items = [
        ChecklistItem(
            id=reader.ident(raw, "id", f"items[{i}]"),
            label=reader.text(raw, "label", f"items[{i}]", limit=MAX_LABEL),
            explain=reader.text(raw, "explain", f"items[{i}]", limit=300),
        )
        for i, raw in enumerate(reader.items(data, "items", "checklist"))
    ]
    _unique(reader, "items", [i.id for i in items])
    return Checklist(
        title=reader.text(data, "title", "checklist", limit=MAX_TITLE),
        intro=reader.text(data, "intro", "checklist", limit=600),
        advice=reader.texts(data, "advice", "checklist", limit=MAX_PAGE),
        items=tuple(items),
    )


def _load_questions(reader: _Reader) -> tuple[QuestionGroup, ...]:
    data = reader.mapping(reader.load(), "top level")
    groups = []
    for i, raw in enumerate(reader.items(data, "groups", "questions")):
        where = f"groups[{i}]"
        gid = reader.ident(raw, "id", where)
        questions = tuple(
            GuideQuestion(
                id=reader.ident(q, "id", f"{where}.questions[{j}]"),
                group=gid,
                text=reader.text(q, "text", f"{where}.questions[{j}]", limit=MAX_QUESTION),
                section=reader.ident(q, "section", f"{where}.questions[{j}]"),
                part=str(q.get("part") or ""),
                explain=(
                    reader.text(q, "explain", f"{where}.questions[{j}]", limit=300)
                    if q.get("explain")
                    else ""
                ),
            )
            for j, q in enumerate(reader.items(raw, "questions", where))
        )
        groups.append(QuestionGroup(gid, reader.text(raw, "title", where, limit=MAX_TITLE), questions))
    _unique(reader, "groups", [g.id for g in groups])
    _unique(reader, "questions", [q.id for g in groups for q in g.questions])
    return tuple(groups)


def _load_late_effects(reader: _Reader) -> LateEffects:
    data = reader.mapping(reader.load(), "top level")

    def rows(key: str, subject: str) -> tuple[LateEffect, ...]:
        out = tuple(
            LateEffect(
                id=reader.ident(raw, "id", f"{key}[{i}]"),
                subject=reader.text(raw, subject, f"{key}[{i}]"),
                treatment=str(raw.get("treatment") or "").strip(),
                effects=reader.texts(raw, "effects", f"{key}[{i}]"),
            )
            for i, raw in enumerate(reader.items(data, key, "late_effects"))
        )
        _unique(reader, key, [r.id for r in out])
        return out

    notes = reader.texts(data, "notes", "late_effects", low=0) if data.get("notes") else ()
    return LateEffects(rows("by_treatment", "treatment"), rows("by_organ", "organ"), notes)


def _load_glossary(reader: _Reader) -> tuple[Term, ...]:
    data = reader.mapping(reader.load(), "top level")
    terms = tuple(
        Term(
            id=reader.ident(raw, "id", f"terms[{i}]"),
            term=reader.text(raw, "term", f"terms[{i}]", limit=80),
            definition=reader.text(raw, "definition", f"terms[{i}]", limit=600),
            section=reader.ident(raw, "section", f"terms[{i}]"),
            forms=(reader.texts(raw, "forms", f"terms[{i}]", limit=80) if raw.get("forms") else ()),
        )
        for i, raw in enumerate(reader.items(data, "terms", "glossary"))
    )
    _unique(reader, "terms", [t.id for t in terms])
    return terms


def _load_phases(
    reader: _Reader, sections: Mapping[str, Section], groups: Collection[str]
) -> tuple[Phase, ...]:
    """content/phases.yaml: each phase's page refs name a page by one of its headings, so a
    renamed heading or a page that moved to another part is refused here, not at a tap."""
    data = reader.mapping(reader.load(), "top level")
    phases = []
    for i, raw in enumerate(reader.items(data, "phases", "phases")):
        where = f"phases[{i}]"
        pid = reader.ident(raw, "id", where)
        where = f"phase {pid}"
        treatment = raw.get("treatment")
        if treatment not in TREATMENT_ANSWERS:
            raise reader.fail(f"{where}.treatment", f"must be one of {', '.join(TREATMENT_ANSWERS)}")
        questions = raw.get("questions")
        if questions is None:
            questions = []
        if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
            raise reader.fail(f"{where}.questions", "must be a list of question group ids")
        for group in questions:
            if group not in groups:
                raise reader.fail(f"{where}.questions", f"{group!r} is not a question group")
        _unique(reader, f"{where}.questions", list(questions))
        refs = raw.get("pages") or []
        if not isinstance(refs, list) or len(refs) > MAX_PHASE_PAGES:
            raise reader.fail(f"{where}.pages", f"must be a list of at most {MAX_PHASE_PAGES} pages")
        pages = []
        for j, node in enumerate(refs):
            at = f"{where}.pages[{j}]"
            ref = reader.mapping(node, at)
            section = sections.get(reader.ident(ref, "section", at))
            if section is None:
                raise reader.fail(f"{at}.section", f"{ref['section']!r} is not a section")
            part_id = str(ref.get("part") or "")
            part = section.part(part_id)
            if part is None:
                raise reader.fail(f"{at}.part", f"{part_id!r} is not a part of {section.id}")
            named = reader.text(ref, "heading", at)
            heading = f"## {named}"
            page = next(
                (
                    n
                    for n, text in enumerate(part.pages)
                    if heading in (line.strip() for line in text.splitlines())
                ),
                None,
            )
            if page is None:
                place = f"{section.id}/{part_id}" if part_id else section.id
                raise reader.fail(f"{at}.heading", f"no page of {place} has the heading {heading!r}")
            if section.sensitive or part.asks_first(page):
                raise reader.fail(at, "asks first: the home would show its words before the parent said yes")
            pages.append(PageRef(section.id, part.id, page, named))
        _unique(reader, f"{where}.pages", [f"{p.section}/{p.part}/{p.page}" for p in pages])
        phases.append(
            Phase(
                id=pid,
                label=reader.text(raw, "label", where, limit=MAX_TITLE),
                treatment=str(treatment),
                questions=tuple(questions),
                pages=tuple(pages),
                note=reader.text(raw, "note", where, limit=300, optional=True),
            )
        )
    _unique(reader, "phases", [p.id for p in phases])
    return tuple(phases)


FREQUENT_WORDS = 30_000


COMMON_WORDS_FILE = "common_words.txt"


def _frequent_words(path: Path) -> list[str]:
    """The language's most used words (`common_words.txt` in its folder, written from
    wordfreq by scripts/common_words.py; none when the folder has no such file): read once,
    when the red-flag check builds its table after start-up, so a long message's ordinary
    words cost it one lookup each. Reading them changes no answer, only how fast it comes."""
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


URGENT_SIGNS = ("fever", "low_temperature")  # the items numbers are read into


def _load_emergency(reader: _Reader) -> EmergencyTable:
    data = reader.mapping(reader.load(), "top level")
    rows = []
    for i, raw in enumerate(reader.items(data, "countries", "emergency")):
        at = f"countries[{i}]"
        number = str(raw.get("number", "")).strip()
        if not re.fullmatch(r"\d{3,4}", number):
            raise reader.fail(f"{at}.number", f"{number!r} is not an emergency number (3-4 digits)")
        rows.append(
            EmergencyCountry(
                id=reader.ident(raw, "id", at),
                name=reader.text(raw, "name", at, limit=60),
                zones=tuple(z.upper() for z in reader.texts(raw, "zones", at, limit=2)),
                number=number,
                also=reader.text(raw, "also", at, limit=200, optional=True),
                source=reader.text(raw, "source", at, limit=200),
                decimal_comma=raw.get("decimal_comma") is True,
            )
        )
    _unique(reader, "countries", [r.id for r in rows])
    _unique(reader, "zones", [z for r in rows for z in r.zones])
    return EmergencyTable(reader.text(data, "checked", "emergency", limit=200), tuple(rows))


def _load_urgent(reader: _Reader) -> UrgentCard:
    """The card, each sign with the words parents type for it: a sign without words, a set
    that is not defined, or no fever and low-temperature items is refused."""
    data = reader.mapping(reader.load(), "top level")
    title = reader.text(data, "title", "urgent", limit=80)
    general_note = reader.text(data, "general_note", "urgent", limit=600)
    raw_sets = reader.mapping(data.get("sets") or {}, "sets")
    sets = {name: reader.texts(raw_sets, name, "sets", limit=40) for name in raw_sets}
    groups = []
    for i, raw in enumerate(reader.items(data, "groups", "urgent")):
        where = f"groups[{i}]"
        signs = []
        for j, sign in enumerate(reader.items(raw, "signs", where)):
            at = f"{where}.signs[{j}]"
            words = reader.texts(sign, "words", at, limit=300)
            for line in words:
                for name in re.findall(r"\$(\w+)", line):
                    if name not in sets:
                        raise reader.fail(f"{at}.words", f"{line!r}: no set ${name} in sets")
            if isinstance(sign.get("reviewed_on"), date):  # YAML reads 2027-01-15 as a date
                sign["reviewed_on"] = sign["reviewed_on"].isoformat()
            reviewed_by = reader.text(sign, "reviewed_by", at, limit=80, optional=True)
            reviewed_on = reader.text(sign, "reviewed_on", at, limit=10, optional=True)
            if bool(reviewed_by) != bool(reviewed_on):
                raise reader.fail(
                    at, "reviewed_by and reviewed_on go together (a role and a date), or neither is set"
                )
            if reviewed_on and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", reviewed_on):
                raise reader.fail(f"{at}.reviewed_on", f"{reviewed_on!r} is not YYYY-MM-DD")
            signs.append(
                Sign(
                    id=reader.ident(sign, "id", at),
                    group=reader.ident(raw, "id", where),
                    text=reader.text(sign, "text", at, limit=300),
                    words=words,
                    reviewed_by=reviewed_by,
                    reviewed_on=reviewed_on,
                )
            )
        groups.append(
            UrgentGroup(
                id=reader.ident(raw, "id", where),
                title=reader.text(raw, "title", where, limit=120),
                signs=tuple(signs),
            )
        )
    _unique(reader, "signs", [s.id for g in groups for s in g.signs])
    have = {s.id for g in groups for s in g.signs}
    for needed in URGENT_SIGNS:
        if needed not in have:
            raise reader.fail("groups", f"no sign {needed!r} (numbers are read into it)")
    numbers = reader.mapping(data.get("numbers"), "numbers")
    return UrgentCard(
        title=title,
        general_note=general_note,
        groups=tuple(groups),
        advice=reader.texts(data, "advice", "urgent", limit=300),
        review=reader.text(data, "review", "urgent", limit=300),
        no_number=reader.text(data, "no_number", "urgent", limit=400),
        sets=sets,
        numbers=NumberWords(
            temperature=reader.texts(numbers, "temperature", "numbers", limit=40),
            not_temperature=reader.texts(numbers, "not_temperature", "numbers", limit=40),
            fahrenheit=reader.texts(numbers, "fahrenheit", "numbers", limit=20),
            celsius=reader.texts(numbers, "celsius", "numbers", limit=20),
        ),
    )


PROFILE = "language.yaml"


def _load_profile(reader: _Reader, reserved: Collection[str] = ()) -> Profile:
    """A language's profile: its names for the bot's commands (each one a Telegram command
    name, unique, naming a command the bot has: `reserved`, when given), its cross-reference
    phrase, its reading-ease rule, how its words split into syllables, and (optional) the
    words its dates and times are typed with (bot/when.py)."""
    import pyphen

    data = reader.mapping(reader.load(), "top level")
    commands: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {name: name for name in reserved}
    for command, raw in reader.mapping(data.get("commands") or {}, "commands").items():
        where = f"commands.{command}"
        if not isinstance(command, str) or not COMMAND.match(command):
            raise reader.fail(where, f"{command!r} is not a Telegram command (1-32 chars of a-z 0-9 _)")
        if reserved and command not in reserved:
            raise reader.fail(where, f"the bot has no command {command!r}")
        names = (raw,) if isinstance(raw, str) else tuple(raw) if isinstance(raw, list) else ()
        if not names:
            raise reader.fail(where, "must be a command name or a list of them")
        for name in names:
            if not isinstance(name, str) or not COMMAND.match(name):
                raise reader.fail(where, f"{name!r} is not a Telegram command (1-32 chars of a-z 0-9 _)")
            if owner.setdefault(name, command) != command:
                raise reader.fail(where, f"{name!r} is already the name of /{owner[name]}")
        commands[command] = names
    phrase = reader.text(data, "cross_reference", "profile", limit=80)
    opening, _, closing = phrase.partition(TITLE)
    if TITLE not in phrase or TITLE in closing or not opening.strip():
        raise reader.fail(
            "cross_reference",
            f'{phrase!r} must be words, then {TITLE} once ("the {{title}} section", "la sección {{title}}")',
        )
    ease = reader.mapping(data.get("reading_ease"), "reading_ease")
    formula_name = reader.text(ease, "formula", "reading_ease")
    formula = FORMULAS.get(formula_name)
    if formula is None:
        raise reader.fail(
            "reading_ease.formula", f"{formula_name!r} is not one of {', '.join(sorted(FORMULAS))}"
        )
    bound = "min" if formula.higher_is_easier else "max"
    bars = []
    for key in (f"{bound}_section", f"{bound}_guide"):
        value = ease.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise reader.fail(
                f"reading_ease.{key}",
                f"must be a number ({formula_name} takes {bound}_section and {bound}_guide)",
            )
        bars.append(float(value))
    raw_syllables = reader.mapping(data.get("syllables"), "syllables")
    hyphenation = reader.text(raw_syllables, "hyphenation", "syllables", limit=20)
    if hyphenation not in pyphen.LANGUAGES:
        raise reader.fail("syllables.hyphenation", f"pyphen has no dictionary {hyphenation!r}")
    vowels = reader.text(raw_syllables, "vowels", "syllables", limit=40)
    if not vowels.isalpha() or vowels != vowels.lower():
        raise reader.fail("syllables.vowels", f"{vowels!r} must be lower-case letters")
    silent_e = raw_syllables.get("silent_e", False)
    if not isinstance(silent_e, bool):
        raise reader.fail("syllables.silent_e", "must be true or false")
    return Profile(
        cross_reference=phrase,
        reading_ease=ReadingEase(formula_name, bars[0], bars[1]),
        syllables=Syllables(hyphenation, vowels, silent_e),
        commands=commands,
        dates=_load_dates(reader, data.get("dates")),
        zones=_load_zones(reader, data.get("zones")),
    )


def _load_zones(reader: _Reader, node: Any) -> ZoneWords | None:
    """The profile's `zones:`: `filler` words and `names`, a list of {words, zones}, each zone
    one the time-zone database has, each set of words named once."""
    if node is None:
        return None
    from zoneinfo import available_timezones

    data = reader.mapping(node, "zones")
    for key in data:
        if key not in ("filler", "names"):
            raise reader.fail(f"zones.{key}", "is not a zones key (filler, names)")
    filler = data.get("filler") or []
    if not isinstance(filler, list) or not all(isinstance(w, str) and w.strip() for w in filler):
        raise reader.fail("zones.filler", "must be a list of words")
    filler_keys = frozenset(zone_key(w) for w in filler)
    known = available_timezones()
    names: dict[str, tuple[str, ...]] = {}
    raw_names = data.get("names") or []
    if not isinstance(raw_names, list):
        raise reader.fail("zones.names", "must be a list of {words, zones}")
    for i, entry in enumerate(raw_names):
        where = f"zones.names[{i}]"
        item = reader.mapping(entry, where)
        words, zones = item.get("words"), item.get("zones")
        if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
            raise reader.fail(f"{where}.words", "must be a list of words")
        if not isinstance(zones, list) or not zones or not all(isinstance(z, str) for z in zones):
            raise reader.fail(f"{where}.zones", "must be a list of time-zone names")
        for zone_name in zones:
            if zone_name not in known:
                raise reader.fail(f"{where}.zones", f"{zone_name!r} is not a time zone")
        for word in words:
            key = zone_key(word, filler_keys)
            if not key or key in names:
                raise reader.fail(f"{where}.words", f"{word!r} is empty or named twice")
            names[key] = tuple(zones)
    return ZoneWords(names, filler_keys)


def _load_dates(reader: _Reader, node: Any) -> DateWords | None:
    """The profile's `dates:` (absent: None, numbers only), each key in the shape its
    DateWords field names: words, a list per item, the echo's words, or a pattern."""
    if node is None:
        return None
    data = reader.mapping(node, "dates")
    keys = {each.name: each for each in fields(DateWords)}
    for key in data:
        if key not in keys:
            raise reader.fail(f"dates.{key}", "is not a dates key (docs/CONTENT.md)")
    values: dict[str, Any] = {}
    for name, each in keys.items():
        where, shape, count = f"dates.{name}", each.metadata["shape"], each.metadata.get("count")
        raw = data.get(name)
        if raw is None:
            if each.metadata["required"]:
                raise reader.fail(where, "is missing")
            continue
        if shape in (PHRASES, TEMPLATES):
            values[name] = _date_words(reader, raw, where)
        elif shape == NAMES:
            if not isinstance(raw, list):
                raise reader.fail(where, "must be a list")
            values[name] = tuple(
                _date_words(reader, [item] if isinstance(item, str) else item, f"{where}[{i}]")
                for i, item in enumerate(raw)
            )
        elif shape == SHOWN:
            if not isinstance(raw, str):
                raise reader.fail(where, "must be words separated by spaces")
            values[name] = tuple(raw.split())
        elif not isinstance(raw, str) or not raw.strip():
            raise reader.fail(where, 'must be a pattern such as "{weekday} {day} {month}"')
        else:
            values[name] = raw.strip()
        if count and len(values[name]) != count:
            raise reader.fail(where, f"must have {count} items, has {len(values[name])}")
    words = DateWords(**values)
    problem = check_words(words)
    if problem is not None:
        raise reader.fail(f"dates.{problem[0]}", problem[1])
    return words


def _date_words(reader: _Reader, raw: Any, where: str) -> tuple[str, ...]:
    if (
        not isinstance(raw, list)
        or not raw
        or not all(isinstance(word, str) and word.strip() for word in raw)
    ):
        raise reader.fail(where, "must be a list of words (quote yes/no/on/off)")
    return tuple(" ".join(word.split()) for word in raw)


def _load_search(reader: _Reader) -> SearchWords:
    import snowballstemmer

    data = reader.mapping(reader.load(), "top level")
    language = reader.text(data, "language", "search", limit=40)
    if language not in snowballstemmer.algorithms():
        raise reader.fail("language", f"{language!r} has no Snowball stemmer")

    def words(key: str) -> frozenset[str]:
        return frozenset(reader.text(data, key, "search").lower().split())

    raw = reader.mapping(data.get("synonyms") or {}, "synonyms")
    synonyms: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not isinstance(value, str) or not value.strip():
            raise reader.fail(f"synonyms.{key}", "must map words to words (quote yes/no)")
        synonyms[key.lower()] = tuple(value.lower().split())
    return SearchWords(language, words("stop_words"), words("greetings"), synonyms)


def _flatten(reader: _Reader, node: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                # YAML reads a bare `no:` or `yes:` key as a boolean: quote it.
                raise reader.fail(
                    f"{prefix}.{key}" if prefix else str(key),
                    "key must be a string (quote yes/no/on/off keys)",
                )
            _flatten(reader, value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(node, str) and node.strip():
        out[prefix] = node.strip("\n")
    else:
        raise reader.fail(prefix or "top level", "must be a non-empty string or a mapping")


def _load_strings(reader: _Reader) -> Strings:
    out: dict[str, str] = {}
    _flatten(reader, reader.mapping(reader.load(), "top level"), "", out)
    strings = Strings(out)
    for key in out:
        try:
            strings.fields(key)
        except ValueError as exc:
            raise reader.fail(key, f"bad {{placeholder}}: {exc}") from None
    missing = [k for k in REQUIRED_STRINGS if k not in out]
    if missing:
        raise reader.fail(missing[0], "is missing (the bot uses it)")
    return strings


# Keys the engine itself needs; feature keys are checked by tests that scan the handlers.
REQUIRED_STRINGS = (
    "start.greeting",
    "errors.generic",
    "errors.stale",
    "menu.home",
)


def load_content(root: Path, reserved: Collection[str] = (), language: str = "en") -> Content:
    """Load and validate every content file under root, or raise ContentError.

    `reserved`: command names the bot's features own (no section may take one, and the
    profile names only these). `language`: which strings file (`strings/<language>.yaml`)
    holds the interface words; `root/language.yaml` is the language's profile."""
    profile = _load_profile(_Reader(root / PROFILE, root), reserved)
    section_files = sorted((root / "sections").glob("*.yaml"))
    if not section_files:
        raise ContentError(f"{root / 'sections'}: no section files")
    sections = [_load_section(_Reader(p, root)) for p in section_files]
    sreader = _Reader(root / "sections", root)
    _unique(sreader, "id", [s.id for s in sections])
    _unique(sreader, "command", [s.command for s in sections])
    _unique(sreader, "order", [str(s.order) for s in sections])
    sections.sort(key=lambda s: s.order)
    by_id = {s.id: s for s in sections}

    qreader = _Reader(root / "questions.yaml", root)
    groups = _load_questions(qreader)
    for group in groups:
        for q in group.questions:
            section = by_id.get(q.section)
            if section is None:
                raise qreader.fail(
                    f"question {q.id}.section", f"links to {q.section!r}, which is not a section"
                )
            if q.part and section.part(q.part) is None:
                raise qreader.fail(
                    f"question {q.id}.part", f"links to {q.part!r}, which is not a part of {q.section}"
                )
    greader = _Reader(root / "glossary.yaml", root)
    glossary = _load_glossary(greader)
    for term in glossary:
        if term.section not in by_id:
            raise greader.fail(
                f"term {term.id}.section", f"links to {term.section!r}, which is not a section"
            )
    checklist = _load_checklist(_Reader(root / "symptoms.yaml", root))
    phases = _load_phases(_Reader(root / "phases.yaml", root), by_id, [g.id for g in groups])
    titles = [s.title for s in sections]
    for s in sections:
        sfile = _Reader(root / "sections" / f"{s.order:02d}-{s.id}.yaml", root)
        for part in s.parts:
            for number, page in enumerate(part.pages, start=1):
                where = f"section {s.id}" + (f" part {part.id}" if part.id else "") + f" page {number}"
                note = EDITOR_NOTES.search(page)
                if note:
                    raise sfile.fail(where, f"an editor's note reaches parents: {note.group()!r}")
                for ref in cross_references(page, titles, profile.cross_reference)[1]:
                    raise sfile.fail(where, f"refers to the section {ref!r}, which is not a section title")
    for opens in OPENS:
        if sum(1 for s in sections if s.opens == opens) > 1:
            raise sreader.fail("opens", f"more than one section opens {opens!r}")
    strings = _load_strings(_Reader(root / "strings" / f"{language}.yaml", root))
    taken = set(reserved) | {name for names in profile.commands.values() for name in names}
    for s in sections:
        for alias in s.aliases:
            if alias in taken:
                raise _Reader(root / "sections", root).fail(
                    f"section {s.id}.aliases", f"{alias!r} is taken by the bot itself"
                )
        if s.command in taken:
            raise _Reader(root / "sections", root).fail(
                f"section {s.id}.command", f"{s.command!r} is taken by the bot itself"
            )
    urgent_reader = _Reader(root / "urgent.yaml", root)
    urgent = _load_urgent(urgent_reader)
    search = _load_search(_Reader(root / "search.yaml", root))
    try:
        common = [page for section in sections for part in section.parts for page in part.pages]
        common += [f"{t.term} {t.definition}" for t in glossary]
        red_flags = RedFlags(
            search.language,
            urgent.signs,
            urgent.sets,
            urgent.numbers,
            common_words=common,
            more_common_words=functools.partial(_frequent_words, root / COMMON_WORDS_FILE),
        )
    except ValueError as exc:
        raise urgent_reader.fail("words", str(exc)) from None
    return Content(
        sections=tuple(sections),
        checklist=checklist,
        question_groups=groups,
        late_effects=_load_late_effects(_Reader(root / "late_effects.yaml", root)),
        glossary=glossary,
        urgent=urgent,
        strings=strings,
        search=search,
        profile=profile,
        language=language,
        emergency=_load_emergency(_Reader(root / "emergency.yaml", root)),
        red_flags=red_flags,
        phases=phases,
    )


DEFAULT_LANGUAGE = "en"


def language_folders(root: Path) -> dict[str, Path]:
    """Every language's folder: the first (English) is `root`, each other `root/<code>/`,
    a folder with `strings/<code>.yaml` (the code is the one Telegram reports: `es`, `fr`)."""
    folders = {DEFAULT_LANGUAGE: root}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if (folder / "strings" / f"{folder.name}.yaml").exists():
            folders[folder.name] = folder
    return folders


def load_catalog(root: Path, reserved: Collection[str] = ()) -> dict[str, Content]:
    """Every language (see language_folders), each checked to have exactly the first one's
    ids, and every command name to mean one thing across them (check_command_names)."""
    catalog: dict[str, Content] = {}
    for code, folder in language_folders(root).items():
        content = load_content(folder, reserved, code)
        catalog[code] = content if not catalog else aligned(catalog[DEFAULT_LANGUAGE], content, folder)
    check_command_names(catalog, reserved)
    return catalog


def load_profiles(root: Path) -> dict[str, Profile]:
    """Only the languages' profiles (quick: no pages, no red-flag check), by language code."""
    return {
        code: _load_profile(_Reader(folder / PROFILE, root))
        for code, folder in language_folders(root).items()
    }


def check_command_names(contents: Mapping[str, Content], commands: Collection[str]) -> None:
    """Every command name means one thing, whatever the language: a name of one of the
    bot's `commands` (its own, or a language's name for it) is no other command's and no
    section's, and a section's command and names are no other section's. Raises
    ContentError naming the language's file and the clash."""
    owner: dict[str, str] = {name: f"/{name}" for name in commands}
    for code, content in contents.items():
        where = PROFILE if code == DEFAULT_LANGUAGE else f"{code}/{PROFILE}"
        for command, names in content.profile.commands.items():
            for name in names:
                if owner.setdefault(name, f"/{command}") != f"/{command}":
                    raise ContentError(
                        f"{where}: commands.{command}: {name!r} is already the name of {owner[name]}"
                    )
    for code, content in contents.items():
        where = "sections" if code == DEFAULT_LANGUAGE else f"{code}/sections"
        for section in content.sections:
            mine = f"the section {section.id}"
            for name in (section.command, *section.aliases):
                if owner.setdefault(name, mine) != mine:
                    taken = f"the bot itself ({owner[name]})" if owner[name].startswith("/") else owner[name]
                    raise ContentError(f"{where}: section {section.id}: command {name!r} is taken by {taken}")


def _ids(content: Content) -> dict[str, list[str]]:
    return {
        "sections": [s.id for s in content.sections],
        "parts": [f"{s.id}/{p.id}:{len(p.pages)} pages" for s in content.sections for p in s.parts],
        "checklist items": [i.id for i in content.checklist.items],
        "question groups": [g.id for g in content.question_groups],
        "questions": [q.id for g in content.question_groups for q in g.questions],
        "glossary terms": sorted(t.id for t in content.glossary),
        "late effects": [e.id for e in (*content.late_effects.by_treatment, *content.late_effects.by_organ)],
        "urgent card groups": [g.id for g in content.urgent.groups],
        "urgent card signs": [s.id for s in content.urgent.signs],
        "emergency numbers": [
            f"{c.id}:{c.number}:{','.join(c.zones)}:{c.decimal_comma}" for c in content.emergency.countries
        ],
        "strings": sorted(content.strings.keys()),
        "commands": [s.command for s in content.sections],
        # A phase's behaviour is the same in every language: its answer, its question groups
        # and the very pages it suggests (each language names them by its own headings).
        "phases": [
            f"{p.id}:{p.treatment}:{','.join(p.questions)}:"
            + ",".join(f"{r.section}/{r.part}/{r.page + 1}" for r in p.pages)
            for p in content.phases
        ],
    }


def aligned(first: Content, other: Content, folder: Path) -> Content:
    """`other` with the same ids as `first` (or ContentError naming what differs), its pages
    anchored like `first`'s so page links work in every language."""
    want, have = _ids(first), _ids(other)
    for kind, ids in want.items():
        missing = [i for i in ids if i not in have[kind]]
        extra = [i for i in have[kind] if i not in ids]
        if missing or extra:
            raise ContentError(
                f"{folder}: {kind} differ from the first language's: missing {missing[:5]}, extra {extra[:5]}"
            )
    firsts = {s.id: s for s in first.sections}
    sections = tuple(
        replace(
            s,
            parts=tuple(
                replace(p, anchor_pages=next(fp for fp in firsts[s.id].parts if fp.id == p.id).pages)
                for p in s.parts
            ),
        )
        for s in other.sections
    )
    return replace(other, sections=sections, _by_id={}, _questions={})


_Built = TypeVar("_Built")


class PerContents(Generic[_Built]):
    """What a feature builds from every language's content (a search index, the glossaries),
    built once per set of content objects and shared by every Application built from them
    (the tests build hundreds from the same few). Content is immutable, so this is pure;
    only content-derived data belongs here, never anything a parent typed.

    Keyed by the objects' identity, not their value (hashing content reads all of it). The
    last `keep` sets are kept together with the objects themselves, so no id is reused
    while its entry lives."""

    def __init__(self, build: Callable[[Mapping[str, Content]], _Built], keep: int = 8):
        self._build = build
        self._keep = keep
        self._built: dict[tuple[tuple[str, int], ...], tuple[tuple[Content, ...], _Built]] = {}

    def __call__(self, contents: Mapping[str, Content]) -> _Built:
        key = tuple((language, id(content)) for language, content in contents.items())
        entry = self._built.pop(key, None)
        if entry is None:
            entry = (tuple(contents.values()), self._build(contents))
        self._built[key] = entry  # the most recently used last
        while len(self._built) > self._keep:
            del self._built[next(iter(self._built))]
        return entry[1]
