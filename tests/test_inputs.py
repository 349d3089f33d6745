"""Inputs are never written to; read-only, strided, negatively strided, unaligned, broadcast
and big-endian arrays work like their native contiguous copies; lists and scalars work;
0-d and empty inputs follow docs/design.rst."""

import numpy as np
import pytest

import fftconv as fc

from ._data import BACKENDS, METHODS, MODES, OPS, random_pair
from .reference import assert_matches, out_shape, reference, tolerance

# Every public entry point that takes arrays, as (name, call(x, h)) for 2-D inputs.
CALLS = {
    **{
        f"{op}-{method}-{backend}": (
            lambda x, h, op=op, method=method, backend=backend: getattr(fc, op)(
                x, h, "full", method, backend=backend
            )
        )
        for op in OPS
        for method in METHODS
        for backend in BACKENDS
    },
    # a batch axis: in2's first row broadcasts against in1's rows
    **{
        f"{op}-{method}-axes": (
            lambda x, h, op=op, method=method: getattr(fc, op)(x, h[:1], "same", method, axes=-1)
        )
        for op in OPS
        for method in METHODS
    },
    "fftconvolve": lambda x, h: fc.fftconvolve(x, h, "same"),
    "oaconvolve": lambda x, h: fc.oaconvolve(x, h, "full"),
    **{
        f"{op}-{boundary}": (
            lambda x, h, op=op, boundary=boundary: getattr(fc, op)(x, h, "same", boundary, 1)
        )
        for op in ("convolve2d", "correlate2d")
        for boundary in ("fill", "wrap", "symm")
    },
    "choose_conv_method": lambda x, h: fc.choose_conv_method(x, h),
}


def test_choose_conv_method_measure_does_not_write():
    # (one call only: measuring takes seconds)
    x, h = _inputs(np.float64)
    x0, h0 = x.copy(), h.copy()
    x.flags.writeable = False
    h.flags.writeable = False
    fc.choose_conv_method(x, h, measure=True)
    assert np.array_equal(x, x0)
    assert np.array_equal(h, h0)


DTYPES = (np.float64, np.float32, np.complex128, np.int64, np.int16, np.bool_)


def _inputs(dtype, seed=0, nonfinite=False):
    x, h = random_pair((13, 11), (4, 3), dtype, seed=seed)
    if nonfinite:
        x[2, 3] = np.nan
        x[7, 1] = np.inf
    return x, h


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_inputs_never_modified(call, dtype):
    x, h = _inputs(dtype)
    x0, h0 = x.copy(), h.copy()
    CALLS[call](x, h)
    assert np.array_equal(x, x0)
    assert np.array_equal(h, h0)


@pytest.mark.parametrize("call", CALLS)
def test_inputs_never_modified_nonfinite(call):
    x, h = _inputs(np.float64, nonfinite=True)
    x0, h0 = x.copy(), h.copy()
    CALLS[call](x, h)
    assert np.array_equal(x, x0, equal_nan=True)
    assert np.array_equal(h, h0)


@pytest.mark.parametrize("call", CALLS)
def test_same_array_as_both_inputs(call):
    x, _ = _inputs(np.complex128)
    x0 = x.copy()
    CALLS[call](x, x)
    assert np.array_equal(x, x0)


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_read_only_inputs(call, dtype):
    x, h = _inputs(dtype, seed=1)
    want = CALLS[call](x.copy(), h.copy())
    x.flags.writeable = False
    h.flags.writeable = False
    got = CALLS[call](x, h)
    if call.startswith("choose_conv_method"):
        return  # a method name (and timings): nothing to compare
    _assert_same_result(got, want, x, h)


def _assert_same_result(got, want, x, h):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype
    assert got.shape == want.shape
    if got.dtype.kind in "biu":
        assert np.array_equal(got, want)
    else:
        # the same computation on the same numbers; FFT libraries may take other SIMD paths
        # for other alignments, hence the bound rather than bitwise equality
        with np.errstate(invalid="ignore"):
            err = np.abs(got.astype(np.complex128) - want.astype(np.complex128))
        assert np.array_equal(np.isnan(got), np.isnan(want))
        assert np.nanmax(err, initial=0.0) <= 2 * tolerance(x, h, dtype=got.dtype)


# --- memory layouts --------------------------------------------------------------------------
def _strided(a):
    """A non-contiguous view holding the values of `a`."""
    big = np.zeros((a.shape[0] * 2, a.shape[1] * 3), dtype=a.dtype)
    big[::2, 1::3] = a
    return big[::2, 1::3]


