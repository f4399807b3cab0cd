"""Command line: `python -m bot [run|console|check-content|red-flag-table|routes|site-check DIR|
poster --username BOT [--out DIR] [--site DIR]]`."""

from __future__ import annotations

import argparse
import asyncio
import re
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
    from datetime import date
    from pathlib import Path

    from bot.app import reserved_commands
    from bot.checks import site_pages_report
    from bot.content import load_catalog
    from bot.site import apply, describe, known_of, problems, warnings

    if not folder:
        return _fail("site-check needs the site folder: python -m bot site-check DIR")
    try:
        contents = load_catalog(load_settings().content_dir, reserved_commands())
    except (ConfigError, ContentError) as exc:
        return _fail(str(exc))
    known = known_of(contents)
    site, found = problems(Path(folder), tuple(contents), known)
    if site is None:
        for problem in found:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    for language in site.languages:
        print(f"[{language}]")
        print(describe(site, language))
    print("Fingerprints of what your reviewer approves (copy them under approved: once they have):")
    for name, value in known.fingerprints.items():
        print(f"  {name}: {value}")
    errors, hard = site_pages_report(apply(contents, site))
    for warning in [*warnings(site, known.fingerprints, date.today()), *hard]:
        print(f"warning: {warning}", file=sys.stderr)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    return 2 if errors else 0


_USERNAME = re.compile(r"[A-Za-z0-9_]{5,32}")


def poster(args: argparse.Namespace) -> int:
    """`python -m bot poster --username BOT [--out DIR] [--site DIR]`: the printable poster
    (bot.poster) for the site folder (--site, or SITE_DIR), one PDF per language and paper size
    (poster-en-a4.pdf ...) written into --out (default: here), each path printed."""
    from pathlib import Path

    from bot.app import reserved_commands
    from bot.content import load_catalog
    from bot.poster import PAPERS, build_poster
    from bot.site import START_PAYLOAD, known_of, problems

    if args.folder:
        return _fail("poster takes the site folder as --site DIR")
    if not args.username:
        return _fail("poster needs the bot's username: python -m bot poster --username YourGuideBot")
    username = args.username.strip().removeprefix("@")
    if not _USERNAME.fullmatch(username):
        return _fail(f"--username: {args.username!r} is not a Telegram username (5-32 letters, digits or _)")
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(str(exc))
    folder = Path(args.site) if args.site else settings.site_dir
    if folder is None:
        return _fail("poster needs the site folder: --site DIR, or the SITE_DIR setting")
    try:
        contents = load_catalog(settings.content_dir, reserved_commands())
    except ContentError as exc:
        return _fail(str(exc))
    site, found = problems(folder, tuple(contents), known_of(contents))
    if site is None:
        for problem in found:
            print(f"error: SITE_DIR: {problem}", file=sys.stderr)
        return 2
    link = f"https://t.me/{username}?start={START_PAYLOAD}"
    out = Path(args.out or ".")
    try:
        out.mkdir(parents=True, exist_ok=True)
        for language in site.languages:
            for paper in PAPERS:
                path = out / f"poster-{language}-{paper.lower()}.pdf"
                path.write_bytes(build_poster(site, contents[language], link, paper))
                print(path)
    except OSError as exc:
        return _fail(f"--out: cannot write the poster: {exc}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="run",
        choices=("run", "console", "check-content", "red-flag-table", "routes", "site-check", "poster"),
    )
    parser.add_argument("folder", nargs="?", help="site-check: the site folder to check")
    parser.add_argument("--username", help="poster: the bot's Telegram username (without @)")
    parser.add_argument("--out", help="poster: the folder to write the PDFs into (default: here)")
    parser.add_argument("--site", help="poster: the site folder (default: the SITE_DIR setting)")
    args = parser.parse_args(argv)
    if args.command == "site-check":
        return site_check(args.folder)
    if args.command == "poster":
        return poster(args)
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
        from bot.checks import site_pages_report
        from bot.content import load_catalog
        from bot.site import apply, known_of, problems

        contents = load_catalog(settings.content_dir, reserved_commands())
        site, found = problems(settings.site_dir, tuple(contents), known_of(contents))
        if site is not None:  # a page past Telegram's limit would fail when a parent opens it
            found = site_pages_report(apply(contents, site))[0]
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
