"""The oracle itself: tiny cases computed by hand, then a cross-check against numpy/scipy."""

import math

import numpy as np
import pytest
import scipy.signal

from .reference import (
    TOL_C,
    compute_eps,
    expected,
    out_shape,
    reference,
    tolerance,
)


def _f(a):
    return np.asarray(a, dtype=float)


# --- 1-D, computed by hand -------------------------------------------------------------------
# x = [1, 2, 3], h = [0, 1, 0.5]
#   y[n] = sum_m x[m] h[n-m]:  y0 = 0, y1 = 1, y2 = 0.5 + 2 = 2.5, y3 = 1 + 3 = 4, y4 = 1.5
#   c[k] = sum_n x[n+k] h[n], k = -2..2:
#     c[-2] = x0 h2 = 0.5, c[-1] = x0 h1 + x1 h2 = 2, c[0] = 0 + 2 + 1.5 = 3.5,
#     c[1] = x1 h0 + x2 h1 = 3, c[2] = x2 h0 = 0
@pytest.mark.parametrize(
    ("kind", "mode", "want"),
    [
        ("convolve", "full", [0, 1, 2.5, 4, 1.5]),
        ("convolve", "same", [1, 2.5, 4]),
        ("convolve", "valid", [2.5]),
        ("correlate", "full", [0.5, 2, 3.5, 3, 0]),
        ("correlate", "same", [2, 3.5, 3]),
        ("correlate", "valid", [3.5]),
    ],
)
def test_hand_1d(kind, mode, want):
    got = reference([1.0, 2, 3], [0.0, 1, 0.5], mode, kind=kind)
    assert got.dtype == np.longdouble
    assert np.array_equal(_f(got), _f(want))


@pytest.mark.parametrize(
    ("kind", "mode", "want"),
    [
        # full conv [1, 4, 7, 6]; valid window start min(2,3)-1 = 1, length 2
        ("convolve", "valid", [4, 7]),
        # full corr, lags -2..1: [3, 8, 5, 2]; valid keeps lags -1, 0 (negative-lag side)
        ("correlate", "full", [3, 8, 5, 2]),
        ("correlate", "valid", [8, 5]),
        # same: start (3-1)//2 = 1, length 2
        ("correlate", "same", [8, 5]),
        ("convolve", "same", [4, 7]),
    ],
)
def test_hand_in2_larger(kind, mode, want):
    got = reference([1, 2], [1, 2, 3], mode, kind=kind)
    assert got.dtype == object
    assert got.tolist() == want


def test_hand_even_kernel_same():
    # full [1, 3, 5, 7, 4]; same: start (2-1)//2 = 0
    assert reference([1, 2, 3, 4], [1, 1], "same").tolist() == [1, 3, 5, 7]
    # correlation full lags -1..3: [1, 3, 5, 7, 4]; same keeps lags -1..2
    assert reference([1, 2, 3, 4], [1, 1], "same", kind="correlate").tolist() == [1, 3, 5, 7]


def test_hand_correlation_lags():
    # correlating x with a shifted copy of itself peaks at the shift: x[n + k] = h[n] for k=2
    h = [1, 5, 2]
    x = [0, 0, 1, 5, 2, 0]
    c = reference(x, h, kind="correlate").tolist()
    lags = list(range(-(len(h) - 1), len(x)))
    assert lags[c.index(max(c))] == 2
    assert max(c) == 1 + 25 + 4


def test_hand_complex():
    # correlate conjugates the second input: 1j * conj(2j) = 2; convolve does not: -2
    assert reference([1j], [2j], kind="correlate")[0] == 2
    assert reference([1j], [2j], kind="convolve")[0] == -2
    # c[0] = x0 conj(h0) + x1 conj(h1) = (1)(1) + (1j)(-1j) = 2
    assert reference([1, 1j], [1, 1j], "valid", kind="correlate").tolist() == [2]


def test_hand_0d():
    assert reference(np.array(2.0), np.array(3.0))[()] == 6
    assert reference(np.array(1j), np.array(2j), kind="correlate")[()] == 2


@pytest.mark.parametrize("kind", ["convolve", "correlate"])
def test_hand_2d_impulse(kind):
    x = np.zeros((3, 4), dtype=np.int64)
    x[1, 2] = 1
    h = np.array([[1, 2, 3], [4, 5, 6]])
    got = reference(x, h, kind=kind)
    want = np.zeros((4, 6), dtype=np.int64)
    want[1:3, 2:5] = h if kind == "convolve" else h[::-1, ::-1]
    assert got.shape == (4, 6)
    assert np.array_equal(got.astype(np.int64), want)


def test_hand_2d_small():
    # [[1, 2], [3, 4]] * [[1, 1]]: each row convolved with [1, 1]
    got = reference([[1, 2], [3, 4]], [[1, 1]])
    assert got.tolist() == [[1, 3, 2], [3, 7, 4]]
    got = reference([[1, 2], [3, 4]], [[1], [1]])
    assert got.tolist() == [[1, 2], [4, 6], [3, 4]]