def _negative(a):
    """Negative strides along both axes holding the values of `a`."""
    return a[::-1, ::-1].copy()[::-1, ::-1]


def _fortran(a):
    return np.asfortranarray(a)


def _unaligned(a):
    """The values of `a` at an address that is not a multiple of the itemsize."""
    buf = np.zeros(a.nbytes + 1, dtype=np.uint8)
    out = buf[1:].view(a.dtype).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned or a.dtype.itemsize == 1
    return out


def _big_endian(a):
    return a.astype(a.dtype.newbyteorder(">"))


def _broadcast_rows(a):
    """A read-only stride-0 view (np.broadcast_to) with equal rows."""
    return np.broadcast_to(a[:1], a.shape)


LAYOUTS = {
    "strided": _strided,
    "negative": _negative,
    "fortran": _fortran,
    "unaligned": _unaligned,
    "big-endian": _big_endian,
    "broadcast": _broadcast_rows,
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    "dtype", (np.float64, np.int32, np.complex128, np.float32), ids=lambda d: np.dtype(d).name
)
def test_layouts_match_contiguous(call, layout, dtype):
    x, h = _inputs(dtype, seed=2)
    if layout == "broadcast":
        x = np.ascontiguousarray(_broadcast_rows(x))
        h = np.ascontiguousarray(_broadcast_rows(h))
    want = CALLS[call](x, h)
    xv, hv = LAYOUTS[layout](x), LAYOUTS[layout](h)
    assert np.array_equal(xv, x)
    assert np.array_equal(hv, h)
    x0, h0 = xv.copy(), hv.copy()
    got = CALLS[call](xv, hv)
    assert np.array_equal(xv, x0)
    assert np.array_equal(hv, h0)
    if call.startswith("choose_conv_method"):
        return
    _assert_same_result(got, want, x, h)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [">f8", ">i4", ">c16", ">f4", ">u2"])
def test_big_endian_agrees_with_reference(dtype, op, method, mode):
    x, h = random_pair((17,), (5,), np.dtype(dtype).newbyteorder("="), seed=11)
    xb, hb = x.astype(dtype), h.astype(dtype)
    got = getattr(fc, op)(xb, hb, mode, method)
    # the result dtype is np.result_type of the inputs: native byte order
    assert got.dtype == np.result_type(xb, hb)
    assert got.dtype.isnative
    assert_matches(got, reference(x, h, mode, kind=op), x, h)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", METHODS)
def test_negative_strides_1d_and_3d(op, method):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(40)
    h = rng.standard_normal(7)
    got = getattr(fc, op)(x[::-2], h[::-1], "full", method)
    assert_matches(got, reference(x[::-2], h[::-1], kind=op), x[::-2], h[::-1])
    v = rng.standard_normal((6, 7, 8))
    k = rng.standard_normal((3, 2, 4))
    vv, kv = v[::-1, :, ::-2], k[:, ::-1, ::-1]
    got = getattr(fc, op)(vv, kv, "same", method)
    assert_matches(got, reference(vv, kv, "same", kind=op), vv, kv)


# --- lists, tuples, scalars ------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_python_lists(method):
    got = fc.convolve([1, 2, 3], [0, 1, 0.5], method=method)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, [0, 1, 2.5, 4, 1.5], rtol=0, atol=1e-15)
    got = fc.convolve([1, 2, 3], (0, 1, 2), method=method)  # ints: exact
    assert got.dtype == np.result_type(np.asarray([1]), np.asarray([1]))
    assert got.tolist() == [0, 1, 4, 7, 6]
    got = fc.correlate([[1, 2], [3, 4]], [[1j]], method=method)
    assert got.dtype == np.complex128
    np.testing.assert_allclose(got, [[-1j, -2j], [-3j, -4j]], rtol=0, atol=1e-15)
    got = fc.correlate([True, False, True], [True, True], method=method)
    assert got.dtype == bool
    assert got.tolist() == [True, True, True, True]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("a", "b"),
    [(2, 3), (2.5, -4.0), (1 + 2j, 3 - 1j), (np.float32(1.5), np.float32(2)), (True, True)],
    ids=str,
)
def test_0d_inputs(a, b, op, method, mode):
    """docs/design.rst: convolve returns in1 * in2, correlate in1 * conj(in2) (as scipy)."""
    got = getattr(fc, op)(a, b, mode, method)
    x, h = np.asarray(a), np.asarray(b)
    want = x * (h if op == "convolve" else h.conj())
    assert np.ndim(got) == 0
    assert np.asarray(got).dtype == np.result_type(x, h)
    assert got == want
    got = getattr(fc, op)(x, h, mode, method)  # 0-d arrays
    assert np.ndim(got) == 0
    assert got == want


