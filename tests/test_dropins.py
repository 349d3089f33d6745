"""The scipy.signal drop-ins agree with scipy.signal (values and result dtype) and with the
naive reference.  scipy is the second oracle here; where scipy 1.17 is itself wrong by SPEC,
the SPEC behaviour is tested instead and a comment says why."""

import itertools

import numpy as np
import pytest
import scipy.signal

import fftconv as fc

from ._data import METHODS, MODES, OPS, int_bound, random_array, random_pair, seed_of
from .reference import assert_matches, normalise_axes, reference, tolerance

# (shape of in1, shape of in2, axes): odd and even kernels, kernel larger than the signal in
# every axis (valid swaps), equal shapes, 3-D, and batch axes.
SHAPES = {
    "1d-odd": ((20,), (5,), None),
    "1d-even": ((19,), (6,), None),
    "1d-kernel-larger": ((5,), (12,), None),
    "1d-equal": ((7,), (7,), None),
    "2d-odd": ((9, 8), (3, 3), None),
    "2d-even": ((9, 8), (4, 2), None),
    "2d-kernel-larger": ((3, 4), (6, 5), None),
    "3d": ((6, 5, 4), (2, 3, 3), None),
    "2d-axis1": ((4, 16), (1, 5), 1),
    "3d-axes02": ((7, 3, 6), (2, 1, 3), (0, 2)),
}
REAL_COMPLEX = (np.float32, np.float64, np.complex64, np.complex128)
FFT_DTYPES = (*REAL_COMPLEX, np.int16, np.int64, np.bool_, np.float16)


def _ids(v):
    return np.dtype(v).name if isinstance(v, type) else str(v)


def _inputs(shape_name, dtype1, dtype2=None):
    s1, s2, axes = SHAPES[shape_name]
    x, h = random_pair(s1, s2, dtype1, dtype2, axes=axes, seed=seed_of(shape_name, dtype1))
    return x, h, axes


