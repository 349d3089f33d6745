"""`fc.Convolver` (issue 4): one kernel, its spectrum and FFT plans made once, applied to any
number of inputs of one shape.

Every method, kind, mode and dtype agrees with the naive reference (exactly for integers and
booleans, within SPEC §4's norm-wise bound for floats) and with the one-shot
`fc.convolve`/`fc.correlate`; the cached spectrum and buffers survive many calls; ``out=``,
non-finite values, exact and overflowing integers, threads sharing one instance, inputs never
written to, errors and attributes.
"""

import concurrent.futures
import functools
import inspect
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fftconv as fc

from ._data import BACKENDS, METHODS, MODES, OPS, random_pair, seed_of
from .reference import assert_matches, normalise_axes, out_shape, reference, tolerance

# The dtypes of the issue's checklist.
DTYPES = (
    np.bool_,
    np.int8,
    np.int64,
    np.uint64,
    np.float32,
    np.float64,
    np.complex64,
    np.complex128,
)
FFT_METHODS = ("fft", "oa")

# name: (shape of x, shape of the kernel, axes). Small, so that the reference stays cheap.
CASES = {
    "1d": ((9,), (4,), None),
    "1d-kernel-larger": ((4,), (7,), None),  # 'valid' swaps (scipy's rule)
    "1d-len1": ((1,), (3,), None),
    "1d-blocks": ((30,), (4,), None),  # 'oa' cuts x into several blocks
    "2d": ((6, 5), (3, 2), None),
    "2d-kernel-larger": ((2, 3), (4, 5), None),
    "2d-blocks": ((14, 13), (3, 2), None),
    # batches: the kernel broadcasts along the non-convolved axes
    "batch-kernel-1": ((3, 8), (1, 3), (1,)),  # kernel size 1 on the batch axis
    "batch-x-1": ((1, 8), (3, 3), -1),  # x size 1 there, kernel size 3
    "batch-equal-axis0": ((8, 3), (3, 3), 0),  # convolve along axis 0, batch of 3 on axis 1
    "3d-batch": ((5, 2, 6), (3, 1, 2), (0, 2)),
}


def _name(dtype):
    return np.dtype(dtype).name


def _oneshot(kind, x, h, mode="full", method="auto", axes=None, backend=None):
    return getattr(fc, kind)(x, h, mode, method, axes=axes, backend=backend)


def _assert_close_to(got, want, x, h, axes=None):
    """`got` equals `want` (another approximate result of the same problem): same dtype and
    shape, exact for integers, same NaN/inf pattern and within twice the SPEC §4 bound."""
    assert np.asarray(got).dtype == np.asarray(want).dtype
    assert_matches(got, want, x, h, axes=axes, extra=tolerance(x, h, axes))


