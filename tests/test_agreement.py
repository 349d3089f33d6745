"""Every method x backend x mode x operation x dtype x ndim x axes agrees with the naive
reference: exactly for integers and booleans, within SPEC §4's norm-wise bound for floats."""

import functools

import numpy as np
import pytest

import fftconv as fc

from ._data import (
    BACKENDS,
    DTYPES,
    INT_DTYPES,
    METHODS,
    MODES,
    OPS,
    int_bound,
    max_terms,
    random_pair,
    seed_of,
)
from .reference import assert_matches, reference

# name: (shape of in1, shape of in2, axes).  Small, so the reference stays cheap; between them
# they cover 1-3 dimensions, int and sequence axes, in2 larger (valid swaps), broadcast batch
# axes, convolved axes where both inputs have length 1, and blocked overlap-add.
CASES = {
    "1d": ((9,), (4,), None),
    "1d-in2-larger": ((4,), (7,), -1),
    "2d": ((6, 5), (3, 2), None),
    "2d-in2-larger": ((2, 3), (4, 5), None),
    "2d-len1-axis": ((1, 7), (1, 3), None),
    "3d": ((4, 3, 5), (2, 3, 2), None),
    "2d-batch": ((3, 8), (1, 3), (1,)),
    "3d-batch": ((5, 2, 6), (3, 1, 2), (0, 2)),
    # long enough that 'oa' cuts in1 into several blocks along every axis
    "1d-blocks": ((30,), (4,), None),
    "2d-blocks": ((14, 13), (3, 2), None),
    "3d-blocks": ((10, 9, 8), (2, 2, 3), None),
}

# Larger shapes for the slow sweep: long-signal/short-kernel (where overlap-add blocks),
# kernel longer than the signal, even and odd kernels, batches.
SLOW_CASES = {
    "1d-long": ((300,), (9,), None),
    "1d-long-kernel": ((23,), (150,), None),
    "2d-image": ((40, 33), (3, 4), None),
    "2d-big-kernel": ((12, 10), (13, 11), None),
    "3d-vol": ((11, 9, 8), (3, 2, 3), None),
    "3d-batch-long": ((2, 120, 3), (1, 7, 3), (1,)),
}


def _dtype_id(dt):
    return np.dtype(dt).name


@functools.cache
def _case(cases_name, case, dtype_name, mode, op):
    """Inputs and naive reference for one case, computed once and shared by every
    method/backend (the reference does not depend on them)."""
    s1, s2, axes = (CASES if cases_name == "fast" else SLOW_CASES)[case]
    x, h = random_pair(s1, s2, dtype_name, axes=axes, seed=seed_of(case, dtype_name))
    ref = reference(x, h, mode, kind=op, axes=axes)
    return x, h, axes, ref


def _check(cases_name, case, dtype, mode, op, method, backend):
    x, h, axes, ref = _case(cases_name, case, np.dtype(dtype).name, mode, op)
    x, h = x.copy(), h.copy()
    got = getattr(fc, op)(x, h, mode, method, axes=axes, backend=backend)
    assert np.asarray(got).dtype == np.result_type(x, h)
    assert_matches(got, ref, x, h, axes=axes)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("method", METHODS)
def test_agrees_with_reference(method, backend, mode, op, dtype, case):
    _check("fast", case, dtype, mode, op, method, backend)


@pytest.mark.slow
@pytest.mark.parametrize("case", SLOW_CASES)
@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("method", METHODS)
def test_agrees_with_reference_larger(method, backend, mode, op, dtype, case):
    _check("slow", case, dtype, mode, op, method, backend)


# --- mixed dtypes: the result dtype is np.result_type(in1, in2) ------------------------------
MIXED = [
    (np.bool_, np.int8),
    (np.int8, np.uint8),  # -> int16
    (np.uint16, np.int32),
    (np.uint64, np.int64),  # -> float64
    (np.int16, np.float32),  # -> float32
    (np.int32, np.float32),  # -> float64
    (np.float32, np.float64),
    (np.float32, np.complex64),
    (np.float64, np.complex64),  # -> complex128
    (np.int64, np.complex128),
    (np.bool_, np.float32),
    (np.float16, np.float32),
]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("dt1", "dt2"), MIXED, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("swap", [False, True], ids=["in1-in2", "in2-in1"])
def test_mixed_dtypes(dt1, dt2, swap, method, op):
    if swap:
        dt1, dt2 = dt2, dt1
    x, h = random_pair((11, 3), (4, 2), dt1, dt2, seed=seed_of("mixed", dt1, dt2))
    got = getattr(fc, op)(x, h, "full", method)
    assert_matches(got, reference(x, h, kind=op), x, h)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", METHODS)
def test_float16_computed_in_float32_returned_as_float16(method, mode, op):
    x, h = random_pair((30,), (5,), np.float16, seed=3)
    got = getattr(fc, op)(x, h, mode, method)
    # assert_matches allows the one rounding to float16 on top of the float32 bound
    assert_matches(got, reference(x, h, mode, kind=op), x, h)