# --- fftconvolve / oaconvolve ----------------------------------------------------------------
@pytest.mark.parametrize("func", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", FFT_DTYPES, ids=_ids)
def test_fft_dropins(func, mode, shape, dtype):
    x, h, axes = _inputs(shape, dtype)
    want = getattr(scipy.signal, func)(x, h, mode, axes=axes)
    got = getattr(fc, func)(x, h, mode, axes=axes)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    # against the naive reference (exact values, so fc's own bound), then against scipy
    # (both sides approximate: twice the bound)
    assert_matches(got, reference(x, h, mode, axes=axes), x, h, axes=axes, dtype=want.dtype)
    tol = tolerance(x, h, axes, want.dtype)
    assert np.max(np.abs(got - want), initial=0.0) <= 2 * tol


# scipy's FFT drop-ins return the dtype of the transforms they run: an integer or boolean
# input is transformed in float64 even next to a float32 / complex64 one, so e.g.
# fftconvolve(float32, int8) is float64. SPEC §4: the drop-ins return scipy's dtype.
MIXED_FFT = [
    (a, b)
    for a, b in itertools.product(
        (
            np.bool_,
            np.int8,
            np.uint8,
            np.int16,
            np.int64,
            np.float16,
            np.float32,
            np.float64,
            np.complex64,
            np.complex128,
        ),
        repeat=2,
    )
]


@pytest.mark.parametrize("func", ["fftconvolve", "oaconvolve"])
@pytest.mark.parametrize(("dt1", "dt2"), MIXED_FFT, ids=_ids)
def test_fft_dropins_mixed_dtypes(func, dt1, dt2):
    x, h = random_pair((16,), (5,), dt1, dt2, seed=seed_of("mixed-fft", dt1, dt2))
    want = getattr(scipy.signal, func)(x, h)
    got = getattr(fc, func)(x, h)
    assert got.dtype == want.dtype, f"{got.dtype} != scipy's {want.dtype}"
    # scipy transforms a float32/complex64 input in single precision even when the result is
    # float64, so the bound uses the least precise float input's eps
    single = any(a.dtype in (np.float16, np.float32, np.complex64) for a in (x, h))
    tol = tolerance(x, h, dtype=np.float32 if single else want.dtype)
    assert np.max(np.abs(got - want)) <= 2 * tol
    assert_matches(got, reference(x, h), x, h, dtype=want.dtype, tol=tol)


# --- choose_conv_method ------------------------------------------------------------------------
CHOOSE_CASES = [
    ((30,), (3,), np.float64),
    ((3000,), (200,), np.float64),
    ((64, 64), (9, 9), np.float32),
    ((20, 20), (3, 3), np.complex128),
    ((500,), (40,), np.int32),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("s1", "s2", "dtype"), CHOOSE_CASES, ids=str)
def test_choose_conv_method(s1, s2, dtype, mode):
    x, h = random_pair(s1, s2, dtype, seed=5)
    method = fc.choose_conv_method(x, h, mode)
    # a drop-in: its answer is a method scipy.signal.convolve accepts
    assert method in ("direct", "fft")
    assert scipy.signal.choose_conv_method(x, h, mode) in ("direct", "fft")
    got = fc.convolve(x, h, mode, method)
    assert_matches(got, reference(x, h, mode), x, h)


# (one case: measuring takes a few seconds)
@pytest.mark.parametrize(("s1", "s2", "dtype"), CHOOSE_CASES[:1], ids=str)
def test_choose_conv_method_measure(s1, s2, dtype):
    x, h = random_pair(s1, s2, dtype, seed=6)
    out = fc.choose_conv_method(x, h, "full", measure=True)
    assert isinstance(out, tuple)
    assert len(out) == 2
    method, times = out
    assert isinstance(times, dict)
    assert {"direct", "fft"} <= set(times)
    assert all(isinstance(t, float) and t >= 0 for t in times.values())
    assert method in ("direct", "fft")
    assert times[method] == min(times[k] for k in ("direct", "fft"))
    # scipy's shape of the answer
    s_method, s_times = scipy.signal.choose_conv_method(x, h, "full", measure=True)
    assert set(s_times) <= set(times)


# --- convolve2d / correlate2d ------------------------------------------------------------------
SHAPES_2D = {
    "odd": ((7, 9), (3, 3)),
    "even": ((8, 6), (2, 4)),
    "mixed": ((6, 7), (3, 2)),
    "kernel-larger": ((3, 4), (5, 6)),
    "kernel-taller": ((4, 6), (6, 3)),  # larger in one axis only (not for valid)
    "equal": ((4, 5), (4, 5)),
}
BOUNDARIES = ("fill", "wrap", "symm")
DTYPES_2D = (np.float32, np.float64, np.complex64, np.complex128, np.int32, np.int64)


def _fill_for(dtype, fill):
    dtype = np.dtype(dtype)
    if fill == "zero":
        return 0
    if dtype.kind in "iu":
        return 2
    if dtype.kind == "c":
        return 1.5 - 0.5j
    return 1.5


def _inputs_2d(s1, s2, dtype, seed):
    """Random inputs; integers small enough that even a wrap/symm/fill boundary (where every
    output sums all of in2's products) fits the dtype: scipy would wrap silently otherwise."""
    if np.dtype(dtype).kind not in "iu":
        return random_pair(s1, s2, dtype, seed=seed)
    rng = np.random.default_rng(seed)
    b = int_bound(dtype, int(np.prod(s2)))
    return random_array(rng, s1, dtype, b), random_array(rng, s2, dtype, b)


def _pad_mode(boundary):
    return {"fill": "constant", "wrap": "wrap", "symm": "symmetric"}[boundary]


def _tolerance_2d(x, h, boundary, fillvalue, dtype):
    """The SPEC §4 bound for the effective (extended) first input."""
    widths = [(m - 1, m - 1) for m in h.shape]
    kw = {"constant_values": fillvalue} if boundary == "fill" else {}
    ext = np.pad(x, widths, mode=_pad_mode(boundary), **kw)
    return tolerance(ext, h, dtype=dtype)


def _reference_2d(x, h, mode, op, boundary, fillvalue):
    # scipy.signal.correlate2d centres mode 'same' at M // 2 of the full result, one sample
    # later than scipy.signal.correlate's (M - 1) // 2 for an even kernel length M (the two
    # agree for odd M).  SPEC §3 says "centred as scipy.signal centres it": a drop-in keeps
    # its scipy function's centring, so correlate2d follows correlate2d (checked below
    # against scipy), and fc.correlate follows scipy.signal.correlate.
    start = (lambda m: m // 2) if op == "correlate2d" else (lambda m: (m - 1) // 2)
    kind = op[:-2]
    return reference(
        x, h, mode, kind=kind, boundary=boundary, fillvalue=fillvalue, same_start=start
    )


def test_scipy_correlate2d_same_centring():
    """The scipy fact _reference_2d relies on."""
    x = np.arange(12.0).reshape(3, 4)
    h = np.array([[1.0, 2.0]])
    full = scipy.signal.correlate2d(x, h, "full")
    assert np.array_equal(scipy.signal.correlate2d(x, h, "same"), full[:, 1:5])
    assert np.array_equal(scipy.signal.correlate(x, h, "same"), full[:, 0:4])


# fillvalue only matters with boundary='fill'
BOUNDARY_FILLS = [("fill", "zero"), ("fill", "nonzero"), ("wrap", "zero"), ("symm", "zero")]


@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("boundary", "fill"), BOUNDARY_FILLS)
@pytest.mark.parametrize("shape", SHAPES_2D)
@pytest.mark.parametrize("dtype", DTYPES_2D, ids=_ids)
def test_2d_dropins(op, mode, boundary, fill, shape, dtype):
    s1, s2 = SHAPES_2D[shape]
    if mode == "valid" and shape == "kernel-taller":
        # neither input is larger: both scipy and fftconv refuse
        with pytest.raises(ValueError):
            getattr(scipy.signal, op)(np.ones(s1), np.ones(s2), mode)
        with pytest.raises(ValueError, match="valid"):
            getattr(fc, op)(np.ones(s1), np.ones(s2), mode)
        return
    x, h = _inputs_2d(s1, s2, dtype, seed_of("2d", shape, dtype))
    fillvalue = _fill_for(dtype, fill)
    got = getattr(fc, op)(x, h, mode, boundary, fillvalue)
    want = getattr(scipy.signal, op)(x, h, mode, boundary, fillvalue)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    ref = _reference_2d(x, h, mode, op, boundary, fillvalue)
    tol = _tolerance_2d(x, h, boundary, fillvalue, want.dtype)
    assert_matches(got, ref, x, h, tol=tol)
    swapped = (
        mode == "valid"
        and x.shape != h.shape
        and all(m >= n for n, m in zip(x.shape, h.shape, strict=True))
    )
    if op == "correlate2d" and swapped and np.dtype(dtype).kind == "c":
        # scipy 1.17 correlate2d swaps the inputs in 'valid' mode when in2 is larger and undoes
        # the swap by flipping only, not conjugating: it returns conj of the correlation.
        # SPEC §1 (correlate(x, h) == flip(conj(correlate(h, x)))) fixes fc's answer; scipy's
        # own N-D `correlate` agrees with fc.
        assert not np.allclose(want, np.conj(want))  # the scipy difference is really there
        want = np.conj(want)
        assert np.allclose(want, scipy.signal.correlate(x, h, mode, method="direct"))
    if want.dtype.kind in "iu":
        assert np.array_equal(got, want)
    else:
        assert np.max(np.abs(got - want), initial=0.0) <= 2 * tol


@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_2d_dropins_bool(op, mode, boundary):
    # scipy's convolve2d has no bool loop ("not available for this type"); fftconv follows
    # the result-dtype rule (bool) and the bool definition (True where any product is True).
    rng = np.random.default_rng(4)
    x = rng.random((6, 5)) < 0.3
    h = rng.random((3, 2)) < 0.5
    got = getattr(fc, op)(x, h, mode, boundary)
    ref = _reference_2d(x, h, mode, op, boundary, 0)
    assert_matches(got, ref, x, h)


def test_2d_dropins_integer_overflow():
    # scipy wraps silently (its int8 result is 2 * 100 + 2 * 100 = 400 mod 256 = -112);
    # the contract is an OverflowError naming a wider dtype.
    x = np.full((2, 2), 100, dtype=np.int8)
    h = np.full((1, 2), 2, dtype=np.int8)
    assert scipy.signal.convolve2d(x, h)[0, 1] == -112
    for op in ("convolve2d", "correlate2d"):
        with pytest.raises(OverflowError, match=r"int16|int32|int64"):
            getattr(fc, op)(x, h)


# --- correlation_lags --------------------------------------------------------------------------
def _spec_lags(n, m, mode):
    """Lag of every output index of correlate(x of length n, h of length m, mode) (SPEC §1/§3
    windows on the full lags -(m-1) .. n-1)."""
    full = np.arange(-(m - 1), n)
    if mode == "full":
        return full
    if mode == "same":
        start = (m - 1) // 2
        return full[start : start + n]
    start = min(n, m) - 1
    return full[start : start + abs(n - m) + 1]


LAG_CASES = list(itertools.product(range(1, 9), range(1, 9), MODES))


@pytest.mark.parametrize(("n", "m", "mode"), LAG_CASES)
def test_correlation_lags(n, m, mode):
    got = fc.correlation_lags(n, m, mode)
    want = _spec_lags(n, m, mode)
    assert np.array_equal(got, want)
    assert got.dtype.kind == "i"
    scipy_lags = scipy.signal.correlation_lags(n, m, mode)
    if mode == "same" and n % 2 == 1 and m % 2 == 0:
        # scipy 1.17's correlation_lags disagrees with scipy's own correlate here (e.g.
        # (5, 4): it says -1..3, correlate returns lags -2..2).  SPEC §1: output index i holds
        # lag correlation_lags(N, M, mode)[i], so fftconv returns the lags of the data.
        assert not np.array_equal(scipy_lags, want)
    else:
        assert np.array_equal(got, scipy_lags)


@pytest.mark.parametrize(("n", "m", "mode"), LAG_CASES)
def test_correlation_lags_label_correlate_output(n, m, mode):
    """Every output value of correlate is the sum of SPEC §1 at its lag."""
    rng = np.random.default_rng(n * 100 + m)
    x = rng.integers(-9, 9, n)
    h = rng.integers(-9, 9, m)
    got = fc.correlate(x, h, mode)
    lags = fc.correlation_lags(n, m, mode)
    assert got.shape == lags.shape
    for value, k in zip(got.tolist(), lags.tolist(), strict=True):
        assert value == sum(x[j + k] * h[j] for j in range(m) if 0 <= j + k < n)


# --- fc.convolve / fc.correlate against scipy.signal.convolve / correlate -------------------
DTYPES_ND = (*REAL_COMPLEX, np.int32, np.int64, np.uint8, np.float16)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES_ND, ids=_ids)
def test_nd_against_scipy(op, method, mode, shape, dtype):
    x, h, axes = _inputs(shape, dtype)
    if axes is not None:
        # scipy.signal.convolve has no axes: compare slice by slice along the batch axes
        conv_axes = normalise_axes(axes, x.ndim)
        got = getattr(fc, op)(x, h, mode, method, axes=axes)
        batch = [d for d in range(x.ndim) if d not in conv_axes]
        for idx in itertools.product(*(range(got.shape[d]) for d in batch)):
            sel = [slice(None)] * x.ndim
            sel_x = [slice(None)] * x.ndim
            sel_h = [slice(None)] * x.ndim
            for d, i in zip(batch, idx, strict=True):
                sel[d] = slice(i, i + 1)
                sel_x[d] = slice(min(i, x.shape[d] - 1), min(i, x.shape[d] - 1) + 1)
                sel_h[d] = slice(min(i, h.shape[d] - 1), min(i, h.shape[d] - 1) + 1)
            xs, hs = x[tuple(sel_x)], h[tuple(sel_h)]
            _compare_scipy(op, got[tuple(sel)], xs, hs, mode)
        return
    got = getattr(fc, op)(x, h, mode, method)
    _compare_scipy(op, got, x, h, mode)