def _bitwise_equal(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@functools.cache
def _case(case, xdt, hdt, mode, kind):
    """Inputs and reference of one case (shared by every method and backend)."""
    sx, sh, axes = CASES[case]
    x, h = random_pair(sx, sh, xdt, hdt, axes=axes, seed=seed_of("convolver", case, xdt, hdt))
    return x, h, axes, reference(x, h, mode, kind=kind, axes=axes)


# --- agreement with the reference and with the one-shot functions -----------------------------
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", DTYPES, ids=_name)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
def test_agrees_with_reference_and_oneshot(method, kind, mode, dtype, case):
    x, h, axes, ref = _case(case, _name(dtype), _name(dtype), mode, kind)
    x0, h0 = x.copy(), h.copy()
    conv = fc.Convolver(h, x.shape, mode, kind=kind, axes=axes, method=method)
    got = conv(x)
    assert conv.out_shape == got.shape == ref.shape
    assert_matches(got, ref, x, h, axes=axes)
    oneshot = _oneshot(kind, x, h, mode, method, axes)
    _assert_close_to(got, oneshot, x, h, axes)
    # a second call, on the same instance, gives the same bits
    assert _bitwise_equal(conv(x), got)
    assert np.array_equal(x, x0) and np.array_equal(h, h0)


# (kernel dtype, dtype= of the constructor, dtype of x): x's dtype differs from the
# constructor's, so its spectrum is made on first use (or the exact/converting path runs).
MIXED = [
    (np.float64, None, np.float32),  # -> float64
    (np.float64, None, np.complex64),  # -> complex128
    (np.float32, None, np.float64),  # -> float64
    (np.float32, None, np.int16),  # -> float32
    (np.float32, np.float32, np.complex64),
    (np.complex64, None, np.float32),  # -> complex64, real x with a complex kernel
    (np.int64, None, np.int8),  # int64, exact (constructor dtype: float64)
    (np.int8, None, np.bool_),  # int8, exact
    (np.int8, np.float32, np.uint64),  # -> float64
    (np.bool_, None, np.bool_),  # bool, exact
    (np.uint64, np.complex128, np.int64),  # -> float64
    (np.float64, np.int32, np.float64),  # integer constructor dtype, float input
    (np.float64, np.complex128, np.float64),
    (np.complex128, np.float32, np.complex128),
    (np.float64, np.float16, np.float16),  # float16 in, float64 out
]


@pytest.mark.parametrize("case", ["1d", "1d-kernel-larger", "2d-blocks", "batch-x-1"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("hdt", "cdt", "xdt"), MIXED, ids=lambda d: str(d and _name(d)))
def test_input_dtype_differs_from_constructor(hdt, cdt, xdt, method, kind, mode, case):
    x, h, axes, ref = _case(case, _name(xdt), _name(hdt), mode, kind)
    conv = fc.Convolver(h, x.shape, mode, kind=kind, axes=axes, dtype=cdt, method=method)
    got = conv(x)
    assert got.dtype == np.result_type(x, h)
    assert_matches(got, ref, x, h, axes=axes)
    _assert_close_to(got, _oneshot(kind, x, h, mode, method, axes), x, h, axes)


@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
def test_one_instance_many_input_dtypes(method, kind):
    """One instance serves inputs of every dtype, in any order, each time right."""
    h = np.random.default_rng(5).standard_normal((3, 2))
    conv = fc.Convolver(h, (9, 7), "same", kind=kind, method=method)
    rng = np.random.default_rng(seed_of("many-dtypes", method, kind))
    order = [*DTYPES, *DTYPES[::-1]]
    for dt in order:
        x = random_pair((9, 7), (1, 1), dt, seed=int(rng.integers(2**31)))[0]
        assert_matches(conv(x), reference(x, h, "same", kind=kind), x, h)


# --- hypothesis: shapes, kernel sizes, modes, kinds, axes and dtypes --------------------------
@st.composite
def problems(draw, max_side=6):
    """(x, h, axes, mode, kind, method, ctor dtype): batch axes broadcast (equal, or one of
    them 1); in 'valid' mode one input is at least as large along every convolved axis."""
    ndim = draw(st.integers(1, 3 if draw(st.integers(0, 4)) == 0 else 2))
    mode = draw(st.sampled_from(MODES))
    axes = None
    if ndim > 1 and draw(st.booleans()):
        chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        axes = tuple(a - ndim if draw(st.booleans()) else a for a in chosen)
        if len(axes) == 1 and draw(st.booleans()):
            axes = axes[0]  # an int
    conv_axes = normalise_axes(axes, ndim)
    kernel_larger = draw(st.booleans())
    sx, sh = [], []
    for d in range(ndim):
        if d in conv_axes:
            # 1-D: x up to 3 * max_side long (several overlap-add blocks)
            n = draw(st.integers(1, 3 * max_side if ndim == 1 else max_side - 1))
            m = draw(st.integers(1, max_side if ndim == 1 else max_side - 1))
            if mode == "valid":
                lo, hi = sorted((n, m))
                n, m = (lo, hi) if kernel_larger else (hi, lo)
        else:
            size = draw(st.integers(2, 3))
            n, m = draw(st.sampled_from([(size, size), (size, 1), (1, size)]))
        sx.append(n)
        sh.append(m)
    xdt = draw(st.sampled_from(DTYPES))
    hdt = draw(st.sampled_from(DTYPES)) if draw(st.integers(0, 3)) == 0 else xdt
    cdt = draw(st.sampled_from([None, None, np.float32, np.float64, np.complex64, np.int16]))
    x, h = random_pair(tuple(sx), tuple(sh), xdt, hdt, axes=axes, seed=draw(st.integers(0, 2**31)))
    kind = draw(st.sampled_from(OPS))
    method = draw(st.sampled_from(METHODS))
    return x, h, axes, mode, kind, method, cdt


@settings(max_examples=100)
@given(problem=problems())
def test_property_agrees_with_reference(problem):
    x, h, axes, mode, kind, method, cdt = problem
    x0, h0 = x.copy(), h.copy()
    conv = fc.Convolver(h, x.shape, mode, kind=kind, axes=axes, dtype=cdt, method=method)
    ref = reference(x, h, mode, kind=kind, axes=axes)
    assert conv.out_shape == out_shape(x.shape, h.shape, mode, axes) == ref.shape
    got = conv(x)
    assert_matches(got, ref, x, h, axes=axes)
    _assert_close_to(got, _oneshot(kind, x, h, mode, method, axes), x, h, axes)
    out = np.empty(conv.out_shape, dtype=got.dtype)
    assert conv(x, out=out) is out
    assert _bitwise_equal(out, got)
    assert np.array_equal(x, x0) and np.array_equal(h, h0)


@settings(max_examples=40)
@given(problem=problems(), seeds=st.lists(st.integers(0, 2**31), min_size=2, max_size=5))
def test_property_many_calls_match_fresh_oneshots(problem, seeds):
    """Results of many calls on one instance (inputs of the instance's shape, with dtypes
    varying between calls) are those of fresh one-shot calls, and stay so: later calls do
    not overwrite earlier results."""
    x, h, axes, mode, kind, method, cdt = problem
    conv = fc.Convolver(h, x.shape, mode, kind=kind, axes=axes, dtype=cdt, method=method)
    inputs, results, snapshots = [], [], []
    for i, seed in enumerate(seeds):
        xdt = x.dtype if i % 2 == 0 else DTYPES[seed % len(DTYPES)]
        xi = random_pair(x.shape, h.shape, xdt, h.dtype, axes=axes, seed=seed)[0]
        inputs.append(xi)
        results.append(conv(xi))
        snapshots.append(results[-1].copy())
    results.append(conv(x))  # and once more the first shape/dtype
    snapshots.append(results[-1].copy())
    inputs.append(x)
    for xi, got, snap in zip(inputs, results, snapshots, strict=True):
        assert _bitwise_equal(got, snap)
        _assert_close_to(got, _oneshot(kind, xi, h, mode, method, axes), xi, h, axes)
        assert_matches(got, reference(xi, h, mode, kind=kind, axes=axes), xi, h, axes=axes)


# --- many calls on one instance ----------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", FFT_METHODS)
@pytest.mark.parametrize(
    ("sx", "sh", "axes", "mode"),
    [
        ((400,), (17,), None, "same"),
        ((24, 21), (4, 3), None, "full"),
        ((3, 90), (1, 9), 1, "valid"),
    ],
    ids=["1d", "2d", "batch"],
)
def test_many_calls_keep_every_result(sx, sh, axes, mode, method, kind, backend):
    """The cached spectrum and FFT buffers are not corrupted between calls, and no result
    returned earlier shares memory with (or is overwritten by) a later one."""
    rng = np.random.default_rng(seed_of("many", sx, method, kind, backend))
    h = rng.standard_normal(sh)
    conv = fc.Convolver(h, sx, mode, kind=kind, axes=axes, method=method, backend=backend)
    inputs = [rng.standard_normal(sx) for _ in range(12)]
    inputs += [x.astype(np.complex128) * (1 - 1j) for x in inputs[:2]]  # another engine
    inputs += inputs[:3]  # the same input again later
    results = [conv(x) for x in inputs]
    for i, (x, got) in enumerate(zip(inputs, results, strict=True)):
        want = _oneshot(kind, x, h, mode, method, axes, backend)
        _assert_close_to(got, want, x, h, axes)
        for other in results[:i]:
            assert not np.may_share_memory(got, other)
    for i in range(3):  # the same input gives the same bits, however many calls ran between
        assert _bitwise_equal(results[i], results[-3 + i])
    assert_matches(results[0], reference(inputs[0], h, mode, kind=kind, axes=axes), inputs[0], h)


def test_input_layouts():
    """Strided, Fortran-ordered, big-endian and list inputs give the same result."""
    rng = np.random.default_rng(11)
    h = rng.standard_normal((3, 4))
    for method in METHODS:
        conv = fc.Convolver(h, (20, 17), "same", method=method)
        x = rng.standard_normal((40, 34))[::2, ::2]
        ref = reference(x, h, "same")
        for variant in (x, np.asfortranarray(x), x.astype(">f8"), x.tolist()):
            assert_matches(conv(variant), ref, x, h)
    big_endian_kernel = fc.Convolver(h.astype(">f8"), (20, 17), "same")
    assert_matches(big_endian_kernel(x), ref, x, h)


def test_empty_batch():
    conv = fc.Convolver(np.ones((1, 3)), (0, 8), axes=1)
    got = conv(np.zeros((0, 8)))
    assert got.shape == conv.out_shape == (0, 10)
    out = np.empty((0, 10))
    assert conv(np.zeros((0, 8)), out=out) is out


# --- out= --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("xdt", "hdt"),
    [
        (np.float64, np.float64),  # written straight into out
        (np.complex64, np.float32),
        (np.float32, np.float64),  # converted
        (np.int64, np.int64),  # exact
        (np.bool_, np.bool_),
    ],
    ids=lambda d: _name(d),
)
def test_out_is_written_and_returned(xdt, hdt, method, kind):
    x, h = random_pair((7, 30), (2, 5), xdt, hdt, seed=seed_of("out", xdt, hdt))
    conv = fc.Convolver(h, x.shape, "full", kind=kind, method=method)
    out = np.full(conv.out_shape, 99, dtype=np.result_type(x, h))
    assert conv(x, out=out) is out
    assert_matches(out, reference(x, h, kind=kind), x, h)
    # a strided, non-contiguous out
    base = np.full((2 * conv.out_shape[0], conv.out_shape[1]), 99, dtype=out.dtype)
    assert conv(x, out=base[::2]) is not None
    assert _bitwise_equal(np.ascontiguousarray(base[::2]), out)
    assert np.all(base[1::2] == np.array(99).astype(out.dtype))  # untouched


@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.int64], ids=_name)
@pytest.mark.parametrize("shape", [(40,), (11, 9)], ids=["1d", "2d"])
def test_out_that_is_x(shape, dtype, method, kind):
    """mode 'same' with out being x itself: x is read before it is written."""
    x, h = random_pair(shape, (3,) * len(shape), dtype, seed=seed_of("out-x", shape, dtype))
    ref = reference(x, h, "same", kind=kind)
    conv = fc.Convolver(h, shape, "same", kind=kind, method=method)
    buf = x.copy()
    assert conv(buf, out=buf) is buf
    assert_matches(buf, ref, x, h)


