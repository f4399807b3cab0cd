"""How long bot/when.py takes: the import of bot.when and the first parse (each in a fresh
interpreter, so nothing is warm), then p50/p99/max per parse over every string of
tests/test_when.py's tables after a warm-up, beside the targets.

    .venv/bin/python scripts/bench_when.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content import load_profiles  # noqa: E402
from bot.when import read  # noqa: E402
from tests.test_when import TABLES  # noqa: E402

TARGET_P99_MS = 5.0
TARGET_FIRST_USE_MS = 300.0
FRESH_RUNS = 5  # fresh interpreters for the cold figures: their median is shown

# In a fresh interpreter: the import of bot.when (with the standard modules it uses, or
# with those already loaded, as they are in the bot), then the first read() (the date words
# are loaded in between, as the bot has them from its content before anyone types).
COLD = """
import time
t0 = time.perf_counter()
{stdlib}
t_lib = time.perf_counter()
import bot.when
t1 = time.perf_counter()
from pathlib import Path
from datetime import datetime
from zoneinfo import ZoneInfo
from bot.content import load_profiles
words = load_profiles(Path("content"))["es"].dates
now = datetime(2027, 1, 11, 10, 20, tzinfo=ZoneInfo("Europe/Madrid"))
t2 = time.perf_counter()
bot.when.read("el martes a las 3 de la tarde", now, prefer="future", words=words)
t3 = time.perf_counter()
print((t1 - t0) * 1000, (t1 - t_lib) * 1000, (t3 - t2) * 1000)
"""
STDLIB = "import re, string, unicodedata, dataclasses, datetime, functools, typing"


def cold() -> tuple[float, float, float]:
    """Medians of (import with its standard modules, import of bot.when alone, first use)."""
    runs = []
    for _ in range(FRESH_RUNS):
        for stdlib in ("pass", STDLIB):
            out = subprocess.run(
                [sys.executable, "-c", COLD.format(stdlib=stdlib)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
            runs.append((stdlib, [float(x) for x in out.stdout.split()]))
    whole = [r[0] for stdlib, r in runs if stdlib == "pass"]
    alone = [r[1] for stdlib, r in runs if stdlib != "pass"]
    first = [r[2] for _, r in runs]
    return statistics.median(whole), statistics.median(alone), statistics.median(first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    imported, alone, first = cold()
    profiles = load_profiles(ROOT / "content")
    now = datetime(2027, 1, 11, 10, 20, tzinfo=ZoneInfo("Europe/Madrid"))
    cases = [(r, profiles[language].dates) for language, table in TABLES.items() for r in table]
    for r, words in cases:  # warm-up
        read(r.text, now, prefer=r.prefer, need=r.need, day_first=r.day_first, words=words)
    times: list[float] = []
    for _ in range(args.rounds):
        for r, words in cases:
            start = time.perf_counter()
            read(r.text, now, prefer=r.prefer, need=r.need, day_first=r.day_first, words=words)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p50, p99 = times[len(times) // 2], times[int(len(times) * 0.99)]
    print(
        f"import bot.when        {imported:8.2f} ms   (fresh interpreter, with the standard "
        f"modules it uses; median of {FRESH_RUNS})"
    )
    print(f"  of which bot.when    {alone:8.2f} ms   (those modules already loaded, as in the bot)")
    print(
        f"first use (1st parse)  {first:8.2f} ms   target <= {TARGET_FIRST_USE_MS:.0f} ms  "
        f"{'OK' if first <= TARGET_FIRST_USE_MS else 'OVER'}"
    )
    print(f"per parse, {len(cases)} strings x {args.rounds} rounds:")
    print(
        f"  p50 {p50:.3f} ms   p99 {p99:.3f} ms   max {times[-1]:.3f} ms   "
        f"target p99 <= {TARGET_P99_MS:.0f} ms  {'OK' if p99 <= TARGET_P99_MS else 'OVER'}"
    )
    heavy = [m for m in ("dateparser", "regex", "babel") if m in sys.modules]
    print(f"heavy modules loaded: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
