"""🩸 Blood counts as the family's own record, through the real Application, in both
languages and on both backends: entered by taps and by typing, values kept as typed ("1,2",
"<0.1"), bad input refused calmly with the prompt open, the unit asked when missing, the day
read looking back, a helper adding, who may delete, the chart (a PNG, one panel per unit,
with its summary as the caption), /mydata, erasing the family, and no word anywhere on what
a value means."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

import pytest
from PIL import Image

from bot.charts import BELOW, HEIGHT, PANEL, WIDTH, Labels, Point, draw, series, unit_key
from bot.content import Content
from bot.storage import FULL, LimitReached, Member, NoConsent, Store
from bot.storage.counts import CountsRepo
from handlers.counts import rules
from handlers.counts.rules import (
    LARGEST,
    MAX_NAME,
    NAME_TOO_LONG,
    NOT_A_NUMBER,
    ONE_VALUE,
    OUT_OF_RANGE,
    TWO_READINGS,
    UNIT_UNCLEAR,
    Typed,
    Value,
    read_typed,
    read_value,
)
from handlers.counts.views import echo_day
from tests.harness import Clock, Harness, make, stored_anywhere
from tests.test_family import join_by_link

pytestmark = [pytest.mark.every_language, pytest.mark.every_backend]

A, C = 1001, 3003
NOW = 1_796_000_000.0  # Mon 30 Nov 2026, 08:53 UTC
TODAY = date(2026, 11, 30)


@pytest.fixture
async def bot(settings: Any, catalog: dict[str, Content], language: str) -> Any:
    async with Harness(settings, catalog["en"], language=language, clock=Clock(start=NOW)) as harness:
        await harness.storage.users.give_consent(A)
        yield harness


def s(bot: Harness, key: str, **fields: Any) -> str:
    return bot.content.strings(key, **fields)


def counts(bot: Harness) -> CountsRepo:
    storage = bot.storage
    assert isinstance(storage, Store)
    return storage.counts


async def stored(bot: Harness, circle: int = A) -> list[tuple[str, str, str, float, str]]:
    return [(c.taken_on, c.name, c.value, c.number, c.unit) for c in await counts(bot).list(circle)]


def sent_since(bot: Harness, mark: int, user: int = A) -> str:
    """Every text sent or edited for `user` after the `mark`-th API call."""
    return "\n".join(
        str(c.params.get("text") or c.params.get("caption") or "")
        for c in bot.api.calls[mark:]
        if str(c.params.get("chat_id", "")) == str(user)
    )


async def start_adding(bot: Harness, user: int = A, count: str | None = None) -> None:
    """/counts → ➕ → Today (→ a count)."""
    await bot.send("/counts", user)
    await bot.tap(s(bot, "counts.add"), user)
    await bot.tap(s(bot, "counts.today", date="").split(",")[0], user)
    if count is not None:
        await bot.tap(s(bot, f"counts.names.{count}"), user)


# ---- reading what is typed (pure) ----
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.2", Value("1.2", 1.2)),
        ("1,2", Value("1,2", 1.2)),
        ("1200", Value("1200", 1200.0)),
        ("<0.1", Value("<0.1", 0.1, BELOW)),
        ("< 0,1", Value("<0,1", 0.1, BELOW)),
        ("0,125", Value("0,125", 0.125)),
        ("0", Value("0", 0.0)),
        ("1000000", Value("1000000", 1_000_000.0)),
        ("1,200", TWO_READINGS),
        ("1.200", TWO_READINGS),
        ("1.234.567", TWO_READINGS),
        ("1,234.5", TWO_READINGS),
        ("-3", OUT_OF_RANGE),
        ("−3", OUT_OF_RANGE),
        ("1000001", OUT_OF_RANGE),
        ("<0", OUT_OF_RANGE),
        ("abc", NOT_A_NUMBER),
        ("", NOT_A_NUMBER),
        ("0.0000000000001", NOT_A_NUMBER),
    ],
)
def test_a_value_is_kept_as_typed_or_refused(text: str, expected: Value | str) -> None:
    assert read_value(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("wbc 1.2 x10^9/L", Typed(Value("1.2", 1.2), "wbc", "x10^9/L")),
        ("platelets 45 10^9/L", Typed(Value("45", 45.0), "platelets", "10^9/L")),
        ("Hb 9,5 g/dl", Typed(Value("9,5", 9.5), "Hb", "g/dl")),
        ("plaquetas: 45 ×10⁹/L", Typed(Value("45", 45.0), "plaquetas", "×10⁹/L")),
        ("anc <0.1 x 10^9/L", Typed(Value("<0.1", 0.1, BELOW), "anc", "x 10^9/L")),
        ("CD4 450 cells/µL", Typed(Value("450", 450.0), "CD4", "cells/µL")),
        ("45x10^9/L", Typed(Value("45", 45.0), None, "x10^9/L")),
        ("45 ×10⁹/L", Typed(Value("45", 45.0), None, "×10⁹/L")),
        ("1,2", Typed(Value("1,2", 1.2))),
        ("neutrophils 45 %", Typed(Value("45", 45.0), "neutrophils", "%")),
        ("10^9/L", NOT_A_NUMBER),
        ("wbc high", NOT_A_NUMBER),
        ("wbc 1.2 anc 0.5", ONE_VALUE),
        ("1 200 /uL", ONE_VALUE),
        ("x" * 200 + " 1.2 g/L", NAME_TOO_LONG),
        ("12/11", UNIT_UNCLEAR),
        ("wbc -1 x10^9/L", OUT_OF_RANGE),
        ("wbc 1,200 /µL", TWO_READINGS),
    ],
)
def test_one_message_gives_name_value_and_unit(text: str, expected: Typed | str) -> None:
    assert read_typed(text) == expected


def test_the_four_counts_are_known_by_their_words_in_every_language(catalog: dict[str, Content]) -> None:
    lists = [
        {k.rsplit(".", 1)[1]: c.strings(k) for k in c.strings.keys() if k.startswith("counts.words.")}  # noqa: SIM118
        for c in catalog.values()
    ]
    words = rules.known_words(lists)
    for typed, stored_as in [
        ("WBC", "wbc"),
        ("Plaquetas", "platelets"),
        ("plt", "platelets"),
        ("Neutrófilos", "neutrophils"),
        ("neutrofilos", "neutrophils"),
        ("ANC", "neutrophils"),
        ("Hgb", "hemoglobin"),
        ("Hemoglobina", "hemoglobin"),
        ("glóbulos blancos", "wbc"),
        ("Lymphocytes", "Lymphocytes"),  # any other name: as typed
        ("  my   count ", "my count"),
    ]:
        assert rules.stored_name(typed, words) == stored_as, typed


def test_values_and_days_travel_on_buttons_and_are_read_again() -> None:
    for text in ("<0.1", "1,2", "1200", ">1000", "0.125"):
        value = read_value(text)
        assert isinstance(value, Value)
        data = rules.value_data(value)
        assert re.fullmatch(r"[a-z0-9_]{1,24}", data)
        assert rules.value_from(data) == value
    assert rules.value_from("zz") is None and rules.value_from("l0") is None
    assert rules.day_from(rules.day_number(TODAY)) == TODAY
    assert rules.day_from(20261331) is None
    assert rules.code_of("Lymphocytes") == rules.code_of("lymphocytes") != rules.code_of("platelets")


# ---- what a chart draws (pure) ----
def points(*rows: tuple[int, int, float, str, str]) -> list[Point]:
    return [
        Point(
            date(2026, m, d),
            number,
            value,
            unit,
            "platelets",
            BELOW if value.startswith("<") else "",
        )
        for m, d, number, value, unit in rows
    ]


def labels() -> Labels:
    months = tuple(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])
    return Labels("Platelets", "Entered by your family", "below", "above", months)


def test_units_are_never_mixed_on_one_line() -> None:
    assert unit_key("x10^9/L") == unit_key("×10⁹/L") == unit_key("10^9/l") == unit_key("10 ^9 / L")
    assert unit_key("/uL") == unit_key("/µl")
    assert len({unit_key(u) for u in ("g/dL", "g/L", "G/L", "10^9/L", "10^3/µL", "mmol/L")}) == 6
    drawn = series(
        points(
            (11, 2, 45, "45", "x10^9/L"),
            (11, 20, 60, "60", "×10⁹/L"),
            (11, 25, 45000, "45000", "/µL"),
            (12, 1, 80, "80", "10^9/L"),
        )
    )
    assert [(g.unit, [p.value for p in g.points]) for g in drawn] == [
        ("10^9/L", ["45", "60", "80"]),
        ("/µL", ["45000"]),
    ]
    assert all(len({unit_key(p.unit) for p in g.points}) == 1 for g in drawn)
    # A different count with the same unit is its own line too.
    other = Point(date(2026, 11, 3), 1.2, "1.2", "10^9/L", "wbc")
    assert len(series([*points((11, 2, 45, "45", "10^9/L")), other])) == 2


def test_the_chart_is_a_png_with_a_panel_per_unit() -> None:
    one = draw(
        points((11, 2, 45, "45", "x10^9/L"), (12, 1, 0.1, "<0.1", "x10^9/L")),
        labels(),
        date(2026, 9, 1),
        date(2026, 12, 1),
    )
    assert one.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(one.png)).size == (WIDTH, HEIGHT)
    assert len(one.panels) == 1 and [p.mark for p in one.panels[0].points] == ["", BELOW]
    assert one.panels[0].points[1].number == 0.1  # "<0.1" drawn at 0.1, marked below
    two = draw(
        points((11, 2, 9.5, "9,5", "g/dL"), (11, 9, 95, "95", "g/L")),
        labels(),
        date(2026, 9, 1),
        date(2026, 12, 1),
    )
    assert [p.unit for p in two.panels] == ["g/L", "g/dL"]
    assert Image.open(io.BytesIO(two.png)).size == (WIDTH, HEIGHT + PANEL)
    # A typed name is plain text on the chart, never maths.
    draw(
        points((11, 2, 1, "1", "$x^")), Labels("$a_{", "$", "$", "$", ()), date(2026, 9, 1), date(2026, 12, 1)
    )


# ---- no word on what a value means ----
INTERPRETING = re.compile(
    r"\b(low|lower|lowest|high|higher|normal|abnormal|range|ranges|threshold|reference|healthy|"
    r"danger|dangerous|safe|good|bad|worry|worrying|bajo|baja|bajos|bajas|alto|alta|altos|altas|"
    r"normales|anormal|rango|rangos|umbral|referencia|peligro|peligroso|sano|bueno|malo)\b",
    re.IGNORECASE,
)


def test_no_counts_string_says_what_a_value_means(catalog: dict[str, Content]) -> None:
    for content in catalog.values():
        keys = [k for k in content.strings.keys() if k.startswith("counts.")]  # noqa: SIM118
        assert len(keys) > 40
        for key in keys:
            if key.startswith("counts.words."):
                continue
            assert not INTERPRETING.search(content.strings._values[key]), (content.language, key)
        assert "care team" in content.strings("counts.about") or "equipo médico" in content.strings(
            "counts.about"
        )


# ---- entering counts through the Application ----
async def test_counts_by_tap_and_by_typing_are_kept_as_typed(bot: Harness) -> None:
    await bot.send("/counts")
    assert s(bot, "counts.none") in bot.html() and s(bot, "counts.about") in bot.html()
    await start_adding(bot, count="platelets")
    day = echo_day(bot.content, TODAY)
    assert bot.html() == s(bot, "counts.value_ask", name=s(bot, "counts.names.platelets"), day=day)
    await bot.send("45 ×10⁹/L")
    saved = s(bot, "counts.saved", name=s(bot, "counts.names.platelets"), value="45", unit="×10⁹/L", day=day)
    assert bot.html().startswith(saved) and s(bot, "counts.about") in bot.html()
    # The next count of the same report, all in one message, a decimal comma, either language's word.
    await bot.send("wbc 1,2 x10^9/L")
    await bot.send("neutrófilos <0.1 x10^9/L")
    await bot.send("Lymphocytes 0.8 x10^9/L")
    assert await stored(bot) == [
        ("2026-11-30", "platelets", "45", 45.0, "×10⁹/L"),
        ("2026-11-30", "wbc", "1,2", 1.2, "x10^9/L"),
        ("2026-11-30", "neutrophils", "<0.1", 0.1, "x10^9/L"),
        ("2026-11-30", "Lymphocytes", "0.8", 0.8, "x10^9/L"),
    ]
    await bot.tap(s(bot, "counts.done"))
    html = bot.html()
    assert s(bot, "counts.recent") in html
    day = "30 " + s(bot, "dates.month_abbr").split()[10] + " 2026"
    platelets = s(
        bot, "counts.summary_one", name=s(bot, "counts.names.platelets"), unit="×10⁹/L", date=day, values="45"
    )
    assert platelets in html
    assert (
        s(
            bot,
            "counts.summary_one",
            name=s(bot, "counts.names.neutrophils"),
            unit="x10^9/L",
            date=day,
            values="&lt;0.1",
        )
        in html
    )
    # The family's own name is offered as a button the next time.
    await start_adding(bot)
    assert "Lymphocytes" in [label for label, _ in bot.buttons()]


async def test_bad_values_are_refused_calmly_and_nothing_is_saved(bot: Harness) -> None:
    await start_adding(bot, count="platelets")
    largest = f"{LARGEST:,}".replace(",", s(bot, "counts.thousands"))
    for text, line in [
        ("-3", s(bot, "counts.problem.out_of_range", largest=largest)),
        ("2000000 x10^9/L", s(bot, "counts.problem.out_of_range", largest=largest)),
        ("1,200", s(bot, "counts.problem.two_readings", value="1,200")),
        ("a lot", s(bot, "counts.problem.not_a_number")),
        ("wbc 1.2 anc 0.5", s(bot, "counts.problem.one_value")),
        ("x" * 200 + " 1.2 g/L", s(bot, "counts.problem.name_too_long", limit=MAX_NAME, length=200)),
        ("45 /11", s(bot, "counts.problem.unit_unclear")),
    ]:
        await bot.send(text)
        assert bot.html().startswith(line), text
        assert await stored(bot) == []
    # The prompt stayed open all along: a good value is saved.
    await bot.send("45 x10^9/L")
    assert [v for _, _, v, _, _ in await stored(bot)] == ["45"]


async def test_a_value_without_a_unit_asks_for_it(bot: Harness) -> None:
    await start_adding(bot, count="platelets")
    await bot.send("45")  # the family never typed a unit for platelets: typed
    assert s(bot, "counts.unit_tap") not in bot.html()
    assert s(bot, "counts.names.platelets") in bot.html() and "45" in bot.html()
    assert await stored(bot) == []
    await bot.send("×10⁹/L")
    assert await stored(bot) == [("2026-11-30", "platelets", "45", 45.0, "×10⁹/L")]
    # Now the unit they used is offered as a button beside typing.
    await bot.tap(s(bot, "counts.names.platelets"))
    await bot.send("<0,1")
    assert s(bot, "counts.unit_tap") in bot.html()
    await bot.tap("×10⁹/L")
    assert (await stored(bot))[-1] == ("2026-11-30", "platelets", "<0,1", 0.1, "×10⁹/L")
    # A value alone with no count named asks which count it is.
    await bot.send("60")
    assert s(bot, "counts.name_needed", value="60") in bot.html()
    assert len(await stored(bot)) == 2
    # A name the family never used, without a unit: the whole line again.
    await bot.send("lymphocytes 0.8")
    assert bot.html().startswith(s(bot, "counts.unit_with_name", name="lymphocytes", value="0.8"))
    assert len(await stored(bot)) == 2


async def test_the_day_is_read_looking_back_and_never_ahead(bot: Harness) -> None:
    await bot.send("/counts")
    await bot.tap(s(bot, "counts.add"))
    tomorrow = "tomorrow" if bot.language == "en" else "mañana"
    await bot.send(tomorrow)
    assert bot.html().startswith(s(bot, "counts.date.future"))
    await bot.send("2026-12-24")
    assert bot.html().startswith(s(bot, "counts.date.future"))
    await bot.send("31/02/2026")
    assert bot.html().startswith(s(bot, "counts.date.no_such_date"))
    await bot.send("someday")
    assert bot.html().startswith(s(bot, "counts.date.not_understood"))
    assert await stored(bot) == []
    await bot.send("3/11")  # 3 November or 11 March: asked, never guessed
    assert s(bot, "counts.date.which", text="3/11") in bot.html()
    days = [data for _, data in bot.buttons() if data.startswith("bf:")]
    assert "bf:20260311" in days and "bf:20261103" in days
    await bot.tap_data("bf:20261103")
    await bot.send("platelets 45 10^9/L")
    assert await stored(bot) == [("2026-11-03", "platelets", "45", 45.0, "10^9/L")]
    # Yesterday by its button; a day typed where a count is wanted is not a count.
    await bot.send("/counts")
    await bot.tap(s(bot, "counts.add"))
    await bot.tap(s(bot, "counts.yesterday", date="").split(",")[0])
    await bot.tap(s(bot, "counts.names.hemoglobin"))
    await bot.send("12 Nov")
    assert s(bot, "counts.problem.a_date", day="")[:20] in bot.html()
    await bot.send("9,5 g/dL")
    assert (await stored(bot))[-1] == ("2026-11-29", "hemoglobin", "9,5", 9.5, "g/dL")
    # A forged day ahead is refused.
    await bot.tap_data(make("bf", day=20261201))
    assert bot.answers()[-1].get("text") == s(bot, "errors.stale")


async def test_a_question_typed_while_a_count_is_awaited_goes_to_the_search(bot: Harness) -> None:
    await start_adding(bot)
    await bot.send("white blood cells" if bot.language == "en" else "recuento de leucocitos")
    assert bot.html().startswith(s(bot, "counts.problem.not_a_number"))  # a count named: its value, please
    await bot.send("what does remission mean" if bot.language == "en" else "qué significa remisión")
    assert bot.searched()
    assert await stored(bot) == []


async def test_a_full_record_is_said_calmly_and_nothing_is_saved(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handlers.counts

    monkeypatch.setattr(handlers.counts, "LIMIT", 1)
    await start_adding(bot)
    await bot.send("wbc 1.2 x10^9/L")
    await bot.send("platelets 45 x10^9/L")
    assert bot.html().startswith(s(bot, "counts.full", limit="1"))
    assert [n for _, n, _, _, _ in await stored(bot)] == ["wbc"]
    assert await bot.storage.prompts.get(A) is None


@pytest.mark.parametrize("kind", ["count_day", "count_value", "count_unit"])
async def test_every_count_prompt_hears_a_red_flag_first_and_keeps_nothing(bot: Harness, kind: str) -> None:
    await start_adding(bot, count="platelets")
    if kind == "count_unit":
        await bot.send("45")
    elif kind == "count_day":
        await bot.tap(s(bot, "counts.other_counts"))
        await bot.tap(s(bot, "counts.other_day"))
    assert (await bot.storage.prompts.get(A)).kind == kind  # type: ignore[union-attr]
    mark = len(bot.api.calls)
    await bot.send("she has a fever of 39" if bot.language == "en" else "tiene fiebre de 39")
    sent = [c for c in bot.api.calls[mark:] if c.method == "sendMessage"]
    assert len(sent) == 1 and str(sent[0].params["text"]).startswith(s(bot, "redflags.title"))
    assert s(bot, "redflags.kept_open") in str(sent[0].params["text"])
    assert (await bot.storage.prompts.get(A)).kind == kind  # type: ignore[union-attr]
    assert await stored(bot) == []


async def test_cancel_goes_back_and_saves_nothing(bot: Harness) -> None:
    await start_adding(bot, count="platelets")
    await bot.send("45")
    await bot.tap(s(bot, "questions.cancel"))
    assert s(bot, "counts.title") in bot.html()
    await bot.send("x10^9/L")  # the prompt is closed: this is no unit for anything
    assert await stored(bot) == []


# ---- the chart ----
async def test_the_chart_is_sent_as_a_png_with_its_summary(bot: Harness) -> None:
    repo = counts(bot)
    a = Member(A, A)
    for day, value, number, unit in [
        ("2026-11-02", "45", 45, "×10⁹/L"),
        ("2026-11-16", "60", 60, "x10^9/L"),
        ("2026-11-30", "<0.1", 0.1, "×10⁹/L"),
        ("2026-11-20", "45000", 45000, "/µL"),
        ("2026-06-01", "999", 999, "×10⁹/L"),  # more than three months ago: not drawn
    ]:
        await repo.add(a, day, "platelets", value, number, unit, limit=rules.LIMIT)
    await bot.send("/counts")
    await bot.tap("📈 " + s(bot, "counts.names.platelets"))
    (photo,) = bot.api.of("sendPhoto")
    sent = bot.api.files[-1]
    assert sent.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert Image.open(io.BytesIO(sent.data)).size == (WIDTH, HEIGHT + PANEL)  # two units: two panels
    caption = str(photo.params["caption"])
    months = s(bot, "dates.month_abbr").split()
    line = s(
        bot,
        "counts.summary_many",
        name=s(bot, "counts.names.platelets"),
        unit="×10⁹/L",
        n=3,
        first=f"2 {months[10]} 2026",
        last=f"30 {months[10]} 2026",
        values="45, 60, &lt;0.1",
    )
    assert line in caption and s(bot, "counts.about") in caption and "999" not in caption
    assert (
        s(
            bot,
            "counts.summary_one",
            name=s(bot, "counts.names.platelets"),
            unit="/µL",
            date=f"20 {months[10]} 2026",
            values="45000",
        )
        in caption
    )


async def test_the_chart_is_drawn_off_the_event_loop(bot: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    await counts(bot).add(Member(A, A), "2026-11-02", "wbc", "1.2", 1.2, "x10^9/L", limit=rules.LIMIT)
    heavy = bot.app.bot_data["services"].heavy
    ran: list[str] = []
    original = heavy.run

    async def run(fn: Any, *args: Any, **kwargs: Any) -> Any:
        ran.append(getattr(fn, "__name__", ""))
        return await original(fn, *args, **kwargs)

    monkeypatch.setattr(heavy, "run", run)
    await bot.send("/counts")
    await bot.tap("📈 " + s(bot, "counts.names.wbc"))
    # The first showing of the counts warms matplotlib up on the pool; the chart is drawn there.
    assert ran == ["warm_up", "draw"] and bot.api.of("sendPhoto")


# ---- the family: helpers add, who deletes, /mydata, erasing ----
async def test_a_helper_adds_and_deletes_only_their_own(bot: Harness) -> None:
    await bot.send("/start", A)
    for user in (A, C):  # messages to the other person go in their chosen language
        await bot.storage.users.set_language(user, bot.language)
    await join_by_link(bot, C, role=2)
    assert (await bot.storage.circles.member(C)).circle == A  # type: ignore[union-attr]
    await start_adding(bot, C, count="platelets")
    await bot.send("45 x10^9/L", C)
    await counts(bot).add(Member(A, A, FULL), "2026-11-29", "wbc", "1.2", 1.2, "x10^9/L", limit=rules.LIMIT)
    assert [(n, v) for _, n, v, _, _ in await stored(bot)] == [("wbc", "1.2"), ("platelets", "45")]
    mine, theirs = sorted(await counts(bot).list(A), key=lambda c: c.added_by != C)
    assert mine.added_by == C and theirs.added_by == A
    # The helper sees A's entry without a delete button, and a forged delete is refused.
    await bot.tap_data(make("bj", id=theirs.id, act=0), C)
    assert s(bot, "counts.delete") not in [label for label, _ in bot.buttons(C)]
    await bot.tap_data(make("bj", id=theirs.id, act=2), C)
    assert bot.answers()[-1].get("text") == s(bot, "counts.not_yours")
    assert len(await counts(bot).list(A)) == 2
    # Their own: deleted after a confirm.
    await bot.tap_data(make("bj", id=mine.id, act=0), C)
    await bot.tap(s(bot, "counts.delete"), C)
    assert s(bot, "counts.delete_ask", entry="")[:10] in bot.html(C)
    assert len(await counts(bot).list(A)) == 2
    await bot.tap(s(bot, "counts.delete_yes"), C)
    assert bot.html(C).startswith(s(bot, "counts.deleted"))
    assert [c.id for c in await counts(bot).list(A)] == [theirs.id]
    # A full member deletes anyone's.
    await counts(bot).add(Member(C, A, "helper"), "2026-11-28", "wbc", "2", 2, "x10^9/L", limit=rules.LIMIT)
    helper_entry = (await counts(bot).list(A))[0]
    assert helper_entry.added_by == C
    await bot.tap_data(make("bj", id=helper_entry.id, act=1), A)
    await bot.tap(s(bot, "counts.delete_yes"), A)
    assert [c.id for c in await counts(bot).list(A)] == [theirs.id]
    # /mydata: the whole record for a full member, only their own for a helper.
    await counts(bot).add(
        Member(C, A, "helper"), "2026-11-27", "hemoglobin", "9,5", 9.5, "g/dL", limit=rules.LIMIT
    )
    full = (await bot.storage.export_user(A))["circle"]["blood_counts"]
    helper = (await bot.storage.export_user(C))["circle"]["blood_counts"]
    assert sorted(c["value"] for c in full) == ["1.2", "9,5"]
    assert [(c["name"], c["value"], c["unit"], c["taken_on"]) for c in helper] == [
        ("hemoglobin", "9,5", "g/dL", "2026-11-27")
    ]


async def test_erasing_the_family_record_erases_the_counts(bot: Harness) -> None:
    await start_adding(bot)
    await bot.send("zqxmarker 0.8 x10^9/L")
    assert await stored(bot)
    asked = await bot.storage.circles.ask_erase(Member(A, A), NOW + 7 * 86400)
    assert asked is not None and asked[1]  # a lone full member: everyone agreed
    assert await bot.storage.circles.erase(A, agreed=True) == [A]
    assert await counts(bot).list(A) == []
    assert not await stored_anywhere(bot, "zqxmarker")
    # /deletemydata takes them with the rest of a family of one.
    await start_adding(bot)
    await bot.send("zqymarker 0.8 x10^9/L")
    circle = (await bot.storage.circles.member(A)).circle  # type: ignore[union-attr]
    assert circle != A and await counts(bot).list(circle)
    await bot.send("/deletemydata")
    await bot.tap(s(bot, "privacy.delete.confirm"))
    assert await counts(bot).list(circle) == []
    assert not await stored_anywhere(bot, "zqymarker")


async def test_counts_never_appear_in_a_red_flag_reply(bot: Harness) -> None:
    await counts(bot).add(Member(A, A), "2026-11-30", "zqxcount", "777", 777, "x10^9/L", limit=rules.LIMIT)
    await bot.send("/start")
    mark = len(bot.api.calls)
    await bot.send("she has a fever of 39" if bot.language == "en" else "tiene fiebre de 39")
    reply = sent_since(bot, mark)
    assert s(bot, "redflags.title") in reply
    assert "777" not in reply and "zqxcount" not in reply
    # Nor in a count prompt: the alert comes, nothing is saved, the count is not repeated.
    await start_adding(bot, count="platelets")
    mark = len(bot.api.calls)
    await bot.send("can't breathe" if bot.language == "en" else "no puede respirar")
    reply = sent_since(bot, mark)
    assert s(bot, "redflags.kept_open") in reply and "777" not in reply
    assert len(await stored(bot)) == 1


# ---- storage, on both backends ----
async def test_storage_guards_every_write(bot: Harness) -> None:
    repo = counts(bot)
    a = Member(A, A)
    first = await repo.add(a, "2026-11-01", "platelets", "45", 45, "x10^9/L", limit=3)
    await repo.add(a, "2026-11-02", "platelets", "50", 50, "/µL", limit=3)
    await repo.add(a, "2026-10-01", "Lymphocytes", "0.8", 0.8, "x10^9/L", limit=3)
    with pytest.raises(LimitReached):
        await repo.add(a, "2026-11-03", "wbc", "1", 1, "x10^9/L", limit=3)
    with pytest.raises(NoConsent):  # someone in no family, or in another one
        await repo.add(Member(C, A), "2026-11-03", "wbc", "1", 1, "x10^9/L", limit=100)
    assert [c.taken_on for c in await repo.list(A)] == ["2026-10-01", "2026-11-01", "2026-11-02"]
    assert [c.taken_on for c in await repo.list(A, since="2026-11-01")] == ["2026-11-01", "2026-11-02"]
    assert await repo.names(A) == ["Lymphocytes", "platelets"]
    assert await repo.units(A, "platelets") == ["/µL", "x10^9/L"]
    assert await repo.total(A) == 3 and await repo.list(C) == []
    assert not await repo.remove(Member(C, A), first)  # not a member
    assert not await repo.remove(Member(C, C), first)  # another family's
    assert await repo.remove(a, first)
    assert await repo.get(A, first) is None