@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
def test_out_overlapping_x(method, kind):
    """out overlaps x without being it: a shifted view, and a transposed view."""
    rng = np.random.default_rng(seed_of("overlap", method, kind))
    h = rng.standard_normal(4)
    conv = fc.Convolver(h, 30, "same", kind=kind, method=method)
    buf = rng.standard_normal(33)
    x = buf[:30].copy()
    ref = reference(x, h, "same", kind=kind)
    conv(buf[:30], out=buf[3:])
    assert_matches(buf[3:], ref, x, h)

    h2 = rng.standard_normal((3, 3))
    conv2 = fc.Convolver(h2, (12, 12), "same", kind=kind, method=method)
    x2 = rng.standard_normal((12, 12))
    ref2 = reference(x2, h2, "same", kind=kind)
    buf2 = x2.T.copy()  # buf2.T is x2, written into buf2 itself
    conv2(buf2.T, out=buf2)
    assert_matches(buf2, ref2, x2, h2)


def _readonly(shape):
    a = np.zeros(shape)
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("make_out", "error", "match"),
    [
        (lambda: np.empty(12), ValueError, r"out must have shape \(13,\)"),
        (lambda: np.empty((13, 1)), ValueError, r"out.*shape"),
        (lambda: np.empty(13, np.float32), ValueError, r"out.*dtype float64.*float32"),
        (lambda: np.empty(13, np.complex128), ValueError, r"out.*dtype"),
        (lambda: _readonly(13), ValueError, r"out is read-only"),
        (lambda: [0.0] * 13, TypeError, r"out must be a numpy.ndarray; got list"),
    ],
    ids=["short", "2d", "float32", "complex", "read-only", "list"],
)
def test_bad_out(make_out, error, match, method):
    conv = fc.Convolver(np.ones(4), 10, method=method)
    x = np.arange(10.0)
    out = make_out()
    with pytest.raises(error, match=match):
        conv(x, out=out)
    assert np.array_equal(x, np.arange(10.0))


