"""No integer result wraps silently, in any method or entry point: at the limits of every
integer dtype a result that fits is exact, and one that does not raises OverflowError
naming the result dtype and a dtype that holds it (float64 when none does)."""

import numpy as np
import pytest

import fftconv as fc

from ._data import INT_DTYPES, METHODS, OPS
from .reference import assert_matches, expected, reference

WIDER = {
    np.int8: "int16",
    np.int16: "int32",
    np.int32: "int64",
    np.int64: "float64",
    np.uint8: "uint16",
    np.uint16: "uint32",
    np.uint32: "uint64",
    np.uint64: "float64",
}


def _name(dtype):
    return np.dtype(dtype).name


def _overflow_cases(dtype):
    """(x, h) pairs whose exact result leaves the dtype's range by a little."""
    info = np.iinfo(dtype)
    top = np.array([info.max, info.max, 3], dtype=dtype)
    cases = [(top, np.array([1, 1], dtype=dtype))]  # max + max
    if info.min < 0:
        cases.append((np.array([info.min, 2], dtype=dtype), np.array([-1], dtype=dtype)))  # -min
        cases.append((np.array([info.min, info.min], dtype=dtype), np.array([1, 1], dtype)))
    else:
        cases.append((np.array([info.max, 1], dtype=dtype), np.array([2], dtype=dtype)))
    return cases


def _fitting_cases(dtype):
    """(x, h) pairs whose exact result reaches the dtype's limits without leaving them."""
    info = np.iinfo(dtype)
    cases = [
        (np.array([info.max, 0, 0, 0], dtype=dtype), np.array([1], dtype=dtype)),
        (np.array([info.max, 0, 1, 5], dtype=dtype), np.array([1, 0, 0], dtype=dtype)),
    ]
    if info.min < 0:
        # int64 min cannot slip past a bound computed with abs()
        cases.append((np.array([info.min, 3, info.max], dtype=dtype), np.array([1], dtype)))
        # cancellation: max + min = -1 fits although each product is at the limit
        cases.append((np.array([info.max, info.min, 0], dtype=dtype), np.array([1, 1], dtype)))
    return cases


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=_name)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op", OPS)
def test_overflow_raises_naming_the_dtypes(dtype, method, op):
    for x, h in _overflow_cases(dtype):
        x0, h0 = x.copy(), h.copy()
        with pytest.raises(OverflowError, match=rf"result dtype {_name(dtype)}.*{WIDER[dtype]}"):
            getattr(fc, op)(x, h, "full", method)
        assert np.array_equal(x, x0)
        assert np.array_equal(h, h0)


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=_name)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_results_at_the_limits_are_exact(dtype, method, op, mode):
    for x, h in _fitting_cases(dtype):
        got = getattr(fc, op)(x, h, mode, method)
        want = expected(x, h, mode, kind=op)
        assert got.dtype == np.dtype(dtype)
        assert np.array_equal(got, want), (x, h, got, want)


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=_name)
@pytest.mark.parametrize("method", METHODS)
def test_the_cast_the_message_advises_works(dtype, method):
    x, h = _overflow_cases(dtype)[0]
    wider = WIDER[dtype]
    got = fc.convolve(x.astype(wider), h.astype(wider), "full", method)
    want = expected(x.astype(object), h.astype(object))  # exact Python integers
    if wider == "float64":  # no integer dtype: a float result within SPEC §4's bound
        xf, hf = x.astype(np.float64), h.astype(np.float64)
        assert_matches(got, reference(xf, hf), xf, hf)
    else:
        assert np.array_equal(got, want.astype(wider))


@pytest.mark.parametrize("method", METHODS)
def test_outside_the_window_does_not_raise(method):
    """Only the returned outputs count: an overflow in 'full' that 'valid' drops is fine."""
    x = np.array([127, 127, -127, 1, 1, 1], dtype=np.int8)
    h = np.ones(2, dtype=np.int8)
    with pytest.raises(OverflowError):
        fc.convolve(x, h, "full", method)
    assert fc.convolve(x[2:], h, "valid", method).tolist() == [-126, 2, 2]


@pytest.mark.parametrize("method", METHODS)
def test_bool_never_overflows(method):
    x = np.ones(300, dtype=bool)
    got = fc.convolve(x, np.ones(200, dtype=bool), "full", method)
    assert got.dtype == bool
    assert got.all()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.int64, np.uint64], ids=_name)
def test_large_magnitudes_beyond_float64_are_exact(method, dtype):
    """Values where a float64 FFT cannot be exact: the exact sum, not a rounded one."""
    big = 2**62 if dtype == np.int64 else 2**63
    x = np.array([big, 1, 3, big // 2], dtype=dtype)
    h = np.array([1, 0, 0], dtype=dtype)
    got = fc.correlate(x, h, "full", method)
    assert np.array_equal(got, expected(x, h, kind="correlate"))


@pytest.mark.parametrize("dtype", INT_DTYPES, ids=_name)
def test_convolver_stream_file_and_sepconvolve(dtype, tmp_path):
    wider = WIDER[dtype]
    for x, h in _overflow_cases(dtype):
        match = rf"{_name(dtype)}.*{wider}"
        with pytest.raises(OverflowError, match=match):
            fc.Convolver(h, x.shape)(x)
        stream = fc.StreamConvolver(h)
        with pytest.raises(OverflowError, match=match):
            stream.process(x)
            stream.flush()
        if h.ndim == 1 and x.ndim == 1:
            with pytest.raises(OverflowError, match=match):
                fc.sepconvolve(x, [h])
        np.save(tmp_path / "in.npy", x)
        with pytest.raises(OverflowError):
            fc.convolve_file(tmp_path / "in.npy", h, tmp_path / "out.npy", progress=False)
        assert not (tmp_path / "out.npy").exists()


@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
def test_2d_dropins(op):
    x = np.full((3, 3), 30_000, dtype=np.int16)
    with pytest.raises(OverflowError, match="int16.*int32"):
        getattr(fc, op)(x, np.ones((2, 2), dtype=np.int16))


def test_dask_raises_at_compute():
    da = pytest.importorskip("dask.array")
    x = np.full(50, np.iinfo(np.int64).max, dtype=np.int64)
    lazy = fc.correlate(da.from_array(x, chunks=7), np.ones(2, dtype=np.int64))
    with pytest.raises(OverflowError, match="int64.*float64"):
        lazy.compute(scheduler="synchronous")


@pytest.mark.parametrize("op", OPS)
def test_0d_integer_product_does_not_wrap(op):
    with pytest.raises(OverflowError, match="int8"):
        getattr(fc, op)(np.int8(127), np.int8(7))
