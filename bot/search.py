"""Full-text search over the guide, built in memory when the content loads.

Ranking is SQLite's FTS5 (BM25) over stemmed words, in an in-memory database that only this
index uses; typed words are stemmed with the Snowball stemmer of the content's language
(snowballstemmer), and a word the guide never uses is corrected to the nearest word it does
use (rapidfuzz, optimal string alignment: one slip in words of 5-6 letters, two in longer
ones; shorter words are left as typed).
Question words and other stop words are dropped, and a synonym list leads the parent's
words to the guide's. Nothing typed is stored: the index holds only content.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

# Words: letters and digits in any script, with inner apostrophes ("can't", "child's").
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SENTENCE = re.compile(r"(?<=[.!?:;])\s+|\n+")
MAX_QUERY_WORDS = 32  # a longer text is searched by its first 32 content words
SNIPPET = 110  # characters of a result's one-line snippet


@dataclass(frozen=True)
class Document:
    """One thing a result can open: a page, a glossary term, a checklist sign, a question."""

    key: str  # what opening it means (callback data, chosen by the feature)
    title: str
    text: str  # plain text (no HTML)
    keywords: str = ""  # headings and other names: weighted above the text
    names: tuple[str, ...] = ()  # a query that is exactly one of these puts it first
    weight: float = 1.0  # below 1: ranked lower for the same match (short glossary cards)
    # A hard page (or a word from one) that asks before it is read: its result shows a
    # neutral name (`label`) instead of its title and words, or nothing when it has none,
    # unless the reader chose not to be asked. The feature decides; the index carries it.
    asks_first: bool = False
    label: str = ""


@dataclass(frozen=True)
class Hit:
    document: Document
    snippet: str  # HTML: escaped, with the matching words in bold


@dataclass(frozen=True)
class Query:
    """What was understood of the text: the words searched for, after everything."""

    words: tuple[str, ...]  # surface words, corrected and expanded
    stems: frozenset[str] = field(default_factory=frozenset)
    typed_stems: tuple[str, ...] = ()  # the content words as typed (corrected), no synonyms
    # The stems of the words exactly as typed and of the synonyms they lead to, without typo
    # correction (which may turn "morados" into "curados"): for rules that must not guess.
    as_typed: frozenset[str] = field(default_factory=frozenset)


def plain(word: str) -> str:
    """Lower case, accents off: "síntomas" and "sintomas" are the same word to a search."""
    if word.isascii():  # nothing to take off (most words: the index reads every one)
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("’", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    return [plain(w) for w in _WORD.findall(text)]


class SearchIndex:
    def __init__(
        self,
        documents: Sequence[Document],
        language: str,
        stop_words: Iterable[str] = (),
        synonyms: Mapping[str, Sequence[str]] | None = None,
    ):
        self.documents = list(documents)
        self._stemmer = snowballstemmer.stemmer(language)
        if hasattr(self._stemmer, "maxCacheSize"):  # PyStemmer keeps typed words otherwise
            self._stemmer.maxCacheSize = 0
        # The stems of the content's own words, remembered while the index is built; a
        # parent's typed words are stemmed each time and never kept.
        self._stem_of: dict[str, str] = {}
        self._building = True
        self._stop = frozenset(w.lower() for w in stop_words)
        # "spinal tap" -> ("lumbar", "puncture"): phrases as word tuples, longest first.
        self._synonym_words = sorted(
            (
                (tuple(words_of(k)), tuple(w for v in vs for w in words_of(v)))
                for k, vs in (synonyms or {}).items()
            ),
            key=lambda kv: -len(kv[0]),
        )
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(title, keywords, body, "
            "weight UNINDEXED, tokenize='unicode61 remove_diacritics 2')"
        )
        self._db.executemany(
            "INSERT INTO docs(rowid, title, keywords, body, weight) VALUES (?, ?, ?, ?, ?)",
            (
                (n, self._stemmed(d.title), self._stemmed(d.keywords), self._stemmed(d.text), d.weight)
                for n, d in enumerate(self.documents)
            ),
        )
        self._vocabulary = sorted(
            {w for d in self.documents for w in words_of(f"{d.title} {d.keywords} {d.text}")}
        )
        self._known_stems = frozenset(self.stem(w) for w in self._vocabulary)
        self._names = [{self._content_stems(n) for n in d.names} - {frozenset()} for d in self.documents]
        # Matched on stems, so "comes back" finds "come back" and "relapsed" finds "relapse".
        self._synonyms = [(tuple(self.stem(w) for w in k), v) for k, v in self._synonym_words]
        self._building = False

    def stem(self, word: str) -> str:
        known = self._stem_of.get(word)
        if known is not None:
            return known
        stemmed: str = self._stemmer.stemWord(word)
        if self._building:
            self._stem_of[word] = stemmed
        return stemmed

    def _content_stems(self, text: str) -> frozenset[str]:
        return frozenset(self.stem(w) for w in words_of(text) if w not in self._stop)

    def _stemmed(self, text: str) -> str:
        return " ".join(self.stem(w) for w in words_of(text))

    # ---- understanding the query -----------------------------------------------------------
    def correct(self, word: str) -> str:
        """The word itself if the guide uses it (in any form), else the nearest word it does
        use within one or two typing slips, else the word unchanged."""
        if self.stem(word) in self._known_stems or len(word) < 5 or not word.isalpha():
            return word  # short words have too many neighbours ("port" is not "part")
        limit = 1 if len(word) <= 6 else 2
        found = process.extractOne(word, self._vocabulary, scorer=OSA.distance, score_cutoff=limit)
        return str(found[0]) if found else word

    def understand(self, text: str) -> Query:
        raw = words_of(text)
        raw_stems = [self.stem(w) for w in raw]
        # A word typed in capitals inside ordinary text is an abbreviation ("ALL", "CSF"):
        # never a stop word, even when its lowercase form is one.
        shouting = text.upper() == text and len(raw) > 1
        capitals = (
            set() if shouting else {w.lower() for w in _WORD.findall(text) if len(w) > 1 and w.isupper()}
        )
        # Bare numbers ("39", a phone number) name no topic: left to the urgent words.
        content = [w for w in raw if (w not in self._stop or w in capitals) and not w.isdigit()][
            :MAX_QUERY_WORDS
        ]
        corrected = [self.correct(w) for w in content]
        expanded: list[str] = []
        literal: list[str] = []  # led to by the words as typed
        # On the words as typed (phrases may hold stop words: "come back"), then on the
        # corrected ones ("relaps" -> "relapse" -> "recurrence").
        corrected_stems = [self.stem(w) for w in corrected]
        for phrase, replacement in self._synonyms:
            n = len(phrase)
            for stems in (raw_stems, corrected_stems):
                if any(tuple(stems[i : i + n]) == phrase for i in range(len(stems) - n + 1)):
                    expanded.extend(replacement)
                    if stems is raw_stems:
                        literal.extend(replacement)
                    break
        words = tuple(dict.fromkeys([*corrected, *expanded]))
        as_typed = frozenset([*raw_stems, *(self.stem(w) for w in literal)])
        return Query(
            words, frozenset(self.stem(w) for w in words), tuple(dict.fromkeys(corrected_stems)), as_typed
        )

    # ---- searching ------------------------------------------------------------------------------
    def search(self, text: str, limit: int = 5) -> tuple[Query, list[Hit]]:
        """The best `limit` places for a text, each with its snippet."""
        query, documents = self.rank(text, limit)
        return query, [Hit(d, self.snippet(d, query.stems)) for d in documents]

    def rank(self, text: str, limit: int = 5) -> tuple[Query, list[Document]]:
        """The best `limit` places for a text, best first, without snippets (a feature that
        leaves some out or moves some up makes snippets only for the ones it shows)."""
        query = self.understand(text)
        stems = [s for s in query.stems if s in self._known_stems]
        if not stems:
            return query, []
        match = " OR ".join(f'"{s}"' for s in sorted(stems))
        # bm25() is negative, lower is better: a weight below 1 moves a document down.
        rows = self._db.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 4.0, 3.0, 1.0) * weight LIMIT ?",
            (match, limit * 4 + 10),
        ).fetchall()
        # A query that names something exactly ("palliative care", "MRD") opens with it.
        typed = frozenset(query.typed_stems)
        ranked = sorted((row[0] for row in rows), key=lambda n: typed not in self._names[n])
        # One result per place it opens (ten checklist signs open one checklist).
        places: dict[str, int] = {}
        for n in ranked:
            places.setdefault(self.documents[n].key, n)
        return query, [self.documents[n] for n in list(places.values())[:limit]]

    def document(self, key: str) -> Document | None:
        """The first document that opens `key`."""
        return next((d for d in self.documents if d.key == key), None)

    def snippet(self, document: Document, stems: frozenset[str]) -> str:
        """The sentence of the document with the most matching words, clipped to one line
        around the first of them, escaped, the matching words in bold."""
        sentences = [s.strip() for s in _SENTENCE.split(document.text) if s.strip()] or [document.title]

        def score(sentence: str) -> int:
            return len({self.stem(w) for w in words_of(sentence)} & stems)

        best = max(sentences, key=score)
        spans = [m.span() for m in _WORD.finditer(best) if self.stem(plain(m.group())) in stems]
        start = 0
        if spans and spans[0][0] > SNIPPET // 3:
            start = best.rfind(" ", 0, spans[0][0] - SNIPPET // 3) + 1
        end = min(len(best), start + SNIPPET)
        if end < len(best):
            end = max(best.rfind(" ", start, end), start + SNIPPET // 2)
        out, at = [], start
        for a, b in spans:
            if a < start or b > end:
                continue
            out.append(escape(best[at:a], quote=False))
            out.append(f"<b>{escape(best[a:b], quote=False)}</b>")
            at = b
        out.append(escape(best[at:end], quote=False))
        return ("…" if start else "") + "".join(out).strip() + ("…" if end < len(best) else "")