def test_bad_out_dtype_for_integer_inputs():
    conv = fc.Convolver(np.array([1, 2, 3]), 10)  # int64 kernel: int64 results
    with pytest.raises(ValueError, match=r"out.*int64.*float64"):
        conv(np.arange(10), out=np.empty(12))


# --- non-finite values -------------------------------------------------------------------------
NF_SHAPES = {
    "1d": ((23,), (5,), None),
    "2d": ((9, 8), (3, 2), None),
    "batch": ((3, 20), (1, 4), 1),
    "batch-x-1": ((1, 20), (3, 4), -1),
}
NF_VARIANTS = {
    "nan-x": ([np.nan], []),
    "inf-x": ([np.inf], []),
    "-inf-x": ([-np.inf], []),
    "inf-and--inf-x": ([np.inf, -np.inf], []),  # windows covering both are NaN
    "nan-kernel": ([], [np.nan]),
    "inf-kernel": ([], [np.inf]),
    "nan-x-inf-kernel": ([np.nan], [np.inf]),
    "inf-x-zero-kernel": ([np.inf], [0.0]),  # inf * 0 in the support is NaN
}


def _put(a, values):
    """Put `values` at adjacent positions a third of the way into every axis."""
    a = a.copy()
    start = [n // 3 for n in a.shape]
    for i, v in enumerate(values):
        pos = list(start)
        pos[-1] = min(start[-1] + i, a.shape[-1] - 1)
        a[tuple(pos)] = v
    return a


@functools.cache
def _nonfinite_case(shape_name, variant, dtype, mode, kind):
    sx, sh, axes = NF_SHAPES[shape_name]
    x, h = random_pair(sx, sh, dtype, seed=seed_of("nf", shape_name, variant, dtype))
    put_x, put_h = NF_VARIANTS[variant]
    x, h = _put(x, put_x), _put(h, put_h)
    return x, h, axes, reference(x, h, mode, kind=kind, axes=axes)


@pytest.mark.parametrize("variant", NF_VARIANTS)
@pytest.mark.parametrize("shape", NF_SHAPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", [*FFT_METHODS, "auto"])
def test_nonfinite_stays_local(method, kind, mode, shape, variant):
    x, h, axes, ref = _nonfinite_case(shape, variant, "float64", mode, kind)
    assert not np.isfinite(ref).all()  # the case is meaningful...
    if variant != "inf-x-zero-kernel" and mode == "full":
        assert np.isfinite(ref).any()  # ...and a smeared NaN would be caught
    conv = fc.Convolver(h, x.shape, mode, kind=kind, axes=axes, method=method)
    assert_matches(conv(x), ref, x, h, axes=axes)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64, np.complex128], ids=_name)
