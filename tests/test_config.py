"""Settings: clear errors naming the setting, exit status 2, nothing half-started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.harness import ROOT

GOOD_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


def test_defaults_without_token(tmp_path: Path) -> None:
    s = load_settings({"BOT_DB_PATH": str(tmp_path / "x" / "db.sqlite3")})
    assert s.offline and s.token is None
    assert s.api_base_url.endswith("/bot") and s.log_level == "INFO"
    assert (tmp_path / "x").is_dir()
    assert "AAH" not in repr(s)
    assert s.webhook_answer_within == 10
    later = load_settings({"BOT_DB_PATH": str(tmp_path / "db"), "WEBHOOK_ANSWER_WITHIN": "25"})
    assert later.webhook_answer_within == 25


def test_token_and_base_urls(tmp_path: Path) -> None:
    s = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": GOOD_TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "TELEGRAM_API_BASE_FILE_URL": "http://127.0.0.1:8081/file/bot",
            "BOT_DB_PATH": str(tmp_path / "db"),
            "LOG_LEVEL": "debug",
        }
    )
    assert not s.offline and s.api_base_url == "http://127.0.0.1:8081/bot"
    assert s.log_level == "DEBUG"
    assert GOOD_TOKEN not in repr(s)


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "123:short"}, "TELEGRAM_BOT_TOKEN"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL"),
        ({"BOT_DB_PATH": "/proc/nope/db.sqlite3"}, "BOT_DB_PATH"),
        ({"WEBHOOK_URL": "https://example.invalid/hook"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_URL": "https://example.invalid/hook", "WEBHOOK_SECRET": "bad secret!"}, "WEBHOOK_SECRET"),
        ({"BOT_CONCURRENCY": "0"}, "BOT_CONCURRENCY"),
        ({"WEBHOOK_ANSWER_WITHIN": "60"}, "WEBHOOK_ANSWER_WITHIN"),
        ({"BOT_CONTENT_DIR": "/nonexistent"}, "BOT_CONTENT_DIR"),
    ],
)
def test_bad_settings_name_the_setting(tmp_path: Path, env: dict[str, str], setting: str) -> None:
    env = {"BOT_DB_PATH": str(tmp_path / "db"), **env}
    with pytest.raises(ConfigError) as info:
        load_settings(env)
    assert str(info.value).startswith(setting)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "LOG_"))}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_process_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    result = _run({"TELEGRAM_BOT_TOKEN": "garbage", "BOT_DB_PATH": str(tmp_path / "db")})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BOT_TOKEN" in lines[0]
    assert "garbage" not in result.stderr
    unwritable = _run({"BOT_DB_PATH": "/proc/nope/db.sqlite3"})
    assert unwritable.returncode == 2 and "BOT_DB_PATH" in unwritable.stderr


def test_broken_content_refuses_to_start(tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "content"
    shutil.copytree(ROOT / "content", broken)
    (broken / "urgent.yaml").write_text("title: x\n", encoding="utf-8")
    result = _run({"BOT_CONTENT_DIR": str(broken), "BOT_DB_PATH": str(tmp_path / "db")})
    assert result.returncode == 2
    assert "urgent.yaml" in result.stderr and "general_note" in result.stderr
