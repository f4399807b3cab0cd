"""Flesch-Kincaid reading grade, computed offline with pyphen's dictionaries."""

from __future__ import annotations

import re
from functools import lru_cache

import pyphen

_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?|\d+(?:[.,]\d+)*")
# A sentence ends at . ! ? or at a line break (list items and headings carry no full stop).
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n+")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_DICT = pyphen.Pyphen(lang="en_US")


def _syllables(word: str, dictionary: pyphen.Pyphen, vowels: re.Pattern[str],
               silent_e: bool) -> int:
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


@lru_cache(maxsize=20000)
def syllables(word: str) -> int:
    return _syllables(word, _DICT, _VOWEL_GROUP, silent_e=True)


def counts(text: str) -> tuple[int, int, int]:
    """(sentences, words, syllables) of a text."""
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    words = _WORD.findall(text)
    return len(sentences), len(words), sum(syllables(w) for w in words)


def grade_of(sentences: int, words: int, syll: int) -> float:
    if not sentences or not words:
        return 0.0
    return 0.39 * (words / sentences) + 11.8 * (syll / words) - 15.59


def fk_grade(text: str) -> float:
    """Flesch-Kincaid grade level of a text (0.0 for a text with no words)."""
    return grade_of(*counts(text))


# ---- Spanish: the INFLESZ scale (Szigriszt-Pazos readability) -------------------------------------
_WORD_ES = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]+|\d+(?:[.,]\d+)*")
_SENTENCE_END_ES = re.compile(r"[.!?…]+(?=\s|$)|\n+")
_VOWEL_GROUP_ES = re.compile(r"[aeiouáéíóúü]+")
_DICT_ES = pyphen.Pyphen(lang="es")


@lru_cache(maxsize=20000)
def syllables_es(word: str) -> int:
    """Syllables in one Spanish word (a diphthong is one vowel group, as it is one syllable)."""
    return _syllables(word, _DICT_ES, _VOWEL_GROUP_ES, silent_e=False)


def counts_es(text: str) -> tuple[int, int, int]:
    sentences = [s for s in _SENTENCE_END_ES.split(text) if _WORD_ES.search(s)]
    words = _WORD_ES.findall(text)
    return len(sentences), len(words), sum(syllables_es(w) for w in words)


def inflesz_of(sentences: int, words: int, syll: int) -> float:
    """Szigriszt-Pazos perspicuity (the INFLESZ scale): 206.835 - 62.3 * syllables/words -
    words/sentences. 55-65 "normal", 65-80 "bastante fácil", above 80 "muy fácil"."""
    if not sentences or not words:
        return 0.0
    return 206.835 - 62.3 * (syll / words) - words / sentences


def inflesz(text: str) -> float:
    return inflesz_of(*counts_es(text))