@pytest.mark.parametrize("variant", ["nan-x", "inf-and--inf-x", "nan-kernel", "inf-kernel"])
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", FFT_METHODS)
def test_nonfinite_other_dtypes(method, kind, variant, dtype):
    x, h, axes, ref = _nonfinite_case("1d", variant, _name(dtype), "same", kind)
    conv = fc.Convolver(h, x.shape, "same", kind=kind, method=method)
    assert_matches(conv(x), ref, x, h)


@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", FFT_METHODS)
def test_nonfinite_call_does_not_poison_later_calls(method, kind):
    x, h, _, ref_nan = _nonfinite_case("1d", "nan-x", "float64", "full", kind)
    clean = np.nan_to_num(x)
    conv = fc.Convolver(h, x.shape, kind=kind, method=method)
    first = conv(clean)
    assert_matches(conv(x), ref_nan, x, h)
    again = conv(clean)
    assert _bitwise_equal(first, again)
    assert_matches(again, reference(clean, h, kind=kind), clean, h)


# --- integers ----------------------------------------------------------------------------------
# int64: |x| <= 2**40, |h| <= 2**10, 300 x 60: sums beyond float64's 53 bits (but in int64).
# uint64: x in [2**47, 2**48], h in [2**9, 2**10]: sums above 2**63.
BIG = {"int64": (np.int64, 40, 10, -1), "uint64": (np.uint64, 48, 10, 1)}


def _big_pair(name):
    dtype, xbits, hbits, lo_sign = BIG[name]
    rng = np.random.default_rng(seed_of("convolver-big", name))

    def draw(size, bits):
        lo = 2 ** (bits - 1) if lo_sign > 0 else -(2**bits)
        return rng.integers(lo, 2**bits, size=size, dtype=dtype, endpoint=True)

    return draw(300, xbits), draw(60, hbits)


@functools.cache
def _big_case(name, kind, mode):
    x, h = _big_pair(name)
    return x, h, reference(x, h, mode, kind=kind)


@pytest.mark.parametrize("name", BIG)
def test_big_integers_defeat_float64(name):
    """The big-integer cases are meaningful: a float64 FFT does not round to the answer."""
    x, h, ref = _big_case(name, "convolve", "full")
    n = len(x) + len(h) - 1
    approx = np.rint(np.fft.irfft(np.fft.rfft(x.astype(float), n) * np.fft.rfft(h, n), n))
    assert any(int(a) != e for a, e in zip(approx.tolist(), ref.tolist(), strict=True))


@pytest.mark.parametrize("name", BIG)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
def test_big_integers_exact(method, kind, mode, name):
    """Magnitudes too large for an exact FFT: the Convolver falls back to the exact sum."""
    x, h, ref = _big_case(name, kind, mode)
    conv = fc.Convolver(h, x.shape, mode, kind=kind, method=method)
    assert_matches(conv(x), ref, x, h)
    # small values on the same instance: exact again (the FFT may be used for them)
    small = (x % 7).astype(x.dtype)
    assert_matches(conv(small), reference(small, h, mode, kind=kind), small, h)
    assert_matches(conv(x), ref, x, h)


@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
def test_big_integers_exact_2d_batch(method, kind):
    rng = np.random.default_rng(99)
    x = rng.integers(-(2**40), 2**40, size=(3, 40), dtype=np.int64)
    h = rng.integers(-(2**9), 2**9, size=(1, 25), dtype=np.int64)
    conv = fc.Convolver(h, x.shape, "same", kind=kind, method=method, axes=-1)
    assert_matches(conv(x), reference(x, h, "same", kind=kind, axes=-1), x, h)


