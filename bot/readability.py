"""Reading ease, computed offline with pyphen's dictionaries. The formulas live here; which
one a language uses, its bar, its hyphenation dictionary and its vowels come from that
language's profile (content/<code>/language.yaml, read by bot.content)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pyphen

# A word: letters (in any alphabet), with one apostrophe inside ("child's"), or a number.
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+(?:[.,]\d+)*")
# A sentence ends at . ! ? … or at a line break (list items and headings carry no full stop).
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n+")


@dataclass(frozen=True)
class Syllables:
    """How a language's words are split into syllables: a pyphen dictionary's split points,
    never fewer than the word's vowel groups (a run of `vowels` is one syllable, as a
    diphthong is), and, where `silent_e`, a final silent e is not one ("care")."""

    hyphenation: str  # a pyphen dictionary name: en_US, es, de, fr...
    vowels: str  # the letters that make a vowel group, lower case: aeiouy
    silent_e: bool = False


def _syllables(word: str, dictionary: pyphen.Pyphen, vowels: re.Pattern[str], silent_e: bool) -> int:
    """Syllables in one word: the dictionary's split points, never fewer than its vowel
    groups (a final silent e, in English, is not one)."""
    lower = word.lower().replace("’", "'")
    if lower.isdigit() or (not lower.isalpha() and not lower.replace("'", "").isalpha()):
        return 1 if len(lower) <= 2 else 2
    by_dict = len(dictionary.positions(lower)) + 1
    groups = len(vowels.findall(lower))
    if silent_e and lower.endswith("e") and not lower.endswith(("le", "ee")) and groups > 1:
        groups -= 1
    return max(by_dict, groups, 1)


@lru_cache(maxsize=16)
def _rules(rules: Syllables) -> tuple[pyphen.Pyphen, re.Pattern[str]]:
    return pyphen.Pyphen(lang=rules.hyphenation), re.compile(f"[{re.escape(rules.vowels)}]+")


@lru_cache(maxsize=40000)
def syllables(word: str, rules: Syllables) -> int:
    dictionary, vowels = _rules(rules)
    return _syllables(word, dictionary, vowels, rules.silent_e)


def counts(text: str, rules: Syllables | None = None) -> tuple[int, int, int]:
    """(sentences, words, syllables) of a text (`rules`: the language's; the default is
    only for scripts/grade.py, which measures loose English files)."""
    rules = rules or _SCRIPTS_EN
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    words = _WORD.findall(text)
    return len(sentences), len(words), sum(syllables(w, rules) for w in words)


def grade_of(sentences: int, words: int, syll: int) -> float:
    """Flesch-Kincaid grade level (English): the school year a reader needs."""
    if not sentences or not words:
        return 0.0
    return 0.39 * (words / sentences) + 11.8 * (syll / words) - 15.59


def inflesz_of(sentences: int, words: int, syll: int) -> float:
    """Szigriszt-Pazos perspicuity (the INFLESZ scale, Spanish): 206.835 - 62.3 *
    syllables/words - words/sentences. 55-65 "normal", 65-80 "bastante fácil", above 80
    "muy fácil"."""
    if not sentences or not words:
        return 0.0
    return 206.835 - 62.3 * (syll / words) - words / sentences


@dataclass(frozen=True)
class Formula:
    """A reading-ease formula a language's profile may name."""

    score: Callable[[int, int, int], float]  # (sentences, words, syllables) -> score
    higher_is_easier: bool  # INFLESZ: a bar is a minimum; a grade: a bar is a maximum
    label: str  # the score's name in the content check's report


FORMULAS: dict[str, Formula] = {
    "flesch-kincaid": Formula(grade_of, higher_is_easier=False, label="grade"),
    "inflesz": Formula(inflesz_of, higher_is_easier=True, label="INFLESZ"),
}


# The editor scripts (scripts/grade.py, scripts/inflesz.py) measure loose files, outside any
# language folder, with these two; the bot reads each language's rules from its profile.
_SCRIPTS_EN = Syllables("en_US", "aeiouy", silent_e=True)


def counts_es(text: str) -> tuple[int, int, int]:
    return counts(text, Syllables("es", "aeiouáéíóúü"))
