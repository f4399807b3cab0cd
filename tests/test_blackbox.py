"""The benchmark's black-box mode works: a tiny run of its driver against the bot as a
process, and its analysis counting what it should (so the bench cannot silently rot)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from tests.harness import ROOT


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", ROOT / "scripts" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_tiny_black_box_run_hands_out_and_answers_everything(tmp_path: Path) -> None:
    bench = load_bench()
    r = bench.blackbox_run(
        "bot",
        limits=True,
        updates=20,
        users=5,
        rate=None,
        rtt_ms=10,
        seed_users=50,
        warmup=5,
        timeout=30,
        workdir=str(tmp_path),
        quiet_s=0.3,
    )
    assert r["complete"], r
    assert r["injected"] == r["handed_out"] == r["updates"] == 20
    assert r["taps"] + r["commands"] == 20 and r["taps"] > 0 and r["commands"] > 0
    assert r["answered"] == r["taps"] and r["unanswered"] == 0
    assert r["unreacted"] == 0 and r["violations"] == 0 and r["extra_sends"] == 0
    assert r["api_calls"]["answerCallbackQuery"] == r["taps"]
    assert r["api_calls"]["sendMessage"] >= r["commands"]
    assert 0 < r["tap_p50_ms"] <= r["tap_p99_ms"] <= r["reaction_p99_ms"] + 1e-9
    assert r["rate"] > 0 and r["cpu_ms"] > 0 and r["rss_mb"] > 10
    assert r["exit_code"] == 0 and r["log_errors"] == 0


def test_the_analysis_sees_order_violations_and_unanswered_taps() -> None:
    bench = load_bench()
    stream: list[tuple[str, dict[str, Any]]] = [
        ("page", bench.tap_update(1, 7, "x")),
        ("command", bench.command_update(2, 7, "/help")),
        ("page", bench.tap_update(3, 7, "y")),
        ("page", bench.tap_update(4, 8, "z")),
    ]
    record = {
        "handed_out": {"1": 10.0, "2": 10.0, "3": 10.0, "4": 10.0},
        # Chat 7: the tap after the command is answered before the command's message.
        "calls": [
            [10.1, "answerCallbackQuery", None, "q1", 200],
            [10.2, "answerCallbackQuery", None, "q3", 200],
            [10.3, "sendMessage", "7", None, 200],
            [10.4, "getUpdates", None, None, 200],
        ],
        "refused": {"sendMessage": 2},
    }
    r = bench.analyse_blackbox(stream, record)
    assert r["violations"] == 1
    assert r["unanswered"] == 1 and r["unreacted"] == 1  # chat 8's tap
    assert r["taps"] == 3 and r["answered"] == 2 and r["commands"] == 1
    assert r["refused_total"] == 2
    assert round(r["tap_p99_ms"]) == 200 and round(r["reaction_p99_ms"]) == 300
    assert abs(r["span_s"] - 0.3) < 1e-9
