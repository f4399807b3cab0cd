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
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
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

_APOSTROPHES = re.compile(r"['’`´]")
_COMBINING = re.compile(r"[\u0300-\u036f]")  # accents, once NFKD has split them off
_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)?")
# A number with what surrounds it: what comes before (a digit, ":", "/"...) tells a time or
# a date; what follows tells its unit.
_NUMBER = re.compile(r"(?<![\d.,:/\-+(])(\d{2,3})(?:[.,](\d{1,2}))?(?![\d:/])(?!\s*%)(?:[.,](?!\d))?"
                     r"\s*(°|º|˚)?\s*([a-z]+)?")


def normalise(text: str) -> str:
    """Lower case, no accents, no apostrophes; "°" kept (it marks a temperature)."""
    folded = text.casefold()
    if not folded.isascii():
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded))
    return _APOSTROPHES.sub("", folded)


@dataclass(frozen=True)
class Sign:
    """One item of the card: its id, its group, its line, and the lines of words for it."""

    id: str
    group: str
    text: str
    words: tuple[str, ...]


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

    def __post_init__(self) -> None:
        self._stemmer = Stemmer.Stemmer(self.language)
        self._stemmer.maxCacheSize = 0  # PyStemmer caches typed words otherwise
        self._order = {sign.id: n for n, sign in enumerate(self.signs)}
        self._lines: list[_Line] = []
        self._by_stem: dict[str, list[int]] = {}
        self._vocab: dict[str, str] = {}  # a known word (normalised) -> its stem
        for sign in self.signs:
            for raw in sign.words:
                slots = tuple(frozenset(self._stems(self._alternatives(slot), known=True))
                              for slot in raw.split())
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
        # Every word of the guide, read once here: most of a long message is found with one
        # dictionary lookup (what the word stands for, or None).
        self._plain: set[str] = set()
        self._read: dict[str, str | None] = {}
        for text in self.common_words:
            for token in _TOKEN.findall(normalise(text)):
                if token not in self._read and not token[0].isdigit():
                    known = self._known(token)
                    self._read[token] = known
                    if known is None and len(token) >= FUZZY_MIN:
                        self._plain.add(token)
        self._temperature_stems = frozenset(self._stems(self.numbers.temperature))
        self._not_temperature = frozenset(normalise(w) for w in self.numbers.not_temperature)
        self._not_temperature_stems = frozenset(self._stems(self.numbers.not_temperature))

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
            for token in _TOKEN.findall(normalise(word)):
                stem: str = self._stemmer.stemWord(token)
                if known:  # a word of the card's lines: typed exactly, it is found at once
                    self._vocab[token] = stem
                out.append(stem)
        return out

    # ---- reading --------------------------------------------------------------------------
    def _known(self, token: str, by_stem: bool = True) -> str | None:
        """The known stem a typed word stands for, if any (as written in the card's words,
        else by its stem, else one slip away). `by_stem` False: as written only."""
        exact = self._vocab.get(token)
        if exact is not None or not by_stem:
            return exact
        stem: str = self._stemmer.stemWord(token)
        if len(stem) < SHORT_STEM:
            return None  # "mor" is both "morado" and "morir": short stems only as written
        if stem in self._by_stem:
            return stem
        if len(token) < FUZZY_MIN or token in self._plain:
            return None
        near = _nearest(stem, self._near_stems, self._by_stem, FUZZY_MIN - 1)
        if near is not None:
            return near
        word = _nearest(token, self._near_words, self._vocab, FUZZY_MIN)
        return self._vocab[word] if word is not None else None

    def check(self, text: str, fever_c: float | None = None,
              bare_numbers: bool = True, numbers: bool = True) -> Match:
        """The card items `text` names, in card order (empty: it names none it knows).
        `numbers`: False reads another language's text: its words only as the card spells
        them (a stem or a slip of one language is often a plain word of another: Spanish
        "morado" and English "more"), and no numbers (their units differ)."""
        norm = normalise(text)
        tokens = _TOKEN.findall(norm)
        # Each different word of this message is read once (nothing is kept after it).
        read = self._read if numbers else {}
        hits: dict[str, str] = {}
        for token in set(tokens):
            known = read[token] if token in read else (
                None if token[0].isdigit() or len(token) > MAX_WORD
                else self._known(token, by_stem=numbers))
            if known is not None:
                hits[token] = known
        positions: dict[str, list[int]] = {}
        if hits:
            for at, token in enumerate(tokens):
                if token in hits:
                    positions.setdefault(hits[token], []).append(at)
        found: set[str] = set()
        candidates = {n for stem in positions for n in self._by_stem[stem]}
        for number in candidates:
            line = self._lines[number]
            if line.sign in found or any(slot.isdisjoint(positions) for slot in line.slots):
                continue
            if _within(line.slots, positions):
                found.add(line.sign)
        temperature = self._temperature(norm, positions, bare_numbers) if numbers else None
        if temperature is not None:
            if temperature >= (fever_c if fever_c is not None else GENERAL_FEVER_C):
                found.add(self.fever_sign)
            elif temperature < LOW_C:
                found.add(self.low_sign)
        ordered = tuple(sorted((s for s in found if s in self._order), key=self._order.__getitem__))
        return Match(ordered, temperature)

    def _names_no_temperature(self, word: str) -> bool:
        return word in self._not_temperature or \
            self._stemmer.stemWord(word) in self._not_temperature_stems

    def _temperature(self, norm: str, positions: Mapping[str, list[int]],
                     bare_numbers: bool) -> float | None:
        """The highest or lowest plausible temperature typed (the one further from normal),
        in °C, or None."""
        said = any(stem in positions for stem in self._temperature_stems)
        readings: list[float] = []
        for m in _NUMBER.finditer(norm):
            whole, decimals, degree, unit = m.group(1), m.group(2), m.group(3), m.group(4)
            value = float(f"{whole}.{decimals}" if decimals else whole)
            before = norm[max(0, m.start() - 40):m.start()].split()[-3:]
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
    return [word[:i] + word[i + 1:] for i in range(len(word))]


def _neighbours(words: Iterable[str]) -> dict[str, set[str]]:
    """Each word with one letter left out -> the words it came from."""
    near: dict[str, set[str]] = {}
    for word in words:
        for variant in _deletions(word):
            near.setdefault(variant, set()).add(word)
    return near


def _nearest(typed: str, near: Mapping[str, set[str]], known: Collection[str],
             shortest: int) -> str | None:
    """The known word one slip (a letter missing, extra, wrong, or two swapped) from
    `typed`, the first in alphabetical order if several are; None if there is none."""
    candidates: set[str] = set(near.get(typed, ()))
    for variant in (typed, *_deletions(typed)):
        found = near.get(variant)
        if found:
            candidates |= found
        if variant in known:
            candidates.add(variant)
    best = [c for c in candidates
            if len(c) >= shortest and OSA.distance(c, typed, score_cutoff=1) <= 1]
    return min(best) if best else None


def _within(slots: Sequence[frozenset[str]], positions: Mapping[str, list[int]]) -> bool:
    """Is every slot found, all within a few words of each other?"""
    found: list[list[int]] = []
    for slot in slots:
        at = sorted(p for stem in slot for p in positions.get(stem, ()))
        if not at:
            return False
        found.append(at)
    if len(found) == 1:
        return True
    span = len(found) + WINDOW_SLACK
    return any(all(any(abs(q - p) <= span for q in others) for others in found[1:])
               for p in found[0])
