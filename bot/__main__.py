"""Command line: `python -m bot [run|console|check-content|red-flag-table|routes|site-check DIR]`."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import ConfigError, Settings, load_settings
from bot.content import ContentError, load_content
from bot.storage.interface import StorageUnavailable


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def check_content(settings: Settings) -> int:
    """Validate all content, print words and reading grade per section."""
    from bot.app import reserved_commands
    from bot.checks import report
    from bot.content import load_catalog

    try:
        contents = load_catalog(settings.content_dir, reserved_commands())
    except ContentError as exc:
        return _fail(str(exc))
    problems: list[str] = []
    for language, content in contents.items():
        found, lines = report(content)
        print(f"[{language}]")
        for line in lines:
            print(line)
        problems += [f"[{language}] {p}" for p in found]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


def site_check(folder: str | None) -> int:
    """`python -m bot site-check DIR`: every problem of a hospital's site folder, one line
    each naming the file and the field (exit 2); or what families will see (exit 0)."""
    from pathlib import Path

    from bot.content import language_folders
    from bot.site import describe, problems

    if not folder:
        return _fail("site-check needs the site folder: python -m bot site-check DIR")
    try:
        settings_dir = load_settings().content_dir
    except ConfigError as exc:
        return _fail(str(exc))
    languages = tuple(language_folders(settings_dir))
    site, found = problems(Path(folder), languages)
    if site is None:
        for problem in found:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    for language in languages:
        print(f"[{language}]")
        print(describe(site, language))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=("run", "console", "check-content", "red-flag-table", "routes", "site-check"),
    )
    parser.add_argument("folder", nargs="?", help="site-check: the site folder to check")
    args = parser.parse_args(argv)
    if args.command == "site-check":
        return site_check(args.folder)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(str(exc))
    if args.command == "check-content":
        return check_content(settings)
    if args.command == "routes":
        from bot.app import describe_routes

        try:
            print(describe_routes(settings))
        except ContentError as exc:
            return _fail(str(exc))
        return 0
    if args.command == "red-flag-table":
        from bot.app import reserved_commands as reserved
        from bot.checks import red_flag_table
        from bot.content import load_catalog

        try:
            print(red_flag_table(load_catalog(settings.content_dir, reserved())))
        except ContentError as exc:
            return _fail(str(exc))
        return 0
    from bot.app import reserved_commands

    try:
        content = load_content(settings.content_dir, reserved_commands())
    except ContentError as exc:
        return _fail(str(exc))
    if settings.site_dir is not None:  # a broken site folder stops the bot before it starts
        from bot.content import language_folders
        from bot.site import problems

        _, found = problems(settings.site_dir, tuple(language_folders(settings.content_dir)))
        if found:
            for problem in found:
                print(f"error: SITE_DIR: {problem}", file=sys.stderr)
            return 2
    from bot.logging_setup import setup_logging

    if args.command == "console" or settings.offline:
        from bot.console import run_console

        setup_logging("WARNING" if settings.log_level == "INFO" else settings.log_level, None)
        try:
            return asyncio.run(run_console(settings, content, announce=args.command != "console"))
        except StorageUnavailable as exc:
            return _fail(str(exc))
    setup_logging(settings.log_level, settings.token)
    from bot.runner import run_telegram

    try:
        return run_telegram(settings, content)
    except StorageUnavailable as exc:
        return _fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())
