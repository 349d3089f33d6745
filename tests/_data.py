"""Seeded input generators shared by the test modules."""

import math
import zlib

import numpy as np

from .reference import normalise_axes

METHODS = ("direct", "fft", "oa", "auto")
BACKENDS = ("pyfftw", "scipy", "numpy")
MODES = ("full", "same", "valid")
OPS = ("convolve", "correlate")
INT_DTYPES = (
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
)
FLOAT_DTYPES = (np.float32, np.float64, np.complex64, np.complex128)
DTYPES = (np.bool_, *INT_DTYPES, *FLOAT_DTYPES)


def seed_of(*key):
    """A stable seed from a test's parameters (independent of PYTHONHASHSEED)."""
    return zlib.crc32(repr(key).encode())


def max_terms(shape1, shape2, axes=None):
    """Largest number of products in one output sum: prod over convolved axes of min(N, M)."""
    ax = normalise_axes(axes, len(shape1))
    return math.prod(min(shape1[a], shape2[a]) for a in ax)


def int_bound(dtype, terms):
    """Largest b such that ``terms`` products of values in [-b, b] (unsigned: [0, b]) always
    fit ``dtype``: this uses the dtype's range as far as the result allows."""
    info = np.iinfo(dtype)
    return max(1, math.isqrt(int(info.max) // terms))


def random_array(rng, shape, dtype, bound=None):
    """Random values of ``dtype``: normal floats, complex with both parts normal, integers
    uniform in [-bound, bound] ([0, bound] unsigned), booleans half True."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        lo = 0 if dtype.kind == "u" else -bound
        return rng.integers(lo, bound, size=shape, dtype=dtype, endpoint=True)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def random_pair(shape1, shape2, dtype1, dtype2=None, *, axes=None, seed=0):
    """Two random inputs whose exact integer result fits the result dtype."""
    if dtype2 is None:
        dtype2 = dtype1
    rng = np.random.default_rng(seed)
    rdt = np.result_type(np.dtype(dtype1), np.dtype(dtype2))
    # an integer input of a float result may use its whole range
    bound = int_bound(rdt, max_terms(shape1, shape2, axes)) if rdt.kind in "iu" else None

    def own_bound(dtype):
        if np.dtype(dtype).kind not in "iu":
            return None
        top = int(np.iinfo(dtype).max)
        return top if bound is None else min(bound, top)

    return (
        random_array(rng, shape1, dtype1, own_bound(dtype1)),
        random_array(rng, shape2, dtype2, own_bound(dtype2)),
    )