def test_hand_axes_broadcast():
    x = [[1, 2, 3], [4, 5, 6]]
    h = [[1, 1]]  # batch size 1 broadcasts against 2
    assert reference(x, h, axes=1).tolist() == [[1, 3, 5, 3], [4, 9, 11, 6]]
    assert reference(x, h, axes=[-1]).tolist() == [[1, 3, 5, 3], [4, 9, 11, 6]]
    # along axis 0: h is [[1, 1]] of length 1 there, batch along axis 1 (3 vs 2) does not
    # broadcast
    with pytest.raises(ValueError):
        reference(x, h, axes=0)
    assert reference(x, [[2], [1]], axes=0).tolist() == [[2, 4, 6], [9, 12, 15], [4, 5, 6]]


def test_hand_exact_integers():
    big = 2**62
    assert reference([big, big - 1], [1, -1]).tolist() == [big, -1, -(big - 1)]
    u = 2**64 - 1
    assert reference(np.array([u], np.uint64), np.array([1], np.uint64)).tolist() == [u]
    with pytest.raises(OverflowError):
        expected(np.array([100, 100], np.int8), np.array([2, 2], np.int8))
    assert expected(np.array([100], np.int8), np.array([1], np.int8)).dtype == np.int8


def test_hand_bool():
    x = np.array([True, False, True])
    h = np.array([True, True])
    assert reference(x, h).tolist() == [1, 1, 1, 1]
    got = expected(x, h)
    assert got.dtype == bool
    assert got.tolist() == [True, True, True, True]
    assert expected(np.array([False, True]), np.array([True, False])).tolist() == [
        False,
        True,
        False,
    ]


def test_hand_nonfinite_local():
    nan, inf = math.nan, math.inf
    got = _f(reference([1, nan, 1, 1, 1], [1.0, 1]))
    assert np.array_equal(got, [1, nan, nan, 2, 2, 1], equal_nan=True)
    # +inf and -inf in one window give NaN; inf times an in-support 0 gives NaN
    got = _f(reference([inf, -inf, 0, 0], [1.0, 1]))
    assert np.array_equal(got, [inf, nan, -inf, 0, 0], equal_nan=True)
    got = _f(reference([inf, 1, 1], [1.0, 0]))
    assert np.array_equal(got, [inf, nan, 1, 0], equal_nan=True)


def test_hand_valid_neither_larger():
    with pytest.raises(ValueError, match="valid"):
        reference(np.ones((2, 3)), np.ones((3, 2)), "valid")


def test_out_shape():
    assert out_shape((5, 7, 3), (2, 1, 3), "full", axes=(0, 2)) == (6, 7, 5)
    assert out_shape((5, 7, 3), (2, 1, 3), "same", axes=(0, 2)) == (5, 7, 3)
    assert out_shape((5, 7, 3), (2, 1, 3), "valid", axes=(0, 2)) == (4, 7, 1)
    assert out_shape((2,), (5,), "valid") == (4,)


def test_tolerance_helper():
    eps64 = np.finfo(np.float64).eps
    eps32 = float(np.finfo(np.float32).eps)
    assert compute_eps(np.float64) == eps64
    assert compute_eps(np.complex128) == eps64
    assert compute_eps(np.int64) == eps64
    assert compute_eps(np.float32) == eps32
    assert compute_eps(np.complex64) == eps32
    assert compute_eps(np.float16) == eps32
    # full size 3 + 2 - 1 = 4, ||x|| = 5, ||h|| = 1
    tol = tolerance(np.array([3.0, 0, 4]), np.array([1.0, 0]))
    assert tol == pytest.approx(TOL_C * eps64 * 2 * 5)
    tol = tolerance(np.array([3.0, 0, 4], np.float32), np.array([1.0, 0], np.float32))
    assert tol == pytest.approx(TOL_C * eps32 * 2 * 5)


# --- cross-check against scipy.signal's direct method (an independent implementation) ------
@pytest.mark.parametrize("kind", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize(
    ("s1", "s2"),
    [((7,), (3,)), ((3,), (6,)), ((4, 5), (2, 3)), ((2, 2), (3, 4)), ((3, 4, 2), (2, 2, 2))],
)
def test_reference_agrees_with_scipy_direct(kind, mode, s1, s2):
    rng = np.random.default_rng(12345)
    x = rng.integers(-50, 50, s1) + 1j * rng.integers(-50, 50, s1)
    h = rng.integers(-50, 50, s2) + 1j * rng.integers(-50, 50, s2)
    want = getattr(scipy.signal, kind)(x, h, mode, method="direct")
    got = reference(x, h, mode, kind=kind)
    # small Gaussian integers: both sides are exact
    assert np.array_equal(got.astype(np.complex128), want)


@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
@pytest.mark.parametrize("mode", ["full", "same"])
@pytest.mark.parametrize(("s1", "s2"), [((3, 4), (2, 2)), ((3, 4), (3, 3)), ((2, 3), (4, 5))])
def test_reference_boundary_agrees_with_scipy(boundary, mode, s1, s2):
    rng = np.random.default_rng(7)
    x = rng.integers(-9, 9, s1)
    h = rng.integers(-9, 9, s2)
    got = reference(x, h, mode, boundary=boundary, fillvalue=3)
    want = scipy.signal.convolve2d(x, h, mode, boundary, fillvalue=3)
    assert np.array_equal(got.astype(np.int64), want)
