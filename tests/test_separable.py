"""Separable kernels (issue 5): `fc.sepconvolve` with explicit 1-D kernels, the detection of
outer-product kernels (`separable_factors`) and the ``method='auto'`` path (`try_separable`).

`sepconvolve` equals the naive reference with the outer-product kernel for every mode, kind,
method, ndim and dtype (exact for integers and booleans, SPEC §4's norm-wise bound for floats)
and `fc.convolve`/`fc.correlate` with that kernel; non-finite values give the direct sum's
pattern; errors name the argument; inputs are never written to.
"""

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fftconv as fc
from fftconv import _separable
from fftconv._backends import resolve_backend
from fftconv._separable import (
    SEPARABLE_TOL_C,
    may_split,
    separable_factors,
    separable_is_cheaper,
    try_separable,
)
from fftconv._spec import make_spec

from ._data import MODES, OPS, random_array, seed_of
from .reference import assert_matches, reference, tolerance

METHODS = ("auto", "direct", "fft", "oa")
FLOATS = (np.float32, np.float64, np.complex64, np.complex128)
INTS = (np.int8, np.int64, np.uint8, np.bool_)

# name: (shape of in1, kernel lengths, axes as given to sepconvolve). Small: the reference
# loops over every output and tap.
CASES = {
    "2d": ((9, 8), (3, 4), None),
    "2d-even-odd": ((7, 10), (2, 5), None),
    "2d-axes-reversed": ((9, 8), (3, 4), (1, 0)),
    "2d-kernels-longer": ((3, 4), (5, 6), None),  # 'valid' swaps (scipy's rule)
    "2d-one-kernel": ((6, 9), (4,), None),  # the last axis only
    "3d": ((5, 6, 7), (2, 3, 4), None),
    "3d-two-axes-batch": ((5, 4, 6), (3, 2), (0, 2)),  # axis 1 is a batch
    "3d-negative-axes": ((4, 5, 6), (3, 2), (-1, -3)),
    "blocks": ((40, 37), (5, 3), None),  # several BLAS blocks and a partial one
}


def _axes(shape, count, axes):
    if axes is None:
        return tuple(range(len(shape) - count, len(shape)))
    axes = (axes,) if isinstance(axes, int) else axes
    return tuple(a % len(shape) for a in axes)


def outer_kernel(kernels, ndim, axes, dtype=None):
    """The N-D kernel ``kernels[0] ⊗ kernels[1] ...`` with ``kernels[i]`` along ``axes[i]``
    and size 1 elsewhere, computed exactly (integers in int64) in `dtype` (default: float64
    or complex128 for floats)."""
    kdtype = np.result_type(*kernels)
    if dtype is None:
        dtype = np.int64 if kdtype.kind in "biu" else np.result_type(kdtype, np.float64)
    out = np.ones((1,) * ndim, dtype=dtype)
    for k, a in zip(kernels, axes, strict=True):
        shape = [1] * ndim
        shape[a] = len(k)
        out = out * np.asarray(k).astype(dtype).reshape(shape)
    return out


def _random_kernels(rng, lengths, dtype):
    if np.dtype(dtype).kind in "biu":
        # small enough that every case's exact result fits int8 (at most 24 taps)
        bound = 1 if np.dtype(dtype).itemsize == 1 else 3
        return [random_array(rng, (m,), dtype, bound) for m in lengths]
    return [random_array(rng, (m,), dtype) for m in lengths]


@functools.cache
def _case(case, dtype_name, mode, kind):
    shape, lengths, axes = CASES[case]
    rng = np.random.default_rng(seed_of("separable", case, dtype_name))
    dtype = np.dtype(dtype_name)
    x = random_array(rng, shape, dtype, 2 if dtype.itemsize == 1 else 5)
    kernels = _random_kernels(rng, lengths, dtype)
    conv_axes = _axes(shape, len(lengths), axes)
    big = outer_kernel(kernels, len(shape), conv_axes)
    ref = reference(x, big, mode, kind=kind, axes=conv_axes)
    return x, kernels, axes, conv_axes, big, ref


