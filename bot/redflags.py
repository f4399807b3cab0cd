"""The red-flag check: which items of the urgent card a typed text names.

Deterministic and reviewable: every word it knows is in content (`urgent.yaml`, beside the
card item it belongs to), so whoever reviews the card reviews the words too. Nothing here
is medical knowledge; this module only reads text.

How a text is read (both languages, rules in the README):

- Normalised: case folded, accents and apostrophes dropped ("Can't" -> "cant", "vómito"
  -> "vomito"), everything that is not a letter or a digit is a space.
- Each word is reduced to its Snowball stem (PyStemmer, the content's language), so
  "vomiting", "vomited" and "vomits" are one word. A typed word the card does not know is
  matched to one it does know when they are one slip apart (optimal string alignment,
  words of 6 letters or more: "siezure", "temprature").
- A line of words (`port red`) matches when each of its slots is found within a few words
  of the others, in any order ("her port looks red", "redness around the port"). A slot may
  offer alternatives (`cant|wont|not wake`) or name a set (`$LINE red`).
- Numbers are read as temperatures: 38.5, 38,5, 101.5F, 39°, "temp 38". One at or above
  the family's fever number (else the card's general 38.0 °C) names the fever item; one
  below 36.0 °C (96.8 °F) names the low-temperature item. A bare number (no unit, no
  temperature word in the message) counts too, except in a prompt that asks for a number.
  Numbers that are plainly something else (a time, a date, days, kilograms, a blood count)
  are not temperatures.
- Negation is never read: "not breathing", "no fever" still name their sign. The check
  only ever adds a warning; it never says that no urgent sign was found.

Nothing typed is kept: no cache here holds a parent's words (the vocabulary's caches are
built from content only, when it loads).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import Stemmer
from rapidfuzz.distance import OSA

# Slots of a line are this many words apart at most, beyond the line's own length.
WINDOW_SLACK = 4
FUZZY_MIN = 6  # letters: shorter words must be typed exactly (after stemming)
MAX_WORD = 24  # letters: a longer "word" is no word of the card
SHORT_STEM = 4  # a typed word whose stem is shorter counts only as the card's words spell it
GENERAL_FEVER_C = 38.0
LOW_C = 36.0
# Plausible body temperatures: anything else is a count, a dose, an age or a date.
CELSIUS = (30.0, 45.0)
FAHRENHEIT = (86.0, 113.0)

# Accents (once NFKD has split them off) and apostrophes: dropped in one pass.
_MARKS = re.compile(r"[\u0300-\u036f'’`´]")
# The fast way to the words of a long message: everything but ASCII letters and digits to
# a space, then split (a regex over 4,096 characters costs about twice as much).
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SPACES = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_DIGIT = re.compile(r"\d")
# Two or three digits that could be a body temperature in °C or °F (30-45, 86-113): only
# these are read further with _NUMBER.
_PLAUSIBLE = re.compile(r"(?<![\d.,:/\-+(])(?:3\d|4[0-5]|8[6-9]|9\d|10\d|11[0-3])(?!\d)")


def split_words(norm: str) -> list[str]:
    """The words and numbers of normalised text (a decimal number is two words here: numbers
    are read apart, by _NUMBER)."""
    if not norm.isascii():  # emoji, "°", dashes: spaces too (numbers are read from `norm`)
        norm = _NON_ASCII.sub(" ", norm)
    return norm.translate(_SPACES).split()


# A number with what surrounds it: what comes before (a digit, ":", "/"...) tells a time or
# a date; what follows tells its unit.
_NUMBER = re.compile(
    r"(?<![\d.,:/\-+(])(\d{2,3})(?:[.,](\d{1,2}))?(?![\d:/])(?!\s*%)(?:[.,](?!\d))?"
    r"\s*(°|º|˚)?\s*([a-z]+)?"
)


def normalise(text: str) -> str:
    """Lower case, no accents, no apostrophes; "°" kept (it marks a temperature)."""
    folded = text.casefold()
    if folded.isascii():
        return folded.replace("'", "").replace("`", "") if "'" in folded or "`" in folded else folded
    return _MARKS.sub("", unicodedata.normalize("NFKD", folded))


# The common-word tables of the languages are built one at a time (each loads its language's
# word list for a moment).
_ONE_TABLE_AT_A_TIME = threading.Lock()


@dataclass(frozen=True)
class Sign:
    """One item of the card: its id, its group, its line, and the lines of words for it."""

    id: str
    group: str
    text: str
    words: tuple[str, ...]
    # The clinical sign-off, set only by the reviewer: a role ("paediatric oncology nurse")
    # and the date (YYYY-MM-DD). Empty: not yet reviewed, and the card says so.
    reviewed_by: str = ""
    reviewed_on: str = ""


@dataclass(frozen=True)
class NumberWords:
    """Words that tell what a number is, per language (content)."""

    temperature: tuple[str, ...] = ()  # "temp", "fever": the number is a temperature
    not_temperature: tuple[str, ...] = ()  # "days", "kg", "platelets": it is not
    fahrenheit: tuple[str, ...] = ("f",)
    celsius: tuple[str, ...] = ("c",)


@dataclass(frozen=True)
class Match:
    """What a text names: card item ids in card order, and the temperature read (°C)."""

    signs: tuple[str, ...]
    temperature_c: float | None = None

    def __bool__(self) -> bool:
        return bool(self.signs)


@dataclass
class _Line:
    sign: str
    slots: tuple[frozenset[str], ...]


@dataclass
class RedFlags:
    """The check for one language, built once from content."""

    language: str
    signs: Sequence[Sign]
    sets: Mapping[str, Sequence[str]] = field(default_factory=dict)
    numbers: NumberWords = field(default_factory=NumberWords)
    fever_sign: str = "fever"
    low_sign: str = "low_temperature"
    # Words of the guide itself (content, never typed text): those that are no slip of a
    # card word are known to be ordinary, so they skip the typo search, which is the slow
    # part of a long message.
    common_words: Iterable[str] = ()
    # More such words, read only when the table is built (the language's most used words:
    # loading them costs about half a second, which start-up should not wait for).
    more_common_words: Callable[[], Iterable[str]] | None = None

    def __post_init__(self) -> None:
        self._stemmer = Stemmer.Stemmer(self.language)
        self._stemmer.maxCacheSize = 0  # PyStemmer caches typed words otherwise
        self._order = {sign.id: n for n, sign in enumerate(self.signs)}
        self._lines: list[_Line] = []
        self._by_stem: dict[str, list[int]] = {}
        self._vocab: dict[str, str] = {}  # a known word (normalised) -> its stem
        for sign in self.signs:
            for raw in sign.words:
                slots = tuple(
                    frozenset(self._stems(self._alternatives(slot), known=True)) for slot in raw.split()
                )
                if not slots or not all(slots):
                    raise ValueError(f"urgent words for {sign.id!r}: {raw!r} has an empty slot")
                number = len(self._lines)
                self._lines.append(_Line(sign.id, slots))
                for stem in {s for slot in slots for s in slot}:
                    self._by_stem.setdefault(stem, []).append(number)
        # One-slip neighbours of every known stem and of every known word as written (each
        # with one letter left out), so a typo is found by a few dictionary lookups instead
        # of comparing with every word: "siezure" by its stem, "bruses" by its spelling.
        self._near_stems = _neighbours(s for s in self._by_stem if len(s) >= FUZZY_MIN - 1)
        self._near_words = _neighbours(w for w in self._vocab if len(w) >= FUZZY_MIN)
        # A typed word that is its own stem is looked up once, among stems and spellings.
        self._near_both = {
            k: self._near_stems.get(k, set()) | self._near_words.get(k, set())
            for k in self._near_stems.keys() | self._near_words.keys()
        }
        self._known_both = frozenset(self._by_stem.keys() | self._vocab.keys())
        self._vocab_words = frozenset(self._vocab)
        # Every common word of the language, read once, in a thread of its own started once
        # the bot is up (start_warming), so start-up does not wait for it: then most of a
        # long message is found with one dictionary lookup each. Until it is ready each
        # message's words are read one by one, with the same answers (the table holds what
        # _classify says of each word; it only saves time). It gets a stemmer of its own:
        # one is not shared between threads.
        self._table: tuple[dict[str, str], frozenset[str], frozenset[str]] = ({}, frozenset(), frozenset())
        self._ready = threading.Event()
        self._warming = threading.Lock()
        self._started = False
        self._common = tuple(self.common_words)
        self._temperature_stems = frozenset(self._stems(self.numbers.temperature))
        self._temperature_words = frozenset(normalise(w) for w in self.numbers.temperature)
        self._not_temperature = frozenset(normalise(w) for w in self.numbers.not_temperature)

    def start_warming(self) -> None:
        """Build the common-word table in a thread of its own (once; later calls do nothing)."""
        with self._warming:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._warm, name=f"red-flag words ({self.language})", daemon=True).start()

    def _warm(self) -> None:
        with _ONE_TABLE_AT_A_TIME:  # languages one after the other: a lower peak of memory
            self._build_table()

    def _build_table(self) -> None:
        stemmer = Stemmer.Stemmer(self.language)
        stemmer.maxCacheSize = 0
        texts = [*self._common, *(self.more_common_words() if self.more_common_words else ())]
        guide = {token for text in texts for token in split_words(normalise(text))}
        read = self._classify([t for t in guide if len(t) <= MAX_WORD and not t.isdigit()], stemmer)
        hits = {token: known for token, known in read.items() if known}
        # As sets: a set operation with a dictionary's keys view copies the whole view.
        self._table = (hits, frozenset(hits), frozenset(read))  # one assignment: atomic
        self._ready.set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Whether the common-word table is ready (starting it if no one did, and waiting up
        to `timeout`): benchmarks wait for it; the bot does not need to."""
        self.start_warming()
        return self._ready.wait(timeout)

    # ---- building -----------------------------------------------------------------------
    def _alternatives(self, slot: str) -> list[str]:
        out: list[str] = []
        for word in slot.split("|"):
            if word.startswith("$"):
                if word[1:] not in self.sets:
                    raise ValueError(f"urgent words: no set {word!r}")
                out.extend(self.sets[word[1:]])
            else:
                out.append(word)
        return out

    def _stems(self, words: Iterable[str], known: bool = False) -> list[str]:
        out = []
        for word in words:
            for token in split_words(normalise(word)):
                stem: str = self._stemmer.stemWord(token)
                if known:  # a word of the card's lines: typed exactly, it is found at once
                    self._vocab[token] = stem
                out.append(stem)
        return out

    # ---- reading --------------------------------------------------------------------------
    def _slip(self, token: str, stem: str) -> str | None:
        """The card stem one slip from a typed word (by its stem, else as typed)."""
        near = _nearest(stem, self._near_stems, self._by_stem, FUZZY_MIN - 1) if stem != token else None
        near = near or _nearest(token, self._near_both, self._known_both, FUZZY_MIN - 1)
        if near is None:
            return None
        return near if near in self._by_stem else self._vocab[near]

    def _read_words(self, unique: set[str]) -> dict[str, str]:
        """What each different word of a message stands for, when it stands for a card
        word. Set operations and one stemming call for the whole message: a long message has
        hundreds of words, and Python's time per word is what a 4,096-character check costs."""
        read_hits, hit_words, read_words = self._table
        hits = {token: read_hits[token] for token in unique & hit_words}
        rest = [t for t in unique - read_words if len(t) <= MAX_WORD and not t.isdigit()]
        if rest:
            hits.update((t, known) for t, known in self._classify(rest).items() if known)
        return hits

    def _classify(self, tokens: list[str], stemmer: Stemmer.Stemmer | None = None) -> dict[str, str | None]:
        """The card stem each word stands for (None: none): as the card writes it; else by
        its stem (4 letters or more: "mor" is both "morado" and "morir"); else, in words of
        6 letters or more that the guide does not use as they are, one slip away."""
        out: dict[str, str | None] = {}
        by_stem = self._by_stem
        stems = (stemmer or self._stemmer).stemWords(tokens)
        for token, stem in zip(tokens, stems, strict=True):
            if len(stem) < SHORT_STEM:
                out[token] = self._vocab.get(token)
            elif stem in by_stem:
                out[token] = stem
            elif len(token) >= FUZZY_MIN:
                out[token] = self._slip(token, stem)
            else:
                out[token] = None
        return out

    def check(
        self,
        text: str,
        fever_c: float | None = None,
        bare_numbers: bool = True,
        numbers: bool = True,
        as_written: bool = False,
    ) -> Match:
        """The card items `text` names, in card order (empty: it names none it knows).
        `numbers`: False reads no number as a temperature (another language's units, or a
        prompt that asks for a temperature). `as_written`: words only as the card spells
        them, for another language's check (a stem or a slip of one language is often a
        plain word of another: Spanish "morado" and English "more")."""
        norm = normalise(text)
        tokens = split_words(norm)
        # Each different word of this message is read once (nothing is kept after it).
        unique = set(tokens)
        if as_written:
            hits = {token: self._vocab[token] for token in unique & self._vocab_words}
        else:
            hits = self._read_words(unique)
        present = set(hits.values())
        found: set[str] = set()
        pending: list[_Line] = []  # lines of several words, all present: is each near?
        for number in {n for stem in present for n in self._by_stem[stem]}:
            line = self._lines[number]
            if line.sign in found or any(slot.isdisjoint(present) for slot in line.slots):
                continue
            if len(line.slots) == 1:
                found.add(line.sign)
            else:
                pending.append(line)
        pending = [line for line in pending if line.sign not in found]
        if pending:  # where the words of those lines are, and only those
            needed = {stem for line in pending for slot in line.slots for stem in slot}
            wanted = {token: stem for token, stem in hits.items() if stem in needed}
            positions: dict[str, list[int]] = {}
            for at, token in enumerate(tokens):
                if token in wanted:
                    positions.setdefault(wanted[token], []).append(at)
            for line in pending:
                if line.sign not in found and _within(line.slots, positions):
                    found.add(line.sign)
        temperature = None
        if numbers and _DIGIT.search(norm):
            said = bool(unique & self._temperature_words) or not self._temperature_stems.isdisjoint(present)
            temperature = self._temperature(norm, said, bare_numbers)
        if temperature is not None:
            if temperature >= (fever_c if fever_c is not None else GENERAL_FEVER_C):
                found.add(self.fever_sign)
            elif temperature < LOW_C:
                found.add(self.low_sign)
        ordered = tuple(sorted((s for s in found if s in self._order), key=self._order.__getitem__))
        return Match(ordered, temperature)

    def _names_no_temperature(self, word: str) -> bool:
        """As written: the content lists each form ("day", "days")."""
        return word in self._not_temperature

    def _temperature(self, norm: str, said: bool, bare_numbers: bool) -> float | None:
        """The highest or lowest plausible temperature typed (the one further from normal),
        in °C, or None. `said`: the message names a temperature in words."""
        readings: list[float] = []
        for candidate in _PLAUSIBLE.finditer(norm):
            m = _NUMBER.match(norm, candidate.start())
            if m is None:
                continue
            whole, decimals, degree, unit = m.group(1), m.group(2), m.group(3), m.group(4)
            value = float(f"{whole}.{decimals}" if decimals else whole)
            if not (CELSIUS[0] <= value <= CELSIUS[1] or FAHRENHEIT[0] <= value <= FAHRENHEIT[1]):
                continue  # a year, a count, an age: read no further
            before = norm[max(0, m.start() - 40) : m.start()].split()[-3:]
            if unit is not None and self._names_no_temperature(unit):
                continue
            if any(self._names_no_temperature(word) for word in before):
                continue
            is_f = unit in self.numbers.fahrenheit
            is_c = unit in self.numbers.celsius
            if not (said or degree or is_f or is_c or bare_numbers):
                continue
            if not is_f and CELSIUS[0] <= value <= CELSIUS[1]:
                readings.append(value)
            elif not is_c and FAHRENHEIT[0] <= value <= FAHRENHEIT[1]:
                readings.append(round((value - 32) * 5 / 9, 1))
        if not readings:
            return None
        return max(readings, key=lambda c: abs(c - 37.0))


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def _neighbours(words: Iterable[str]) -> dict[str, set[str]]:
    """Each word with one letter left out -> the words it came from."""
    near: dict[str, set[str]] = {}
    for word in words:
        for variant in _deletions(word):
            near.setdefault(variant, set()).add(word)
    return near


