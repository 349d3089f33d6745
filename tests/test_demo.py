"""`fftconv demo` runs the real command: exit code 0 and the facts it promises."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fftconv", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_demo_runs_and_reports_choices_and_agreement() -> None:
    result = _run("demo")
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
    assert result.stderr == ""


@pytest.mark.parametrize("args", [(), ("nonsense",)])
def test_usage_errors_exit_2_without_traceback(args: tuple[str, ...]) -> None:
    result = _run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "usage: fftconv" in result.stderr


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