def _check(got, ref, x, kernels, big, conv_axes):
    """`got` matches the reference with the result dtype of `x` and the 1-D kernels."""
    dtype = np.result_type(x, *kernels)
    assert_matches(got, ref, x, big, axes=conv_axes, dtype=dtype)


# --- sepconvolve against the naive reference and fc.convolve ---------------------------------
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", FLOATS + INTS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", OPS)
def test_matches_reference(kind, mode, dtype, case):
    x, kernels, axes, conv_axes, big, ref = _case(case, np.dtype(dtype).name, mode, kind)
    x0, k0 = x.copy(), [k.copy() for k in kernels]
    got = fc.sepconvolve(x, kernels, mode, kind=kind, axes=axes)
    _check(got, ref, x, kernels, big, conv_axes)
    assert got.flags.c_contiguous
    assert np.array_equal(x, x0) and all(
        np.array_equal(k, c) for k, c in zip(kernels, k0, strict=True)
    )


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("method", METHODS)
def test_every_method(method, kind, mode, dtype, case):
    x, kernels, axes, conv_axes, big, ref = _case(case, np.dtype(dtype).name, mode, kind)
    got = fc.sepconvolve(x, kernels, mode, kind=kind, axes=axes, method=method)
    _check(got, ref, x, kernels, big, conv_axes)
    # and fc.convolve/correlate with the outer-product kernel in the kernels' dtype
    kernel = outer_kernel(kernels, x.ndim, conv_axes, np.result_type(*kernels))
    oneshot = getattr(fc, kind)(x, kernel, mode, method, axes=conv_axes)
    assert oneshot.dtype == got.dtype and oneshot.shape == got.shape
    bound = 2 * tolerance(x, big, conv_axes, got.dtype)
    assert np.max(np.abs(oneshot - got), initial=0.0) <= bound


@pytest.mark.parametrize("backend", ["pyfftw", "scipy", "numpy"])
@pytest.mark.parametrize("method", ["fft", "oa"])
def test_fft_passes_on_every_backend(method, backend):
    x, kernels, axes, conv_axes, big, ref = _case("3d", "float64", "same", "correlate")
    got = fc.sepconvolve(
        x, kernels, "same", kind="correlate", axes=axes, method=method, backend=backend
    )
    _check(got, ref, x, kernels, big, conv_axes)


def test_integer_passes_may_exceed_the_result_dtype():
    """Only the final result must fit: with u = [1, 1] and v = [1, -1] the first pass of a
    constant 127 image reaches 254 (not an int8), the 'valid' result is 0."""
    x = np.full((4, 4), 127, dtype=np.int8)
    u = np.array([1, 1], dtype=np.int8)
    v = np.array([1, -1], dtype=np.int8)
    got = fc.sepconvolve(x, [u, v], "valid")
    assert got.dtype == np.int8
    assert np.array_equal(got, np.zeros((3, 3), dtype=np.int8))
    with pytest.raises(OverflowError, match="int16"):
        fc.sepconvolve(x, [u, u], "valid")  # 4 * 127 does not fit int8


