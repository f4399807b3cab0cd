"""Where a time zone is: its country's ISO code, from the time-zone database's own table
(zone.tab, shipped with tzdata), so the bot can offer that country's emergency number for
the family to confirm. Read once; it holds no one's data."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def _zone_countries() -> dict[str, str]:
    try:
        text = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        text = Path("/usr/share/zoneinfo/zone.tab").read_text("utf-8")
    table: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) >= 3:
                table[fields[2]] = fields[0]
    return table


def country_of_zone(zone: str | None) -> str | None:
    """ "America/Chicago" -> "US"; None for "UTC" or a zone no country owns."""
    return _zone_countries().get(zone or "")
