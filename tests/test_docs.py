"""The documentation site builds with warnings as errors, its API reference documents
exactly ``fftconv.__all__``, and its figure scripts run.

The examples on the pages run as doctests through pytest itself (``--doctest-glob=*.rst``
over ``docs/``, pyproject.toml), so a plain ``pytest`` runs every one of them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import fftconv

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML site, built once from scratch as CI builds it (``-W --keep-going``)."""
    out = tmp_path_factory.mktemp("html")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-d",
            str(out / ".doctrees"),
            str(DOCS),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out


def test_build_has_every_page(built: Path) -> None:
    """Every .rst page became an HTML page (none was left out of the build), and the
    toctree of the index reaches each of them (the build warns about orphans, too)."""
    pages = {p.stem for p in DOCS.glob("*.rst")}
    assert "index" in pages and "api" in pages
    assert {p.stem for p in built.glob("*.html")} >= pages
    index = (built / "index.html").read_text()
    for page in pages - {"index"}:
        assert f'href="{page}.html"' in index, page


def test_api_reference_is_exactly_all(built: Path) -> None:
    """api.html has one top-level entry per name of ``fftconv.__all__`` and no other."""
    html = (built / "api.html").read_text()
    documented = set(re.findall(r'<dt class="sig sig-object py" id="fftconv\.(\w+)">', html))
    assert documented == set(fftconv.__all__)


def test_figures_of_the_pages_exist() -> None:
    """Each figure a page shows is a committed PNG, and each PNG is shown somewhere."""
    shown = set()
    for page in DOCS.glob("*.rst"):
        shown |= set(re.findall(r"figures/([\w.-]+\.png)", page.read_text()))
    committed = {p.name for p in (DOCS / "figures").glob("*.png")}
    assert shown <= committed, shown - committed
    assert committed <= shown, committed - shown


@pytest.mark.parametrize(
    ("script", "args", "made"),
    [
        ("conv_vs_corr.py", [], {"impulse_1d.png", "impulse_2d.png", "flip.png"}),
        ("large_data.py", [], {"stream_chunks.png"}),
        # --smoke: two sizes per panel, one repeat; the full run takes about a minute.
        (
            "choosing.py",
            ["--smoke"],
            {"crossover_1d.png", "crossover_2d.png", "choosing_machine.txt"},
        ),
    ],
)
def test_figure_script_runs(script: str, args: list[str], made: set[str], tmp_path: Path) -> None:
    """The scripts that make this site's figures still run against the library (into a
    temporary folder: the committed files are left alone)."""
    result = subprocess.run(
        [sys.executable, str(DOCS / "figures" / script), "--out", str(tmp_path), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert {p.name for p in tmp_path.iterdir()} == made
    for name in made:
        assert (tmp_path / name).stat().st_size > 0