@pytest.mark.parametrize(
    ("scale", "accumulator"),
    [(2**20, "float64"), (2**40, "int64"), (2**62, "Python integers")],
)
def test_integer_magnitudes_stay_exact(scale, accumulator):
    """Bounds of 2**53 and 2**63 on every partial sum pick float64 (BLAS), int64 or Python
    integers; each is exact (the last one's result needs uint64 or overflows int64)."""
    rng = np.random.default_rng(seed_of("magnitudes", scale))
    x = rng.integers(0, 4, size=(6, 7), dtype=np.uint64) * np.uint64(scale // 8)
    kernels = [np.array([1, 2, 1], dtype=np.uint64), np.array([1, 1], dtype=np.uint64)]
    big = outer_kernel(kernels, 2, (0, 1), object)
    ref = reference(x, big.astype(object), "same")
    expected = np.array([int(v) for v in ref.ravel()], dtype=object).reshape(ref.shape)
    if max(expected.ravel(), default=0) > np.iinfo(np.uint64).max:
        with pytest.raises(OverflowError):
            fc.sepconvolve(x, kernels, "same")
        return
    got = fc.sepconvolve(x, kernels, "same")
    assert got.dtype == np.uint64, accumulator
    assert [int(v) for v in got.ravel()] == list(expected.ravel())


def test_bool_is_true_where_any_product_is():
    x = np.zeros((5, 5), dtype=bool)
    x[2, 2] = True
    got = fc.sepconvolve(x, [np.array([True, False, True]), np.array([True, True])])
    want = fc.convolve(x, np.outer([True, False, True], [True, True]))
    assert got.dtype == bool and np.array_equal(got, want)


def test_mixed_dtypes_take_numpys_result_type():
    x = np.arange(20, dtype=np.int16).reshape(4, 5)
    got = fc.sepconvolve(x, [np.ones(2, np.float32), np.array([1, 2], np.int8)])
    assert got.dtype == np.float32
    got = fc.sepconvolve(x.astype(np.float32), [np.ones(2), np.array([1j, 2])])
    assert got.dtype == np.complex128


def test_float16_is_computed_in_single_precision():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 7)).astype(np.float16)
    kernels = [rng.standard_normal(3).astype(np.float16), rng.standard_normal(2)]
    got = fc.sepconvolve(x, [kernels[0], kernels[1].astype(np.float16)], "same")
    assert got.dtype == np.float16
    big = outer_kernel([kernels[0], kernels[1].astype(np.float16)], 2, (0, 1))
    assert_matches(got, reference(x, big, "same"), x, big, dtype=np.float16)


def test_default_axes_are_the_last_ones_in_order():
    x = np.zeros((2, 5, 6))
    x[:, 2, 3] = 1.0
    u, v = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0])
    got = fc.sepconvolve(x, [u, v], "same", method="direct")
    want = fc.convolve(x, np.outer(u, v)[None], "same", "direct", axes=(1, 2))
    assert np.array_equal(got, want)  # small integers: exact in every method
    # axes=(2, 1): the first kernel runs along axis 2
    swapped = fc.sepconvolve(x, [v, u], "same", axes=(2, 1), method="direct")
    assert np.array_equal(swapped, got)


def test_a_2d_array_of_kernels_is_one_kernel_per_row():
    x = np.arange(30.0).reshape(5, 6)
    k = np.array([[1.0, 2.0, 1.0], [1.0, 0.0, -1.0]])
    assert np.array_equal(fc.sepconvolve(x, k), fc.sepconvolve(x, list(k)))


# --- non-finite values -------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nonfinite_values_give_the_direct_pattern(dtype, kind, mode, method):
    rng = np.random.default_rng(seed_of("nonfinite", dtype, kind, mode, method))
    x = rng.standard_normal((40, 37)).astype(dtype)
    where = rng.choice(x.size, 6, replace=False)
    x.flat[where] = [np.nan, np.inf, -np.inf, np.inf, np.nan, -np.inf]
    kernels = [rng.standard_normal(5).astype(dtype), rng.standard_normal(4).astype(dtype)]
    kernels[0][1] = 0.0  # inf * 0 is NaN: a zero tap must keep its window
    big = outer_kernel(kernels, 2, (0, 1), dtype)
    got = fc.sepconvolve(x, kernels, mode, kind=kind, method=method)
    want = getattr(fc, kind)(x, big, mode, "direct")
    assert_matches(got, want.astype(np.longdouble), x, big, extra=tolerance(x, big))


def test_nonfinite_kernel():
    x = np.ones((6, 7))
    got = fc.sepconvolve(x, [np.array([1.0, np.nan, 1.0]), np.ones(2)], "full")
    want = fc.convolve(x, np.outer([1.0, np.nan, 1.0], np.ones(2)), "full", "direct")
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.allclose(got[np.isfinite(want)], want[np.isfinite(want)])


