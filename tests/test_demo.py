"""`fftconv demo` runs the real command: exit code 0 and the facts it promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fftconv", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def test_demo_runs_and_reports_choices_and_agreement(tmp_path: Path) -> None:
    result = _run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # Convolution reproduces the kernel, correlation reverses it (SPEC §1).
    assert "convolve(impulse, kernel, 'same')  = [0 1 2 3 0]" in out
    assert "correlate(impulse, kernel, 'same') = [0 3 2 1 0]" in out
    assert "convolve == correlate -> True" in out
    assert out.count("auto chose") == 4
    returned = [line for line in out.splitlines() if "method='auto' returned the" in line]
    assert len(returned) == 4 and all(line.endswith("result: True") for line in returned)
    # Every reported FFT-vs-direct difference is within SPEC §4's scale.
    ratios = [
        float(line.rsplit("ratio", 1)[1].strip(" )"))
        for line in out.splitlines()
        if "ratio" in line
    ]
    assert ratios and all(r < 1.0 for r in ratios)
    # The delay between the two sensors (37.25 samples) within 0.05 samples by both
    # methods, and the integer peak of the cross-correlation next to it.
    errors = [
        float(line.rsplit("error", 1)[1].split()[0])
        for line in out.splitlines()
        if line.strip().startswith("estimate_delay(")
    ]
    assert len(errors) == 2 and all(e < 0.05 for e in errors), errors
    assert "peaks at lag 37 samples" in out
    # The template is found where it was cut.
    assert "cut at row 160, col 220" in out and "finds it at row 160, col 220" in out
    # The figure: by default in the current directory.
    figure = tmp_path / "fftconv-demo.png"
    assert f"wrote the figure to {figure}" in out
    assert figure.read_bytes().startswith(b"\x89PNG")
    assert result.stderr == ""


def test_demo_figure_path_and_no_plot(tmp_path: Path) -> None:
    result = _run("demo", "--out", str(tmp_path / "tour.png"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "tour.png").exists() and not (tmp_path / "fftconv-demo.png").exists()
    result = _run("demo", "--no-plot", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "figure" not in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tour.png"]


def test_demo_without_matplotlib_says_so_and_succeeds(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from fftconv.__main__ import main\n"
        "sys.exit(main(['demo']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "matplotlib is not installed" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_no_command_prints_the_usage_and_exits_2() -> None:
    result = _run()
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("usage: fftconv")


def test_unknown_command_is_one_line_and_exit_2() -> None:
    result = _run("nonsense")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "invalid choice: 'nonsense'" in result.stderr


def test_version() -> None:
    result = _run("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("fftconv ")


@pytest.mark.slow
def test_calibrate_command_writes_a_profile_later_processes_use(tmp_path) -> None:
    import os

    env = {**os.environ, "FFTCONV_CACHE_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "fftconv", "calibrate"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    profile = tmp_path / "profile.json"
    assert profile.exists() and str(profile) in result.stdout
    check = subprocess.run(
        [sys.executable, "-c", "from fftconv import _profile; print(_profile.active().source)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    assert check.stdout.strip() == str(profile)