# --- empty inputs ------------------------------------------------------------------------------
EMPTY_CONVOLVED = [
    # (shape of in1, shape of in2, axes, the argument named)
    ((0,), (3,), None, "in1"),
    ((4,), (0,), None, "in2"),
    ((0,), (0,), None, "in1"),
    ((3, 0), (2, 2), None, "in1"),
    ((3, 4), (0, 2), None, "in2"),
    ((3, 4), (2, 0), 1, "in2"),
    ((0, 4), (2, 2), (0, 1), "in1"),
]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("s1", "s2", "axes", "name"), EMPTY_CONVOLVED, ids=str)
def test_empty_convolved_axis_is_value_error(s1, s2, axes, name, op, method, mode):
    x, h = np.ones(s1), np.ones(s2)
    with pytest.raises(ValueError, match=name):
        getattr(fc, op)(x, h, mode, method, axes=axes)


@pytest.mark.parametrize(
    "func",
    [
        lambda x, h: fc.fftconvolve(x, h),
        lambda x, h: fc.oaconvolve(x, h),
        lambda x, h: fc.convolve2d(x, h),
        lambda x, h: fc.correlate2d(x, h),
    ],
    ids=["fftconvolve", "oaconvolve", "convolve2d", "correlate2d"],
)
@pytest.mark.parametrize(("s1", "s2", "name"), [((0, 3), (2, 2), "in1"), ((3, 3), (2, 0), "in2")])
def test_empty_dropins_value_error(func, s1, s2, name):
    # docs/design.rst: empty along a convolved axis -> ValueError naming the argument (scipy
    # returns array([]) from its FFT functions: a documented difference)
    with pytest.raises(ValueError, match=name):
        func(np.ones(s1), np.ones(s2))


def test_empty_choose_conv_method_never_index_error():
    try:
        method = fc.choose_conv_method(np.ones((0, 3)), np.ones((2, 2)))
    except ValueError as exc:
        assert "in1" in str(exc)
    else:
        assert method in ("direct", "fft")


EMPTY_BATCH = [
    # (shape of in1, shape of in2, axes): a zero-length non-convolved axis
    ((0, 5), (1, 3), 1),
    ((1, 5), (0, 3), 1),
    ((0, 5), (0, 3), -1),
    ((4, 0, 6), (2, 1, 3), (0, 2)),
    ((4, 0, 6), (2, 0, 3), (0, 2)),
]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", (np.float64, np.int32, np.complex64), ids=str)
@pytest.mark.parametrize(("s1", "s2", "axes"), EMPTY_BATCH, ids=str)
def test_empty_batch_axis_gives_empty_result(s1, s2, axes, dtype, op, method, mode):
    x, h = np.ones(s1, dtype), np.ones(s2, dtype)
    got = getattr(fc, op)(x, h, mode, method, axes=axes)
    assert got.shape == out_shape(s1, s2, mode, axes)
    assert got.size == 0
    assert got.dtype == np.result_type(x, h)


def test_empty_batch_not_broadcastable_is_value_error():
    # 2 against 0 along a non-convolved axis does not broadcast (numpy's rule)
    with pytest.raises(ValueError, match="axes"):
        fc.convolve(np.ones((2, 5)), np.ones((0, 3)), axes=1)


# --- results never alias the inputs --------------------------------------------------------------
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", (np.float64, np.int64, np.complex128), ids=str)
def test_result_does_not_share_memory_with_inputs(op, method, mode, dtype):
    """A 1-sample kernel makes the answer equal to (a copy of) in1: it must still be a new
    array, or writing to the result would write to the input."""
    x = np.arange(12, dtype=dtype).reshape(3, 4)
    h = np.ones((1, 1), dtype=dtype)
    got = getattr(fc, op)(x, h, mode, method)
    assert not np.shares_memory(got, x)
    assert not np.shares_memory(got, h)
    got[...] = 0
    assert np.array_equal(x, np.arange(12, dtype=dtype).reshape(3, 4))
