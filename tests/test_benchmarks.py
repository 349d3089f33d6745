"""The benchmark scripts run: their quick modes end with the target lines and no wrong
result. Timings are only printed, never asserted (the machine is shared and noisy)."""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyfftw
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


def test_fast_length_generator_keeps_the_fastest_length_at_least_n():
    """benchmarks/fast_lengths.py: its candidates are pyfftw.next_fast_len's kind, and
    the smallest kept length >= n is the fastest candidate >= n (on made-up timings)."""
    module = _load("fast_lengths.py")
    lengths = module.candidates(5000)
    want = sorted({pyfftw.next_fast_len(n) for n in range(1, 5001)})
    assert lengths == [n for n in want if n <= 5000 and (n % 2 == 0 or n <= module.ODD_MAX)]
    rng = np.random.default_rng(0)
    times = {n: float(rng.uniform(1, 2)) * n for n in lengths}
    kept = module.suffix_minima(times)
    for n in range(1, 5001):
        best = min((m for m in lengths if m >= n), key=times.__getitem__)
        assert min(m for m in kept if m >= n) == best


def test_image_length_generator_writes_what_it_kept():
    """benchmarks/fast_lengths.py --images: the module it writes holds each dtype's
    kept lengths, and one image timing runs through the backend."""
    module = _load("fast_lengths.py")
    kept = {"float64": [16, 20, 32], "float32": [18, 24, 32]}
    args = argparse.Namespace(limit=32, passes=1)
    namespace: dict[str, object] = {}
    exec(module.render_images(kept, args, [16, 18, 20, 24, 32], 1.0), namespace)
    assert namespace["FAST_LENGTHS_2D"] == {k: tuple(v) for k, v in kept.items()}
    assert namespace["LIMIT"] == 32 and namespace["LOWEST"] == 16
    assert 0 < module.image_seconds(32, "float32", 0.0) < 1


def _load(script: str):
    spec = importlib.util.spec_from_file_location(script.removesuffix(".py"), BENCH / script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    "shapes",
    [((10000,), (15,)), ((100000,), (8191,)), ((1024, 1024), (31, 31)), ((256, 256), (15, 15))],
    ids=str,
)
def test_bare_transforms_are_at_fftconvs_own_lengths(shapes, dtype):
    """bench_convolve's bare3 (the floor under fc_fft) transforms at the lengths fc's
    FFT path uses, 1-D and 2-D."""
    from fftconv._backends import resolve_backend
    from fftconv._fft import fast_lengths
    from fftconv._spec import make_spec

    bench = _load("bench_convolve.py")
    case = bench.Case("convolve", "full", dtype, *shapes)
    x, h = np.zeros(shapes[0], dtype), np.zeros(shapes[1], dtype)
    spec = make_spec(x, h, kind="convolve", mode="full")
    assert list(case.fft_shape) == fast_lengths(spec, resolve_backend("pyfftw"), np.dtype(dtype))