def _nearest(typed: str, near: Mapping[str, set[str]], known: Collection[str], shortest: int) -> str | None:
    """The known word one slip (a letter missing, extra, wrong, or two swapped) from
    `typed`, the first in alphabetical order if several are; None if there is none."""
    found = near.get(typed)
    candidates: set[str] = set(found) if found else set()
    for i in range(len(typed)):
        variant = typed[:i] + typed[i + 1 :]
        found = near.get(variant)
        if found:
            candidates |= found
        if variant in known:
            candidates.add(variant)
    if not candidates:
        return None
    best = [c for c in candidates if len(c) >= shortest and OSA.distance(c, typed, score_cutoff=1) <= 1]
    return min(best) if best else None


def _within(slots: Sequence[frozenset[str]], positions: Mapping[str, list[int]]) -> bool:
    """Is every slot found, all within a few words of each other? (Each stem's positions
    are in order, so the nearest one is found by bisection.)"""
    found: list[list[int]] = []
    for slot in slots:
        lists = [positions[stem] for stem in slot if stem in positions]
        if not lists:
            return False
        found.append(lists[0] if len(lists) == 1 else sorted(p for at in lists for p in at))
    if len(found) == 1:
        return True
    span = len(found) + WINDOW_SLACK
    first, others = found[0], found[1:]
    for p in first:
        for at in others:
            i = bisect_left(at, p - span)
            if i == len(at) or at[i] > p + span:
                break
        else:
            return True
    return False