# --- errors and inputs -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((np.ones((4, 4)), []), {}, ValueError, "kernels must hold at least one"),
        ((np.ones((4, 4)), np.ones(3)), {}, ValueError, "kernels must be a sequence"),
        ((np.ones((4, 4)), "ab"), {}, TypeError, "kernels must be a sequence"),
        ((np.ones((4, 4)), 3), {}, TypeError, "kernels must be a sequence"),
        ((np.ones((4, 4)), [np.ones((2, 2))]), {}, ValueError, r"kernels\[0\] must be 1-D"),
        ((np.ones((4, 4)), [np.ones(2), []]), {}, ValueError, r"kernels\[1\] is empty"),
        ((np.ones((4, 4)), [["a"]]), {}, TypeError, r"kernels\[0\] has dtype"),
        ((np.ones(4), [np.ones(2)] * 2), {}, ValueError, "in1 has only 1 dimension"),
        ((np.ones((4, 4)), [np.ones(2)] * 2), {"axes": 0}, ValueError, "one axis per kernel"),
        ((np.ones((4, 4)), [np.ones(2)] * 2), {"axes": (0, 0)}, ValueError, "must not repeat"),
        ((np.ones((4, 4)), [np.ones(2)] * 2), {"axes": (0, 2)}, ValueError, "out of range"),
        ((np.ones((4, 4)), [np.ones(2)] * 2), {"axes": (0, True)}, TypeError, "integers"),
        ((np.ones((4, 4)), [np.ones(2)] * 2), {"axes": (0, 1.0)}, TypeError, "integers"),
        ((np.ones((4, 4)), [np.ones(2)]), {"mode": "middle"}, ValueError, "mode must be one"),
        ((np.ones((4, 4)), [np.ones(2)]), {"kind": "conv"}, ValueError, "kind must be one"),
        ((np.ones((4, 4)), [np.ones(2)]), {"method": "svd"}, ValueError, "method must be one"),
        ((np.ones((4, 4)), [np.ones(2)]), {"backend": "mkl"}, ValueError, "backend"),
        ((np.ones((4, 4)), [np.ones(2)]), {"workers": 0}, ValueError, "workers"),
        ((np.ones((4, 0)), [np.ones(2)]), {}, ValueError, "in1 is empty along convolved axis"),
        ((np.ma.ones((4, 4)), [np.ones(2)]), {}, TypeError, "in1 is a masked array"),
        ((np.array(["x"]), [np.ones(2)]), {}, TypeError, "in1 has dtype"),
        (
            (np.ones((4, 6)), [np.ones(5), np.ones(3)]),
            {"mode": "valid"},
            ValueError,
            "mode='valid' needs one input at least as large",
        ),
    ],
)
def test_errors_name_the_argument(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        fc.sepconvolve(*args, **kwargs)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [np.float64, np.complex64, np.int16])
def test_inputs_are_never_written(dtype, method):
    rng = np.random.default_rng(7)
    x = random_array(rng, (33, 20), dtype, 9)
    kernels = _random_kernels(rng, (4, 6), dtype)
    kernels[0][0] = np.nan if np.dtype(dtype).kind in "fc" else kernels[0][0]
    for a in (x, *kernels):
        a.flags.writeable = False
    copies = [a.copy() for a in (x, *kernels)]
    fc.sepconvolve(x, kernels, "same", method=method)
    fc.sepconvolve(x, kernels, "valid", kind="correlate", method=method)
    for a, c in zip((x, *kernels), copies, strict=True):
        assert np.array_equal(a, c, equal_nan=np.dtype(dtype).kind in "fc")


def test_empty_batch_axis_gives_an_empty_result():
    got = fc.sepconvolve(np.ones((0, 5, 6)), [np.ones(2), np.ones(3)])
    assert got.shape == (0, 6, 8) and got.dtype == np.float64