def _compare_scipy(op, got, x, h, mode):
    # scipy's direct method is exact for these small integers; for floats its 'auto' choice
    # is as good an oracle as any
    # (scipy's N-D direct method has no float16 loop: its FFT path is the float16 oracle)
    rdt = np.result_type(x, h)
    scipy_method = "direct" if rdt.kind in "biu" else ("fft" if rdt == np.float16 else "auto")
    want = getattr(scipy.signal, op)(x, h, mode, method=scipy_method)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    if want.dtype.kind in "biu":
        assert np.array_equal(got, want)
        return
    tol = 2 * tolerance(x, h)
    if want.dtype == np.float16:
        # both round a float32 computation to float16 once
        tol += 2 * float(np.finfo(np.float16).eps) * np.abs(want.astype(np.float64))
    err = np.abs(got.astype(np.complex128) - want.astype(np.complex128))
    assert np.all(err <= tol)


@pytest.mark.parametrize("op", OPS)
def test_0d_like_scipy(op):
    for a, b in [(2, 3), (2.5, -1.0), (1 + 2j, 3 - 1j), (np.float32(2), np.float32(3))]:
        got = getattr(fc, op)(a, b)
        want = getattr(scipy.signal, op)(a, b)
        assert np.ndim(got) == 0
        assert np.asarray(got).dtype == np.asarray(want).dtype
        assert got == want