OVERFLOW = [
    (np.int8, [100, 100, 100], [2, 2], r"int16"),
    (np.int8, [-100, -100, -100], [2, 2], r"int16"),
    (np.uint8, [200, 200, 200], [2, 2], r"uint16"),
    (np.int32, [2**30, 2**30, 2**30], [2, 2], r"int64"),
    (np.int64, [2**62, 2**62], [4, 4], r"float64"),
    (np.uint64, [2**62, 2**62], [4, 4], r"float64"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("dtype", "a", "b", "wider"), OVERFLOW, ids=lambda v: str(v))
def test_integer_overflow_raises(dtype, a, b, wider, method, kind, mode):
    x, h = np.array(a, dtype=dtype), np.array(b, dtype=dtype)
    conv = fc.Convolver(h, x.shape, mode, kind=kind, method=method)
    with pytest.raises(OverflowError, match=wider):
        conv(x)
    out = np.zeros(conv.out_shape, dtype=dtype)
    with pytest.raises(OverflowError, match=wider):
        conv(x, out=out)
    # a fitting input on the same instance still works
    ok = np.ones_like(x)
    assert_matches(conv(ok), reference(ok, h, mode, kind=kind), ok, h)


# --- threads -----------------------------------------------------------------------------------
def _hammer(conv, inputs, threads=4):
    """``conv`` applied to `inputs` from `threads` threads at once (started together);
    results in the order of `inputs`."""
    barrier = threading.Barrier(threads, timeout=60)
    chunks = [list(range(t, len(inputs), threads)) for t in range(threads)]

    def work(chunk):
        barrier.wait()
        return [(i, conv(inputs[i])) for i in chunk]

    results = [None] * len(inputs)
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for part in pool.map(work, chunks):
            for i, r in part:
                results[i] = r
    return results


THREAD_SHAPES = {
    "1d": ((3000,), (41,), None, "same"),
    "2d": ((48, 40), (5, 4), None, "full"),
    "batch": ((6, 500), (1, 21), -1, "valid"),
}


@pytest.mark.parametrize("workers", [None, 2])
@pytest.mark.parametrize("backend", ["pyfftw", "scipy"])
@pytest.mark.parametrize("shape", THREAD_SHAPES)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", FFT_METHODS)
def test_threads_share_one_instance(method, kind, shape, backend, workers):
    """4 threads calling one (fresh) instance at once get bitwise the results of calling
    it serially."""
    sx, sh, axes, mode = THREAD_SHAPES[shape]
    rng = np.random.default_rng(seed_of("threads", method, kind, shape, backend))
    h = rng.standard_normal(sh)
    conv = fc.Convolver(
        h, sx, mode, kind=kind, axes=axes, method=method, backend=backend, workers=workers
    )
    inputs = [rng.standard_normal(sx) for _ in range(48)]
    parallel = _hammer(conv, inputs)
    serial = [conv(x) for x in inputs]
    assert all(_bitwise_equal(p, s) for p, s in zip(parallel, serial, strict=True))
    for i in (0, 17, 47):
        want = _oneshot(kind, inputs[i], h, mode, method, axes, backend)
        _assert_close_to(parallel[i], want, inputs[i], h, axes)


@pytest.mark.parametrize("backend", ["pyfftw", "scipy"])
@pytest.mark.parametrize("method", [*FFT_METHODS, "direct"])
def test_threads_mixed_inputs(method, backend):
    """Threads at once on every path of a call: inputs of a new dtype (a spectrum made on
    first use, concurrently), integers (exact), non-finite values (fix-up), out=."""
    rng = np.random.default_rng(seed_of("threads-mixed", method, backend))
    h = rng.standard_normal((4, 3))
    shape = (30, 26)
    conv = fc.Convolver(h, shape, "same", method=method, backend=backend)
    inputs = []
    for i in range(64):
        x = rng.standard_normal(shape)
        kind = i % 4
        if kind == 1:
            x = (x + 1j * rng.standard_normal(shape)).astype(np.complex64)
        elif kind == 2:
            x = rng.integers(-1000, 1000, shape)
        elif kind == 3:
            x[i % 30, (3 * i) % 26] = (np.nan, np.inf, -np.inf)[i % 3]
        inputs.append(x)
    parallel = _hammer(conv, inputs)
    serial = [conv(x) for x in inputs]
    assert all(_bitwise_equal(p, s) for p, s in zip(parallel, serial, strict=True))
    for i in range(4):
        assert_matches(parallel[i], reference(inputs[i], h, "same"), inputs[i], h)

    def with_out(x):
        out = np.empty(conv.out_shape, np.result_type(x, h))
        assert conv(x, out=out) is out
        return out

    outs = _hammer(with_out, inputs)
    assert all(_bitwise_equal(o, s) for o, s in zip(outs, serial, strict=True))


def test_thread_safety_is_documented():
    doc = inspect.getdoc(fc.Convolver)
    assert "Threads" in doc and "several threads at once" in doc


# --- inputs are never modified -----------------------------------------------------------------
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
def test_inputs_not_modified(method, kind):
    rng = np.random.default_rng(seed_of("unmodified", method, kind))
    h = rng.standard_normal((3, 4))
    h[1, 1] = np.nan
    h_copy = h.copy()
    conv = fc.Convolver(h, (10, 12), "same", kind=kind, method=method)
    for x in (
        rng.standard_normal((10, 12)),
        rng.standard_normal((10, 12)).astype(np.float32),
        rng.integers(-9, 9, (10, 12)),
        _put(rng.standard_normal((10, 12)), [np.inf, np.nan]),
        (rng.standard_normal((10, 12)) * 1j).astype(np.complex64),
    ):
        x_copy = x.copy()
        conv(x)
        conv(x, out=np.empty(conv.out_shape, np.result_type(x, h)))
        assert np.array_equal(x, x_copy, equal_nan=True)
    assert np.array_equal(h, h_copy, equal_nan=True)


# x dtype of each call path: float64 (straight into the FFT), float32 (converted), int64
# (the exact path), float64 with a NaN (the non-finite fix-up).
KERNEL_COPY_INPUTS = {
    "float64": lambda x: x,
    "float32": lambda x: x.astype(np.float32),
    "int64": lambda x: np.rint(10 * x).astype(np.int64),
    "float64-nan": lambda x: _put(x, [np.nan, np.inf]),
}


@pytest.mark.parametrize("path", KERNEL_COPY_INPUTS)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
def test_kernel_is_copied(method, kind, path):
    """Changing the caller's kernel array after construction changes nothing (the docstring:
    "Copied: later changes to the caller's array do not affect the instance")."""
    rng = np.random.default_rng(seed_of("kernel-copy", method, kind, path))
    h = rng.standard_normal(5)
    h_orig = h.copy()
    x = KERNEL_COPY_INPUTS[path](rng.standard_normal(40))
    conv = fc.Convolver(h, 40, "same", kind=kind, method=method)
    before = conv(x)
    h[:] = -100.0 * h - 1.0  # the caller reuses its array
    after = conv(x)
    assert_matches(after, reference(x, h_orig, "same", kind=kind), x, h_orig)
    assert _bitwise_equal(after, before)


# --- errors ------------------------------------------------------------------------------------
H1 = np.array([1.0, -1.0, 2.0])
H2 = np.ones((2, 3))

CONSTRUCTOR_ERRORS = [
    # (args, kwargs, error, match)
    ((H1, 8), {"kind": "conv"}, ValueError, r"kind must be one of 'convolve', 'correlate'"),
    ((H1, 8), {"kind": None}, ValueError, r"kind"),
    ((H1, 8), {"method": "fast"}, ValueError, r"method must be one of .*'fft'.*'fast'"),
    ((H1, 8), {"method": "FFT"}, ValueError, r"method"),
    ((H1, 8, "middle"), {}, ValueError, r"mode must be one of 'full', 'same', 'valid'"),
    ((H1, 8, None), {}, ValueError, r"mode"),
    ((H2, (4, 5)), {"axes": 2}, ValueError, r"axes=2 is out of range"),
    ((H2, (4, 5)), {"axes": (0, -2)}, ValueError, r"axes must not repeat"),
    ((H2, (4, 5)), {"axes": ()}, ValueError, r"axes"),
    ((H2, (4, 5)), {"axes": 1.5}, TypeError, r"axes must be integers"),
    ((H2, (4, 5)), {"axes": [True]}, TypeError, r"axes must be integers"),
    ((H2, 5), {}, ValueError, r"same number of dimensions.*kernel"),
    ((H1, (4, 5)), {}, ValueError, r"same number of dimensions.*kernel"),
    ((np.array(2.0), 5), {}, ValueError, r"kernel.*at least one dimension"),
    ((np.array(2.0), ()), {}, ValueError, r"at least one dimension"),
    ((H1, ()), {}, ValueError, r"at least one dimension.*shape"),
    ((np.ones((2, 0)), (4, 5)), {}, ValueError, r"kernel is empty along convolved axis 1"),
    ((H2, (4, 0)), {}, ValueError, r"x is empty along convolved axis 1"),
    ((np.ones((2, 3)), (3, 8)), {"axes": 1}, ValueError, r"do not broadcast along axis 0"),
    ((np.ones((3, 2)), (2, 3)), {"mode": "valid"}, ValueError, r"mode='valid' needs one input"),
    ((["a", "b"], 5), {}, TypeError, r"kernel has dtype <U1 \(string\)"),
    ((np.array([1, 2], dtype=object), 5), {}, TypeError, r"kernel has dtype object"),
    (([[1.0, 2.0], [3.0]], 5), {}, TypeError, r"kernel could not be converted"),
    ((np.ma.array([1.0, 2.0]), 5), {}, TypeError, r"kernel is a masked array"),
    ((H1, -3), {}, ValueError, r"shape must not have negative sizes; got -3"),
    ((H2, (4, -1)), {}, ValueError, r"shape must not have negative sizes"),
    ((H1, 3.5), {}, TypeError, r"shape must be an int or a sequence of ints; got 3.5"),
    ((H1, None), {}, TypeError, r"shape must be an int"),
    ((H1, "8"), {}, TypeError, r"shape must be an int"),
    ((H2, (4, 5.0)), {}, TypeError, r"shape must be an int"),
    ((H1, 8), {"dtype": object}, TypeError, r"dtype must be bool, an integer, a float"),
    ((H1, 8), {"dtype": str}, TypeError, r"dtype must be"),
    ((H1, 8), {"dtype": "datetime64[s]"}, TypeError, r"dtype must be"),
    ((H1, 8), {"dtype": "not a dtype"}, TypeError, r"dtype must be a numeric dtype"),
    ((H1, 8), {"workers": 0}, ValueError, r"workers"),
    ((H1, 8), {"workers": "2"}, TypeError, r"workers must be an int or None"),
    ((H1, 8), {"backend": "fftw"}, ValueError, r"backend must be one of"),
    ((H1, 8, "full", "correlate"), {}, TypeError, r"positional"),  # kind is keyword-only
]


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    CONSTRUCTOR_ERRORS,
    ids=[f"{i}-{c[2].__name__}" for i, c in enumerate(CONSTRUCTOR_ERRORS)],
)
def test_constructor_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        fc.Convolver(*args, **kwargs)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.ones(7), ValueError, r"x has shape \(7,\); .*inputs of shape \(8,\)"),
        (np.ones((1, 8)), ValueError, r"x has shape \(1, 8\); .*shape \(8,\)"),
        (np.ones(9), ValueError, r"x has shape \(9,\)"),
        (np.float64(1.0), ValueError, r"x has shape \(\)"),
        (["a"] * 8, TypeError, r"x has dtype <U1"),
        (np.array([None] * 8), TypeError, r"x has dtype object"),
        (np.arange(8).astype("datetime64[s]"), TypeError, r"x has dtype datetime64"),
        (np.ma.ones(8), TypeError, r"x is a masked array"),
    ],
    ids=["short", "2d", "long", "0d", "str", "object", "datetime", "masked"],
)
def test_call_errors(x, error, match, method):
    conv = fc.Convolver(H1, 8, method=method)
    with pytest.raises(error, match=match):
        conv(x)


