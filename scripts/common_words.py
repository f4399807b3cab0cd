"""Write each language's most used words (wordfreq) into its content folder, for the red-flag
check's common-word table: `content/common_words.txt` (English) and
`content/<code>/common_words.txt`, one word a line, most used first.

The bot reads these files rather than wordfreq itself: wordfreq costs about 13 MB and half a
second to load, for a list that changes only with wordfreq's data. tests/test_content.py
checks each file still equals wordfreq's list, so a new wordfreq is noticed.

    .venv/bin/python scripts/common_words.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.content import COMMON_WORDS_FILE, FREQUENT_WORDS, language_folders  # noqa: E402


def frequent(language: str) -> list[str]:
    """wordfreq's most used words of a language (none when wordfreq has not got it)."""
    import wordfreq

    if language not in wordfreq.available_languages():
        return []
    return list(wordfreq.top_n_list(language, FREQUENT_WORDS))


def main() -> None:
    for language, folder in language_folders(ROOT / "content").items():
        words = frequent(language)
        path = folder / COMMON_WORDS_FILE
        path.write_text("".join(f"{w}\n" for w in words), encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {len(words)} words")


if __name__ == "__main__":
    main()
