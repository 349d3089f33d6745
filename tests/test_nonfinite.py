"""NaN and +-inf (SPEC §4): every method and backend gives the direct sum's answer, the same
NaN/inf pattern and the same finite values; a non-finite input reaches only the outputs whose
window covers it (an FFT must not smear it over the whole output)."""

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

import fftconv as fc

from ._data import BACKENDS, METHODS, MODES, OPS, seed_of
from .reference import assert_matches, reference

nan, inf = np.nan, np.inf

SHAPES = {1: ((23,), (5,)), 2: ((9, 8), (3, 2))}

# name: (values put into in1, values put into in2), placed at fixed positions below.
VARIANTS = {
    "nan-in1": ([nan], []),
    "inf-in1": ([inf], []),
    "-inf-in1": ([-inf], []),
    "nan-in2": ([], [nan]),
    "inf-in2": ([], [inf]),
    "nan-and-inf": ([nan], [inf]),
    "inf-and--inf-one-window": ([inf, -inf], []),  # adjacent: windows covering both are NaN
    "inf-times-zero": ([inf], ["zero"]),  # in-support zeros times inf are NaN
    "several": ([nan, inf, -inf], []),
}
DTYPES = (np.float64, np.float32, np.complex128, np.complex64)


def _positions(shape, count):
    """``count`` positions: adjacent along the last axis, away from the edges."""
    start = [n // 3 for n in shape]
    out = []
    for i in range(count):
        pos = list(start)
        pos[-1] = min(start[-1] + i, shape[-1] - 1)
        out.append(tuple(pos))
    return out


@functools.cache
def _case(variant, dtype_name, ndim, mode, op):
    s1, s2 = SHAPES[ndim]
    dtype = np.dtype(dtype_name)
    rng = np.random.default_rng(seed_of("nonfinite", variant, dtype_name, ndim))
    x = rng.standard_normal(s1)
    h = rng.standard_normal(s2)
    if dtype.kind == "c":
        x = x + 1j * rng.standard_normal(s1)
        h = h + 1j * rng.standard_normal(s2)
    x, h = x.astype(dtype), h.astype(dtype)
    put1, put2 = VARIANTS[variant]
    for pos, v in zip(_positions(s1, len(put1)), put1, strict=True):
        # complex: the non-finite value in the real part, or the imaginary part, in turn
        x[pos] = complex(0.5, v) if dtype.kind == "c" and pos[-1] % 2 else v
    for pos, v in zip(_positions(s2, len(put2)), put2, strict=True):
        if v == "zero":
            h[...] = np.where(np.arange(h.shape[-1]) % 2 == 0, 0, h)  # zeros inside the kernel
        else:
            h[pos] = v
    return x, h, reference(x, h, mode, kind=op)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("method", METHODS)
def test_nonfinite_like_direct_sum(method, backend, mode, op, ndim, dtype, variant):
    x, h, ref = _case(variant, np.dtype(dtype).name, ndim, mode, op)
    got = getattr(fc, op)(x.copy(), h.copy(), mode, method, backend=backend)
    # pattern per real component (NaN, +inf, -inf) exactly, finite values within the bound
    # (whose norms skip the non-finite entries)
    assert_matches(got, ref, x, h)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("value", [nan, inf, -inf], ids=str)
def test_nan_reaches_only_its_window_1d(method, op, value):
    """Written without the reference: one non-finite sample at p in a length-N signal, a
    kernel of length M without zeros: full outputs p .. p+M-1 are non-finite, all others
    finite."""
    rng = np.random.default_rng(3)
    n, m, p = 40, 6, 17
    x = rng.standard_normal(n)
    h = rng.uniform(0.5, 1.5, m)  # positive: no zero products, no sign cancellations
    x[p] = value
    got = getattr(fc, op)(x, h, "full", method)
    bad = ~np.isfinite(got)
    assert np.flatnonzero(bad).tolist() == list(range(p, p + m))
    if not np.isnan(value):
        assert np.all(got[bad] == value)  # positive kernel: the sign of the inf is kept


@pytest.mark.parametrize("method", METHODS)
def test_nan_reaches_only_its_window_2d(method):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((30, 20))
    h = rng.uniform(0.5, 1.5, (4, 3))
    x[10, 5] = nan
    got = fc.convolve(x, h, "full", method)
    want = np.zeros(got.shape, dtype=bool)
    want[10:14, 5:8] = True
    assert np.array_equal(np.isnan(got), want)


@pytest.mark.parametrize(
    "func", ["fftconvolve", "oaconvolve", "convolve2d", "correlate2d"], ids=str
)
@pytest.mark.parametrize("mode", MODES)
def test_dropins_keep_nan_local(func, mode):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((25, 21))
    h = rng.standard_normal((4, 3))
    x[12, 9] = nan
    x[3, 3] = inf
    got = getattr(fc, func)(x, h, mode)
    kind = "correlate" if func == "correlate2d" else "convolve"
    # correlate2d centres 'same' at M // 2 (scipy's correlate2d; see test_dropins)
    start = (lambda m: m // 2) if kind == "correlate" else (lambda m: (m - 1) // 2)
    ref = reference(x, h, mode, kind=kind, same_start=start)
    assert_matches(got, ref, x, h)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("op", OPS)
def test_repeated_fft_call_of_a_shape_still_finds_nonfinite_values(op, dtype):
    """A shape's second FFT call reuses the first one's preparation and skips the
    non-finite machinery when the inputs cannot give a non-finite value. Inputs that are
    non-finite, or large enough that a transform might overflow, still get the direct
    sum's answer, without a floating-point warning."""
    rng = np.random.default_rng(seed_of("repeated-fft", np.dtype(dtype).name, op))
    x = rng.standard_normal(40)
    h = rng.standard_normal(15)
    if np.dtype(dtype).kind == "c":
        x, h = x + 1j * rng.standard_normal(40), h + 1j * rng.standard_normal(15)
    x, h = x.astype(dtype), h.astype(dtype)
    big = 1e17 if np.dtype(dtype) in (np.float32, np.complex64) else 1e150
    variants = {
        "nan-in1": (np.where(np.arange(40) == 11, nan, x), h),
        "inf-in2": (x, np.where(np.arange(15) == 4, inf, h)),
        "large, no overflow": (x * big, h * big),  # past the quick bound's limit
        "finite": (x, h),
    }
    call = functools.partial(getattr(fc, op), mode="full", method="fft")
    with np.errstate(all="raise"):  # a warning would raise here
        call(x, h)  # prepares the shape
        for name, (a, b) in variants.items():
            a, b = a.astype(dtype), b.astype(dtype)
            got = call(a.copy(), b.copy())
            assert_matches(got, reference(a, b, "full", kind=op), a, b), name


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_the_quick_overflow_bound_holds_at_its_limit(dtype, backend):
    """Constant inputs (the largest spectrum for their norms) scaled to just inside the
    bound that lets a call skip the non-finite machinery: the transforms overflow
    nowhere, and the result is the direct sum's."""
    from fftconv._backends import resolve_backend
    from fftconv._fft import PreparedFFT
    from fftconv._spec import make_spec

    x, h = np.ones(300, dtype), np.ones(7, dtype)
    prepared = PreparedFFT(
        make_spec(x, h, kind="convolve", mode="full", axes=None), resolve_backend(backend), 1
    )

    def accepted(log_scale):
        return prepared.cannot_overflow(x * 2.0**log_scale, h * 2.0**log_scale)

    # By bisection, the largest power of two accepted (2**high: squares overflow).
    low, high = 0.0, 64.0 if np.finfo(dtype).bits == 32 else 512.0
    assert accepted(low) and not accepted(high)
    while high - low > 1e-3:
        middle = (low + high) / 2
        low, high = (middle, high) if accepted(middle) else (low, middle)
    a, b = x * 2.0**low, h * 2.0**low
    with np.errstate(over="raise", invalid="raise"):
        got = prepared(a, b)
    assert_matches(got, reference(a, b, "full"), a, b)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.bool_, hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6)))
def test_positions_are_argwheres(mask):
    """The non-finite positions the fix-up uses: numpy.argwhere's, by flat indices."""
    from fftconv._nonfinite import _positions

    got, want = _positions(mask), np.argwhere(mask)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