def test_signature_matches_the_issue():
    params = inspect.signature(fc.Convolver).parameters
    assert list(params)[:8] == [
        "kernel",
        "shape",
        "mode",
        "kind",
        "axes",
        "dtype",
        "method",
        "workers",
    ]
    assert params["mode"].default == "full"
    assert params["kind"].default == "convolve"
    assert params["method"].default == "auto"
    for name in ("axes", "dtype", "workers"):
        assert params[name].default is None
    for name in ("kind", "axes", "dtype", "method", "workers"):
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY


# --- attributes --------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("shape", "kernel_shape", "axes", "want_shape"),
    [
        (10, (3,), None, (10,)),
        (np.int64(10), (4,), None, (10,)),
        ([6, 7], (2, 3), None, (6, 7)),
        (np.array([6, 7]), (1, 3), -1, (6, 7)),
        ((3, 8), (1, 3), (1,), (3, 8)),
        ((1, 8), (3, 3), 1, (1, 8)),
    ],
)
def test_shape_and_out_shape(shape, kernel_shape, axes, want_shape, mode):
    h = np.ones(kernel_shape)
    conv = fc.Convolver(h, shape, mode, axes=axes)
    assert conv.shape == want_shape
    assert all(type(n) is int for n in conv.shape)
    assert conv.out_shape == out_shape(want_shape, kernel_shape, mode, axes)
    assert conv.axes == normalise_axes(axes, len(want_shape))
    assert conv.mode == mode
    assert conv(np.ones(want_shape)).shape == conv.out_shape


