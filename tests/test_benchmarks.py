"""The benchmark scripts run: their quick modes end with the target lines and no wrong
result. Timings are only printed, never asserted (the machine is shared and noisy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=BENCH,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_bench_convolve_quick():
    out = _run("bench_convolve.py", "--quick", "--first-call-runs", "1", "--repeat", "3")
    assert "cases with errors or wrong results: 0" in out
    for target in ("speedup of fc auto", "regret of auto", "FFT-path efficiency", "first call"):
        assert any(line.startswith("[") and target in line for line in out.splitlines())


@pytest.mark.slow
def test_bench_large_quick():
    out = _run("bench_large.py", "--quick", "--repeat", "3")
    assert "Convolver per call vs one-shot" in out
    assert "StreamConvolver throughput / in-memory overlap-add" in out


@pytest.mark.slow
def test_bench_images_quick():
    out = _run("bench_images.py", "--quick", "--repeat", "3")
    assert "WRONG RESULT" not in out
    for target in ("boundary rules vs scipy.ndimage.convolve", "nan_policy='propagate'"):
        assert any(line.startswith("[") and target in line for line in out.splitlines())


@pytest.mark.slow
def test_bench_template_quick():
    out = _run("bench_template.py", "--quick", "--repeat", "3")
    assert "WRONG RESULT" not in out
    assert any(line.startswith("[") and "match_template" in line for line in out.splitlines())