# --- integers: extremes, overflow, values beyond float64's 53 bits ---------------------------
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    ("dtype", "sign"),
    [(dt, 1) for dt in INT_DTYPES] + [(dt, -1) for dt in INT_DTYPES if np.dtype(dt).kind == "i"],
    ids=lambda v: _dtype_id(v) if isinstance(v, type) else ("pos" if v > 0 else "neg"),
)
def test_integer_extremes_exact(dtype, sign, method, op):
    """All-equal inputs at the largest allowed magnitude: the central outputs reach
    ``terms * b**2``, right at the edge of the result dtype."""
    s1, s2 = (9, 4), (4, 3)
    b = int_bound(dtype, max_terms(s1, s2))
    x = np.full(s1, sign * b, dtype=dtype)
    h = np.full(s2, b, dtype=dtype)
    got = getattr(fc, op)(x, h, "full", method)
    ref = reference(x, h, kind=op)
    assert max(abs(v) for v in ref.ravel().tolist()) == 12 * b * b
    assert_matches(got, ref, x, h)


OVERFLOW = [
    # dtype, in1, in2, what a wider dtype looks like in the message
    (np.int8, [100, 100, 100], [2, 2], r"int16|int32|int64"),
    (np.int8, [-100, -100, -100], [2, 2], r"int16|int32|int64"),
    (np.uint8, [200, 200, 200], [2, 2], r"u?int(16|32|64)"),
    (np.int16, [30000, 30000, 30000], [2, 2], r"int32|int64"),
    (np.uint16, [60000, 60000, 60000], [2, 2], r"u?int(32|64)"),
    (np.int32, [2**30, 2**30, 2**30], [2, 2], r"int64"),
    (np.uint32, [2**31, 2**31, 2**31], [2, 2], r"u?int64"),
]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("dtype", "a", "b", "wider"), OVERFLOW, ids=lambda v: str(v))
def test_integer_overflow_raises(dtype, a, b, wider, method, mode, op):
    """scipy wraps silently here; the contract (docs/design.rst) is an OverflowError naming the
    dtype to cast the inputs to."""
    x = np.array(a, dtype=dtype)
    h = np.array(b, dtype=dtype)
    with pytest.raises(OverflowError, match=wider):
        getattr(fc, op)(x, h, mode, method)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.int64, np.uint64], ids=_dtype_id)
def test_integer_overflow_64bit_raises(dtype, method, op):
    x = np.array([2**62, 2**62], dtype=dtype)
    h = np.array([4, 4], dtype=dtype)
    with pytest.raises(OverflowError):
        getattr(fc, op)(x, h, "full", method)


def _big_ints(dtype, n, m, xbits, hbits, seed):
    """Signed: uniform in [-2**bits, 2**bits]. Unsigned: uniform in [2**(bits-1), 2**bits], so
    that typical sums land in the top bit of the dtype."""
    rng = np.random.default_rng(seed)

    def draw(size, bits):
        lo = 2 ** (bits - 1) if np.dtype(dtype).kind == "u" else -(2**bits)
        return rng.integers(lo, 2**bits, size=size, dtype=dtype, endpoint=True)

    return draw(n, xbits), draw(m, hbits)


def _float64_fft_result(x, h, op):
    """What a plain float64 FFT would give (rounded to the nearest integer)."""
    xf = x.astype(np.float64)
    hf = h.astype(np.float64)
    if op == "correlate":
        hf = hf[::-1]
    n = len(xf) + len(hf) - 1
    return np.rint(np.fft.irfft(np.fft.rfft(xf, n) * np.fft.rfft(hf, n), n))


# int64: |x| <= 2**40, |h| <= 2**10, 300 x 60 -> |y| < 2**56 (beyond 53 bits, fits int64).
# uint64: x in [2**47, 2**48], h in [2**9, 2**10], 300 x 60 -> y < 60 * 2**58 < 2**64, and
# the central outputs exceed 2**63 (they do not even fit int64).
BIG = {
    "int64": (np.int64, 300, 60, 40, 10),
    "uint64": (np.uint64, 300, 60, 48, 10),
}


@functools.cache
def _big_case(name, op, mode):
    dtype, n, m, xbits, hbits = BIG[name]
    x, h = _big_ints(dtype, n, m, xbits, hbits, seed=seed_of("big", name))
    return x, h, reference(x, h, mode, kind=op)


@pytest.mark.parametrize("name", BIG)
@pytest.mark.parametrize("op", OPS)
def test_big_integers_defeat_float64(name, op):
    """The big-integer cases below are meaningful: a float64 FFT gets them wrong."""
    x, h, ref = _big_case(name, op, "full")
    exact = np.array([int(v) for v in ref.tolist()], dtype=object)
    approx = _float64_fft_result(x, h, op)
    if name == "uint64":
        assert max(exact.tolist()) > 2**63
    assert any(int(a) != e for a, e in zip(approx.tolist(), exact.tolist(), strict=True))


@pytest.mark.parametrize("name", BIG)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("method", METHODS)
def test_big_integers_exact(name, method, backend, mode, op):
    x, h, ref = _big_case(name, op, mode)
    got = getattr(fc, op)(x, h, mode, method, backend=backend)
    assert_matches(got, ref, x, h)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("method", METHODS)
def test_big_integers_exact_2d(method, op):
    rng = np.random.default_rng(99)
    x = rng.integers(-(2**40), 2**40, size=(24, 20), dtype=np.int64)
    h = rng.integers(-(2**9), 2**9, size=(5, 6), dtype=np.int64)
    got = getattr(fc, op)(x, h, "full", method)
    assert_matches(got, reference(x, h, kind=op), x, h)