@pytest.mark.parametrize(
    ("sx", "sh"), [((10,), (3,)), ((100_000,), (31,)), ((4000,), (900,)), ((64, 64), (9, 9))]
)
def test_auto_picks_a_method_with_a_cost(sx, sh):
    conv = fc.Convolver(np.ones(sh), sx)
    assert conv.method in ("direct", "fft", "oa")
    assert conv.method in conv.costs
    assert set(conv.costs) <= {"direct", "fft", "oa"}
    assert conv.costs[conv.method] == min(conv.costs.values())


@pytest.mark.parametrize("method", ["direct", "fft", "oa"])
def test_explicit_method_is_kept(method):
    conv = fc.Convolver(np.ones(3), 50, method=method)
    assert conv.method == method


@pytest.mark.parametrize(
    ("kernel", "dtype", "want"),
    [
        (np.ones(3, np.float32), None, np.float32),
        (np.ones(3, np.complex64), None, np.complex64),
        (np.ones(3, np.int16), None, np.float64),
        (np.ones(3, bool), None, np.float64),
        (np.ones(3), np.int32, np.int32),
        (np.ones(3), ">f4", np.float32),  # native byte order
    ],
)
def test_dtype_attribute(kernel, dtype, want):
    assert fc.Convolver(kernel, 8, dtype=dtype).dtype == np.dtype(want)


def test_kind_attribute_and_repr():
    conv = fc.Convolver(np.ones((1, 3)), (5, 7), "same", kind="correlate", method="oa", axes=-1)
    assert conv.kind == "correlate"
    text = repr(conv)
    assert text.startswith("Convolver(")
    for part in ("(1, 3)", "(5, 7)", "'same'", "'correlate'", "(1,)", "float64", "'oa'"):
        assert part in text


# --- backends ----------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["1d", "1d-kernel-larger", "2d-blocks", "batch-x-1", "3d-batch"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.int64], ids=_name)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", [*FFT_METHODS, "auto"])
def test_backends_agree(method, kind, mode, dtype, case):
    x, h, axes, ref = _case(case, _name(dtype), _name(dtype), mode, kind)
    results = {}
    for backend in BACKENDS:
        conv = fc.Convolver(h, x.shape, mode, kind=kind, axes=axes, method=method, backend=backend)
        results[backend] = conv(x)
        assert_matches(results[backend], ref, x, h, axes=axes)
    for backend in BACKENDS[1:]:
        _assert_close_to(results[backend], results[BACKENDS[0]], x, h, axes)


@pytest.mark.parametrize("backend", BACKENDS)
def test_backend_from_context_at_construction(backend):
    x, h, axes, ref = _case("2d-blocks", "float64", "float64", "same", "correlate")
    with fc.set_backend(backend):
        conv = fc.Convolver(h, x.shape, "same", kind="correlate", method="fft")
    assert_matches(conv(x), ref, x, h)
