"""SPEC §4's norm-wise bound, pinned for every method and floating dtype on random inputs;
and what a large dynamic range does to FFT results (docs/precision.rst)."""

import functools

import numpy as np
import pytest

import fftconv as fc

from ._data import METHODS, OPS, seed_of
from .reference import assert_matches, reference, tolerance

FLOATS = (np.float16, np.float32, np.float64, np.complex64, np.complex128)
SHAPES = [
    ((300,), (41,), None),
    ((600,), (129,), None),
    ((37, 45), (9, 6), None),
    ((4, 120), (1, 33), -1),
]


def _random(rng, shape, dtype):
    a = rng.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


@pytest.mark.slow  # ~1 min: 600 calls, a naive reference per case
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize(("s1", "s2", "axes"), SHAPES, ids=str)
@pytest.mark.parametrize("backend", ["pyfftw", "scipy", "numpy"])
def test_norm_wise_bound(dtype, method, op, s1, s2, axes, backend):
    x, h, want = _case(dtype, op, s1, s2, axes)
    got = getattr(fc, op)(x, h, "full", method, axes=axes, backend=backend)
    assert_matches(got, want, x, h, axes=axes)


@functools.cache  # the naive reference is slow: once per case
def _case(dtype, op, s1, s2, axes):
    rng = np.random.default_rng(seed_of(dtype, op, s1, s2))
    x, h = _random(rng, s1, dtype), _random(rng, s2, dtype)
    x.flags.writeable = h.flags.writeable = False  # shared between tests
    return x, h, reference(x, h, kind=op, axes=axes)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("method", ["fft", "oa"])
def test_bound_is_not_loose(dtype, method):
    """The bound is met, and the error is a sizeable fraction of it (at least 1/1000): a
    bound that could never fail would not pin anything."""
    rng = np.random.default_rng(3)
    x, h = _random(rng, (1500,), dtype), _random(rng, (120,), dtype)
    got = fc.convolve(x, h, method=method).astype(np.longdouble)
    err = float(np.max(np.abs(got - reference(x, h))))
    tol = tolerance(x, h)
    assert tol / 1000 < err <= tol


# --- dynamic range ------------------------------------------------------------------------------
def _dynamic_range_signal(dtype, n=2000):
    """Values of 1e-8 with a few samples of 1e8: 16 orders of magnitude."""
    x = np.full(n, 1e-8)
    x[[100, 900]] = 1e8
    return x.astype(dtype), np.full(5, 0.2, dtype=dtype)  # a moving average


def _small_outputs(n):
    """Output indices whose window holds only 1e-8 samples (far from the spikes)."""
    far = np.ones(n + 4, dtype=bool)
    for spike in (100, 900):
        far[spike : spike + 5] = False
    return far


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("method", ["fft", "oa"])
def test_dynamic_range_fft_meets_the_bound_but_not_relative_precision(dtype, method):
    """docs/precision.rst: an FFT result's error is bounded relative to the norms, so the
    outputs next to large ones lose their relative precision; the direct sum keeps it."""
    x, h = _dynamic_range_signal(dtype)
    want = reference(x, h)
    far = _small_outputs(x.size)
    exact_small = want[far].astype(np.float64)  # 1e-8 each (five taps of 0.2)
    fft = fc.convolve(x, h, method=method)
    assert_matches(fft, want, x, h)  # the norm-wise bound holds ...
    rel_fft = np.max(np.abs(fft[far] - exact_small) / np.abs(exact_small))
    assert rel_fft > 1e-3  # ... but the small outputs are swamped by rounding of 1e8's
    direct = fc.convolve(x, h, method="direct")
    rel_direct = np.max(np.abs(direct[far] - exact_small) / np.abs(exact_small))
    assert rel_direct <= 8 * np.finfo(dtype).eps  # the remedy: method='direct'


def test_what_auto_picks_for_a_large_dynamic_range():
    """auto's choice depends on sizes only, not on values: a short signal gets the direct
    sum (and full relative precision), a long one an FFT method (the norm-wise bound).
    Documented in docs/precision.rst; method='direct' is the remedy when it matters."""
    x, h = _dynamic_range_signal(np.float64)
    assert fc.choose_method(x, h).method == "direct"
    long_x = np.tile(x, 100)
    long_h = np.full(301, 1 / 301)
    assert fc.choose_method(long_x, long_h).method in ("fft", "oa")
    got = fc.convolve(long_x, long_h)
    direct = fc.convolve(long_x, long_h, method="direct")
    small = np.abs(direct) < 1e-6
    assert np.max(np.abs(got[small] - direct[small]) / np.abs(direct[small])) > 1e-3


@pytest.mark.parametrize("method", METHODS)
def test_float16_is_computed_in_single_precision(method):
    rng = np.random.default_rng(9)
    x, h = _random(rng, (500,), np.float16), _random(rng, (40,), np.float16)
    got = fc.correlate(x, h, method=method)
    assert got.dtype == np.float16
    assert_matches(got, reference(x, h, kind="correlate"), x, h)
