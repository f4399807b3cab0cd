"""The printed poster (`python -m bot poster`, bot.poster): one page per language and paper
size, with the hospital's name, the poster's strings and the link, and a QR code that a phone
reads back as the bot's link. Bad input exits 2 with one line saying what is wrong."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
import zxingcpp
from pypdf import PdfReader

from bot.__main__ import main
from bot.content import Content
from bot.site import load
from tests.harness import ROOT

EXAMPLE = ROOT / "deploy" / "example-site"
USERNAME = "RiversideAllGuideBot"
LINK = f"https://t.me/{USERNAME}?start=site"
SIZES = {"a4": (595, 842), "letter": (612, 792)}  # points
POSTERS = [(language, paper) for language in ("en", "es") for paper in SIZES]
RENDER_SCALE = 2  # 144 dpi


def _words(text: str) -> str:
    """Whitespace made single spaces: PDF text extraction breaks lines where they wrap."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """The example site's posters, made once through the command line: folder, exit, output."""
    out = tmp_path_factory.mktemp("posters")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["poster", "--username", USERNAME, "--out", str(out), "--site", str(EXAMPLE)])
    return out, code, printed.getvalue()


def _poster(made: tuple[Path, int, str], language: str, paper: str) -> bytes:
    return (made[0] / f"poster-{language}-{paper}.pdf").read_bytes()


def test_the_command_writes_one_poster_per_language_and_paper(made: tuple[Path, int, str]) -> None:
    out, code, printed = made
    assert code == 0
    expected = [out / f"poster-{language}-{paper}.pdf" for language, paper in POSTERS]
    assert printed.splitlines() == [str(path) for path in expected]
    assert sorted(out.iterdir()) == sorted(expected)


@pytest.mark.parametrize(("language", "paper"), POSTERS)
def test_each_poster_is_one_page_of_its_paper(made: tuple[Path, int, str], language: str, paper: str) -> None:
    reader = PdfReader(io.BytesIO(_poster(made, language, paper)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    width, height = SIZES[paper]
    assert abs(float(box.width) - width) <= 1 and abs(float(box.height) - height) <= 1


@pytest.mark.parametrize(("language", "paper"), POSTERS)
def test_each_poster_names_the_hospital_and_says_what_the_bot_is_and_is_not(
    made: tuple[Path, int, str], catalog: dict[str, Content], language: str, paper: str
) -> None:
    reader = PdfReader(io.BytesIO(_poster(made, language, paper)))
    text = _words(reader.pages[0].extract_text())
    site = load(EXAMPLE, tuple(catalog))
    s = catalog[language].strings
    assert site.emergency_number == "911"
    for expected in (
        site.name,
        s("poster.what"),
        s("poster.not_care_team_number", number="911"),
        s("poster.scan"),
        LINK,
        s("poster.app"),
    ):
        assert _words(expected) in text
    assert reader.metadata is not None and reader.metadata.title == s("poster.pdf_title", name=site.name)


@pytest.mark.parametrize(("language", "paper"), POSTERS)
def test_the_qr_code_reads_back_as_the_link(made: tuple[Path, int, str], language: str, paper: str) -> None:
    page = pdfium.PdfDocument(_poster(made, language, paper))[0]
    image = page.render(scale=RENDER_SCALE).to_pil()
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    assert found[0].text == LINK
    # Big enough to scan from across a table: at least 8 cm wide without its quiet zone.
    at = found[0].position
    width_px = max(at.top_right.x, at.bottom_right.x) - min(at.top_left.x, at.bottom_left.x)
    assert width_px / (72 * RENDER_SCALE) * 25.4 >= 80


def test_the_poster_needs_a_username(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["poster", "--out", str(tmp_path), "--site", str(EXAMPLE)]) == 2
    assert "--username" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_a_bad_username_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["poster", "--username", "a b", "--out", str(tmp_path), "--site", str(EXAMPLE)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --username: 'a b' is not a Telegram username")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("username", ["abcd", "a" * 33, "riverside-bot", "@"])
def test_usernames_of_the_wrong_length_or_letters_are_refused(tmp_path: Path, username: str) -> None:
    assert main(["poster", "--username", username, "--out", str(tmp_path), "--site", str(EXAMPLE)]) == 2


def test_a_broken_site_folder_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "site.yaml").write_text("name: [\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["poster", "--username", USERNAME, "--out", str(out), "--site", str(site)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: SITE_DIR: site.yaml")
    assert not out.exists()


def test_without_a_site_folder_it_says_where_to_give_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SITE_DIR", raising=False)
    assert main(["poster", "--username", USERNAME, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "--site" in err and "SITE_DIR" in err
    assert not list(tmp_path.iterdir())