# --- properties ----------------------------------------------------------------------------------
@given(
    shape=st.lists(st.integers(1, 9), min_size=2, max_size=3),
    lengths=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    mode=st.sampled_from(MODES),
    kind=st.sampled_from(OPS),
    method=st.sampled_from(METHODS),
    complex_=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_equals_the_outer_product_call(shape, lengths, mode, kind, method, complex_, seed):
    lengths = lengths[: len(shape)]
    conv_axes = tuple(range(len(shape) - len(lengths), len(shape)))
    if mode == "valid":  # make in1 the longer input on every convolved axis
        shape = [
            max(n, lengths[conv_axes.index(a)]) if a in conv_axes else n
            for a, n in enumerate(shape)
        ]
    rng = np.random.default_rng(seed)
    dtype = np.complex128 if complex_ else np.float64
    x = random_array(rng, tuple(shape), dtype)
    kernels = [random_array(rng, (m,), dtype) for m in lengths]
    big = outer_kernel(kernels, len(shape), conv_axes)
    got = fc.sepconvolve(x, kernels, mode, kind=kind, method=method)
    want = getattr(fc, kind)(x, big, mode, "direct", axes=conv_axes)
    assert got.shape == want.shape and got.dtype == want.dtype
    bound = 2 * tolerance(x, big, conv_axes)
    assert np.max(np.abs(got - want), initial=0.0) <= bound


# --- the BLAS pass, on any memory layout ------------------------------------------------------
@st.composite
def _strided_arrays(draw):
    """(x, description): a float array of 1-3 dimensions laid out in any axis order, with
    steps of 1 or 2 along each axis (a non-contiguous view)."""
    shape = draw(st.lists(st.integers(1, 40), min_size=1, max_size=3))
    order = draw(st.permutations(range(len(shape))))
    steps = draw(st.lists(st.integers(1, 2), min_size=len(shape), max_size=len(shape)))
    dtype = draw(st.sampled_from(FLOATS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    base = random_array(rng, tuple(shape[a] * steps[a] for a in order), dtype)
    x = base.transpose(np.argsort(order))[tuple(slice(None, None, k) for k in steps)]
    assert x.shape == tuple(shape)
    return x


@given(x=_strided_arrays(), data=st.data())
def test_blas_pass_on_any_layout(x, data):
    """One pass along any axis, of any length and mode, on C-, F- or otherwise ordered
    and strided inputs (in place, by the products' two orientations, or through a copy
    where the other axes do not flatten), equals numpy's 1-D convolution of every line."""
    axis = data.draw(st.integers(0, x.ndim - 1))
    m = data.draw(st.integers(1, 20))
    mode = data.draw(st.sampled_from(MODES))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    g = random_array(rng, (m,), x.dtype)
    h = g.reshape([m if a == axis else 1 for a in range(x.ndim)])
    spec = make_spec(x, h, kind="convolve", mode=mode, axes=(axis,))
    x0 = x.copy()
    got = _separable._blas_pass(x, h, spec)
    assert got.shape == spec.out_shape and got.dtype == x.dtype
    assert_matches(got, _pass_reference(x, g, axis, spec), x, h, axes=(axis,))
    assert np.array_equal(x, x0)


def _pass_reference(x, g, axis, spec):
    full = np.apply_along_axis(lambda line: np.convolve(line, g), axis, x)
    window = [slice(None)] * x.ndim
    window[axis] = slice(spec.starts[axis], spec.starts[axis] + spec.out_shape[axis])
    return full[tuple(window)]


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("m", [1, 3, 8, 9, 15, 17, 31, 33, 45])
def test_blas_pass_block_boundaries(m, mode, axis, layout):
    """Kernels shorter and longer than a block (8 or 16 outputs) and than the image, in
    every mode: the inner blocks read in place and the ends from padded copies."""
    rng = np.random.default_rng(seed_of("blas-pass", m, mode, axis, layout))
    base = rng.standard_normal((80, 74))
    x = {"C": base[:40, :37], "F": np.asfortranarray(base[:40, :37]), "strided": base[::2, ::2]}[
        layout
    ]
    g = rng.standard_normal(m)
    h = g.reshape([m if a == axis else 1 for a in range(2)])
    spec = make_spec(x, h, kind="convolve", mode=mode, axes=(axis,))
    got = _separable._blas_pass(x, h, spec)
    assert_matches(got, _pass_reference(x, g, axis, spec), x, h, axes=(axis,))


def test_passes_last_axis_first_give_a_c_ordered_image():
    """A pass along the contiguous axis writes its result with that axis slowest, and
    the next pass reads it in place: last axis first, a C-ordered image comes back
    C-ordered, and `fc.convolve` returns C-ordered arrays whatever the order."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 48))
    g = _gaussian(9)
    spec1 = make_spec(x, g[np.newaxis], kind="convolve", mode="same", axes=(1,))
    y = _separable._blas_pass(x, g[np.newaxis], spec1)
    assert y.flags.f_contiguous and not y.flags.c_contiguous
    spec0 = make_spec(y, g[:, np.newaxis], kind="convolve", mode="same", axes=(0,))
    assert _separable._blas_pass(y, g[:, np.newaxis], spec0).flags.c_contiguous
    for mode in MODES:
        assert fc.convolve(x, np.outer(g, g[:5]), mode).flags.c_contiguous


# --- detection ---------------------------------------------------------------------------------
def test_detection_is_remembered_per_kernel_and_returns_copies():
    """Factors are remembered by the kernel's bytes (not its identity): a kernel changed
    in place is tested afresh, and changing returned factors changes nothing later."""
    g = _gaussian()
    kernel = np.outer(g, g)
    first = separable_factors(kernel)
    first[0][:] = 0
    again = separable_factors(kernel)
    assert again is not None and np.all(again[0] != 0)
    kernel[3, 4] += 1e-3  # now rank 2
    assert separable_factors(kernel) is None


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("lengths", [(3, 3), (15, 15), (5, 31), (64, 2), (3, 4, 5)])
def test_exact_outer_products_are_detected(lengths, dtype):
    rng = np.random.default_rng(seed_of("detect", lengths, dtype))
    kernels = [random_array(rng, (m,), dtype) for m in lengths]
    kernel = outer_kernel(kernels, len(lengths), tuple(range(len(lengths))), dtype)
    factors = separable_factors(kernel)
    assert factors is not None
    assert [f.shape for f in factors] == [(m,) for m in lengths]
    assert all(f.dtype == np.dtype(dtype) for f in factors)
    approx = outer_kernel(factors, len(lengths), tuple(range(len(lengths))))
    eps = np.finfo(dtype).eps
    residual = np.linalg.norm((approx - kernel.astype(approx.dtype)).ravel())
    assert residual <= SEPARABLE_TOL_C * eps * np.linalg.norm(kernel.astype(approx.dtype).ravel())


def test_a_gaussian_from_the_2d_formula_is_detected():
    y, x = np.mgrid[-7:8, -7:8]
    for dtype in (np.float32, np.float64):
        g = np.exp(-(x**2 + y**2) / (2 * 1.7**2)).astype(dtype)
        assert separable_factors(g / g.sum()) is not None


@pytest.mark.parametrize(
    "kernel",
    [
        np.eye(5),  # rank 5
        np.outer([1.0, 2, 3], [1.0, 0, 1]) + np.outer([0.0, 1, 0], [1.0, 1, 1]),  # rank 2
        np.ones((3, 3)) + 1e-6 * np.eye(3),  # rank 1 only to 1e-6
    ],
)
def test_higher_rank_kernels_are_rejected(kernel):
    assert separable_factors(kernel) is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize(("relative", "detected"), [(0.5, True), (2.0, False)])
def test_tolerance_boundary(dtype, relative, detected):
    """A rank-1 kernel plus an orthogonal rank-1 perturbation of norm ``relative *
    SEPARABLE_TOL_C * eps * ||K||``: the best rank-1 approximation leaves exactly the
    perturbation, so half the tolerance is accepted and twice it rejected."""
    rng = np.random.default_rng(seed_of("boundary", dtype, relative))
    u, v = rng.standard_normal(9), rng.standard_normal(7)
    u /= np.linalg.norm(u)
    v /= np.linalg.norm(v)
    p, q = rng.standard_normal(9), rng.standard_normal(7)
    p -= (p @ u) * u
    q -= (q @ v) * v
    p /= np.linalg.norm(p)
    q /= np.linalg.norm(q)
    eps = np.finfo(dtype).eps
    delta = relative * SEPARABLE_TOL_C * eps
    kernel = np.outer(u, v) + delta * np.outer(p, q)  # ||kernel||_F = sqrt(1 + delta**2)
    factors = separable_factors(kernel, dtype=dtype)
    assert (factors is not None) == detected


@given(
    rows=st.integers(2, 40),
    cols=st.integers(2, 40),
    rank=st.integers(1, 3),
    noise=st.sampled_from([0.0, 1e-14, 1e-8, 1e-3, 1.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_cross_pretest_never_rejects_what_the_svd_would_accept(rows, cols, rank, noise, seed):
    """`_surely_not_rank_one(a, tol)` proves that the best rank-1 residual exceeds
    `tol`: with `tol` equal to that residual (from the SVD), it must never say so."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((rows, rank)) @ rng.standard_normal((rank, cols))
    a += noise * rng.standard_normal((rows, cols))
    sv = np.linalg.svd(a, compute_uv=False)
    best = float(np.sqrt(np.sum(sv[1:] ** 2)))
    assert not _separable._surely_not_rank_one(a, best)
    if best > 1e-6 * sv[0]:  # and it does turn clearly higher-rank matrices away
        assert _separable._surely_not_rank_one(a, best / (8 * np.sqrt(a.size)))


@pytest.mark.parametrize(
    ("kernel", "axes"),
    [
        (np.outer([1, 2, 1], [1, 0, -1]), None),  # integers: never split
        (np.outer([True, True], [True, True, True]).astype(bool), None),
        (np.outer([1.0, 2.0], [1.0, 2.0]), None),  # 4 taps: too small to matter
        (np.ones((1, 30)), None),  # one axis with more than one tap
        (np.zeros((5, 5)), None),  # zero
        (np.full((5, 5), np.nan), None),
        (np.ones((5, 5, 2)), (0, 1)),  # a batch of two kernels along axis 2
    ],
)
def test_detection_returns_none(kernel, axes):
    assert separable_factors(kernel, axes) is None


def test_detection_along_some_axes():
    kernel = np.outer([1.0, 2.0, 3.0, 2.0], [1.0, 4.0, 6.0, 4.0, 1.0])[:, None, :]
    factors = separable_factors(kernel, (2, 0))
    assert factors is not None
    assert [f.shape for f in factors] == [(5,), (4,)]
    assert np.allclose(np.outer(factors[1], factors[0])[:, None, :], kernel)


# --- the auto path: try_separable (and what _api calls before its memo) ------------------------
def _gaussian(n=15, sigma=2.0):
    t = np.arange(n) - (n - 1) / 2
    g = np.exp(-(t**2) / (2 * sigma**2))
    return g / g.sum()


@pytest.mark.parametrize("kind", OPS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_try_separable_splits_a_separable_kernel(dtype, mode, kind, monkeypatch):
    rng = np.random.default_rng(seed_of("try", dtype, mode, kind))
    x = random_array(rng, (300, 280), dtype)
    g = _gaussian()
    kernel = np.outer(g, np.roll(g, 2) * (1 + 1j if dtype == np.complex128 else 1)).astype(dtype)
    spec = make_spec(x, kernel, kind=kind, mode=mode)
    backend = resolve_backend(None)
    assert separable_is_cheaper(spec, backend)
    calls = []
    real = _separable._separable
    monkeypatch.setattr(
        _separable, "_separable", lambda *a, **kw: calls.append(1) or real(*a, **kw)
    )
    got = try_separable(spec, backend, None)
    assert got is not None and calls
    want = getattr(fc, kind)(x, kernel, mode, "fft")
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.max(np.abs(got - want)) <= 2 * tolerance(x, kernel)


@pytest.mark.parametrize(
    "case",
    ["not separable", "integers", "nan in image", "inf in image", "tiny image", "batch kernel"],
)
def test_try_separable_declines(case):
    rng = np.random.default_rng(seed_of("declines", case))
    x = rng.standard_normal((300, 280))
    g = _gaussian()
    kernel = np.outer(g, g)
    axes = None
    if case == "not separable":
        kernel = kernel + 1e-3 * rng.standard_normal(kernel.shape)
    elif case == "integers":
        x = rng.integers(0, 9, size=(300, 280))
        kernel = np.outer(np.arange(1, 16), np.arange(1, 16))
    elif case == "nan in image":
        x[100, 100] = np.nan
    elif case == "inf in image":
        x[10, 10] = np.inf
    elif case == "tiny image":  # one FFT call is cheaper than two passes' overhead
        x = x[:8, :8]
        kernel = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0])
    elif case == "batch kernel":
        x = rng.standard_normal((300, 280, 2))
        kernel = np.stack([kernel, 2 * kernel], axis=-1)
        axes = (0, 1)
    spec = make_spec(x, kernel, kind="convolve", mode="same", axes=axes)
    assert try_separable(spec, resolve_backend(None), None) is None


def test_may_split_is_a_cheap_shape_filter():
    image = np.ones((512, 512))
    assert may_split(image, np.ones((15, 15)))
    assert may_split(image.tolist(), np.ones((15, 15)))  # validated later
    assert not may_split(image, np.ones(15))  # 1-D kernel
    assert not may_split(image, np.ones((1, 15)))  # one axis with taps
    assert not may_split(image, np.ones((2, 2)))  # too few taps
    assert not may_split(np.ones((8, 8)), np.ones((5, 5)))  # too small a call
    assert not may_split(image.astype(int), np.ones((15, 15), dtype=int))  # exact
    assert not may_split(image, np.ones((15, 15)).tolist())


def test_auto_splits_separable_kernels(monkeypatch):
    """With method='auto' (`_api._operate` calls `try_separable`), a separable kernel
    runs as passes (on every call, although `_api` remembers prepared calls by shape), a
    kernel of the same shape that is not separable does not, and the
    results agree with the FFT method."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((512, 512))
    g = _gaussian()
    separable = np.outer(g, g)
    dense = separable + 1e-3 * rng.standard_normal(separable.shape)
    calls = []
    real = _separable._separable
    monkeypatch.setattr(
        _separable, "_separable", lambda *a, **kw: calls.append(1) or real(*a, **kw)
    )
    # Repeated shapes hit `_api`'s memo, which still tests each kernel's values.
    order = [(separable, True), (separable, True), (dense, False), (dense, False)]
    for kernel, splits in [*order, (separable, True), (dense, False)]:
        before = len(calls)
        got = fc.convolve(x, kernel, "same")
        assert (len(calls) > before) == splits
        want = fc.convolve(x, kernel, "same", "fft")
        assert np.max(np.abs(got - want)) <= 2 * tolerance(x, kernel)
    before = len(calls)
    fc.correlate(x.astype(np.float32), separable.astype(np.float32), "valid")
    assert len(calls) > before


def test_remembered_separable_calls_go_straight_to_the_passes(monkeypatch):
    """After the first call of a shape, `_api`'s memo serves a separable kernel's calls
    without `try_separable` (its shape checks were made once): same bits as the first
    call, and a non-finite image still gets the direct sum's non-finite pattern."""
    from fftconv import _api

    _api._PREPARED.clear()
    rng = np.random.default_rng(12)
    x = rng.standard_normal((300, 280))
    g = _gaussian()
    kernel = np.outer(g, np.roll(g, 3))
    tries = []
    real = _api.try_separable
    monkeypatch.setattr(_api, "try_separable", lambda *a: tries.append(1) or real(*a))
    first = fc.correlate(x, kernel, "same")
    assert tries == [1]
    again = fc.correlate(x, kernel, "same")
    assert tries == [1]
    assert again.tobytes() == first.tobytes()
    assert_matches(again, reference(x, kernel, "same", kind="correlate"), x, kernel)
    x[40, 50] = np.nan
    x[200, 7] = np.inf
    got = fc.correlate(x, kernel, "same")
    assert tries == [1]
    want = fc.correlate(x, kernel, "same", "direct")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    finite = np.isfinite(want)
    assert_matches(got[finite], want[finite], x, kernel)


def test_a_split_result_survives_an_unsplit_plan_that_would_not_fit(monkeypatch):
    """The first separable call remembers the unsplit plan too; if making that plan
    finds memory short, the split result (already computed) is still returned, and a
    kernel that is not separable gets the MemoryError."""
    from fftconv import _api

    _api._PREPARED.clear()

    def short_of_memory(*args, **kwargs):
        raise MemoryError("no room for the unsplit plan")

    monkeypatch.setattr(_api, "prepare", short_of_memory)
    rng = np.random.default_rng(13)
    x = rng.standard_normal((300, 280))
    g = _gaussian()
    kernel = np.outer(g, g)
    got = fc.convolve(x, kernel, "same")
    assert_matches(got, reference(x, kernel, "same"), x, kernel)
    assert not _api._PREPARED
    with pytest.raises(MemoryError, match="no room"):
        fc.convolve(x, kernel + 1e-3 * rng.standard_normal(kernel.shape), "same")
