"""Hypothesis properties of SPEC §1 (deterministic profile: see conftest.py).

Hypothesis draws shapes, dtypes, modes, axes, methods and backends; values come from a numpy
Generator seeded by a drawn integer (fast, and still reproducible).  Integer dtypes are checked
exactly, floats within SPEC §4's norm-wise bound (:func:`reference.tolerance`).
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fftconv as fc

from ._data import BACKENDS, METHODS, MODES, OPS
from .reference import normalise_axes, out_shape, reference, tolerance

# Small integer values keep every sum far inside int16 (7**3 terms * 25 < 2**15).
EXACT_DTYPES = (np.int16, np.int64, np.uint32)
FLOAT_DTYPES = (np.float32, np.float64, np.complex64, np.complex128)
PROP_DTYPES = EXACT_DTYPES + FLOAT_DTYPES
REAL_DTYPES = (np.int16, np.int64, np.float32, np.float64)

methods = st.sampled_from(METHODS)
backends = st.sampled_from(BACKENDS)
modes = st.sampled_from(MODES)
ops = st.sampled_from(OPS)


def _values(rng, shape, dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        return rng.integers(0, 5, shape, endpoint=True).astype(dtype)
    if dtype.kind == "i":
        return rng.integers(-5, 5, shape, endpoint=True).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@st.composite
def pairs(draw, dtypes=PROP_DTYPES, min_ndim=1, max_ndim=3, max_side=7, allow_axes=True):
    """(x, h, axes): equal ndim, convolved axes 1..max_side long, batch axes broadcasting
    (equal sizes or one of them 1)."""
    ndim = draw(st.integers(min_ndim, max_ndim))
    dtype = draw(st.sampled_from(dtypes))
    axes = None
    if allow_axes and ndim > 1 and draw(st.booleans()):
        chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        # sometimes spelled with negative indices
        axes = tuple(a - ndim if draw(st.booleans()) else a for a in chosen)
    conv_axes = normalise_axes(axes, ndim)
    s1, s2 = [], []
    for d in range(ndim):
        if d in conv_axes:
            s1.append(draw(st.integers(1, max_side)))
            s2.append(draw(st.integers(1, max_side)))
        else:
            size = draw(st.integers(1, 3))
            a, b = draw(st.sampled_from([(size, size), (size, 1), (1, size)]))
            s1.append(a)
            s2.append(b)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return _values(rng, tuple(s1), dtype), _values(rng, tuple(s2), dtype), axes


def assert_close(got, want, tol):
    """Exact for integers; |got - want| <= tol for floats. Same shape and dtype."""
    got = np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if got.dtype.kind in "biu":
        assert np.array_equal(got, want)
    else:
        err = np.abs(got.astype(np.complex128) - want.astype(np.complex128))
        assert err.max(initial=0.0) <= tol, (err.max(), tol)


def _flip(a, axes):
    return np.flip(a, axis=normalise_axes(axes, a.ndim))


def _run(op, x, h, mode="full", method="auto", axes=None, backend=None):
    return getattr(fc, op)(x, h, mode, method, axes=axes, backend=backend)


# --- impulse response --------------------------------------------------------------------------
@given(
    data=st.data(),
    ndim=st.integers(1, 2),
    dtype=st.sampled_from(PROP_DTYPES),
    method=methods,
    backend=backends,
)
def test_impulse_response(data, ndim, dtype, method, backend):
    """convolve(impulse at p, h) has h at p; correlate(impulse at p, h) has h rotated by 180
    degrees (and conjugated) at p."""
    sides = st.integers(1, 9)
    s_imp = tuple(data.draw(sides) for _ in range(ndim))
    s_h = tuple(data.draw(sides) for _ in range(ndim))
    p = tuple(data.draw(st.integers(0, n - 1)) for n in s_imp)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    h = _values(rng, s_h, dtype)
    impulse = np.zeros(s_imp, dtype=dtype)
    impulse[p] = 1
    window = tuple(slice(q, q + m) for q, m in zip(p, s_h, strict=True))
    tol = tolerance(impulse, h)

    want = np.zeros(tuple(n + m - 1 for n, m in zip(s_imp, s_h, strict=True)), dtype=dtype)
    want[window] = h
    assert_close(fc.convolve(impulse, h, "full", method, backend=backend), want, tol)
    # impulse as the kernel: convolution is commutative
    assert_close(fc.convolve(h, impulse, "full", method, backend=backend), want, tol)

    want = np.zeros_like(want)
    want[window] = np.conj(h[(slice(None, None, -1),) * ndim])
    assert_close(fc.correlate(impulse, h, "full", method, backend=backend), want, tol)


@given(data=st.data(), dtype=st.sampled_from(REAL_DTYPES), method=methods)
def test_impulse_response_centred_same(data, dtype, method):
    """An impulse at the centre of an image at least as large as an odd kernel gives back
    the kernel (convolve) or its 180-degree rotation (correlate) centred, in mode same."""
    ndim = data.draw(st.integers(1, 2))
    half = tuple(data.draw(st.integers(0, 3)) for _ in range(ndim))
    s_h = tuple(2 * q + 1 for q in half)
    s_img = tuple(m + data.draw(st.integers(0, 4)) for m in s_h)
    centre = tuple(data.draw(st.integers(q, n - 1 - q)) for q, n in zip(half, s_img, strict=True))
    h = _values(np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))), s_h, dtype)
    img = np.zeros(s_img, dtype=dtype)
    img[centre] = 1
    window = tuple(slice(c - q, c + q + 1) for c, q in zip(centre, half, strict=True))
    tol = tolerance(img, h)
    want = np.zeros(s_img, dtype=dtype)
    want[window] = h
    assert_close(fc.convolve(img, h, "same", method), want, tol)
    want[window] = h[(slice(None, None, -1),) * ndim]
    assert_close(fc.correlate(img, h, "same", method), want, tol)


# --- symmetry ----------------------------------------------------------------------------------
@given(case=pairs(), mode=modes, method=methods, backend=backends)
def test_symmetric_kernel_convolve_equals_correlate(case, mode, method, backend):
    """A real kernel equal to its 180-degree rotation (along the convolved axes) gives equal
    convolution and correlation."""
    x, g, axes = case
    g = g.real if np.iscomplexobj(g) else g
    h = g + _flip(g, axes)
    assert np.array_equal(h, _flip(h, axes))
    if mode == "valid" and not _valid_ok(x.shape, h.shape, axes):
        mode = "full"
    tol = 2 * tolerance(x, h, axes)
    a = _run("convolve", x, h, mode, method, axes, backend)
    b = _run("correlate", x, h, mode, method, axes, backend)
    assert_close(a, b, tol)


def _valid_ok(s1, s2, axes):
    ax = normalise_axes(axes, len(s1))
    return all(s1[a] >= s2[a] for a in ax) or all(s2[a] >= s1[a] for a in ax)


# --- centred form (SPEC §1), written from the formula -----------------------------------------
def _centred_1d(image, kernel, op):
    """out[i] = sum_{u=-P..P} F[u] I[i+u] (correlate) or F[u] I[i-u] (convolve)."""
    (n,), (m,) = image.shape, kernel.shape
    p = (m - 1) // 2
    out = []
    for i in range(n):
        acc = 0
        for u in range(-p, p + 1):
            j = i + u if op == "correlate" else i - u
            if 0 <= j < n:
                acc += kernel[u + p].item() * image[j].item()
        out.append(acc)
    return np.array(out, dtype=np.result_type(image, kernel))


def _centred_2d(image, kernel, op):
    """out[i, j] = sum_{u, v} F[u, v] I[i+u, j+v] (correlate) or F[u, v] I[i-u, j-v]."""
    (n1, n2), (m1, m2) = image.shape, kernel.shape
    p, q = (m1 - 1) // 2, (m2 - 1) // 2
    out = np.zeros(image.shape, dtype=np.result_type(image, kernel))
    for i, j in itertools.product(range(n1), range(n2)):
        acc = 0
        for u, v in itertools.product(range(-p, p + 1), range(-q, q + 1)):
            a, b = (i + u, j + v) if op == "correlate" else (i - u, j - v)
            if 0 <= a < n1 and 0 <= b < n2:
                acc += kernel[u + p, v + q].item() * image[a, b].item()
        out[i, j] = acc
    return out


@given(
    data=st.data(),
    dtype=st.sampled_from(REAL_DTYPES),
    op=ops,
    method=methods,
    backend=backends,
)
def test_centred_form_odd_kernel_same(data, dtype, op, method, backend):
    ndim = data.draw(st.integers(1, 2))
    s_img = tuple(data.draw(st.integers(1, 9)) for _ in range(ndim))
    # odd kernels, also larger than the image
    s_ker = tuple(2 * data.draw(st.integers(0, 5)) + 1 for _ in range(ndim))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    image = _values(rng, s_img, dtype)
    kernel = _values(rng, s_ker, dtype)
    want = (_centred_1d if ndim == 1 else _centred_2d)(image, kernel, op)
    got = _run(op, image, kernel, "same", method, backend=backend)
    # the explicit sum runs in Python floats (double), so its own error is far below the bound
    assert_close(got, want, tolerance(image, kernel))


# --- algebra ----------------------------------------------------------------------------------
# max_side=5 keeps the combined integer sums (|a|, |b| <= 3) inside int16
@given(
    case=pairs(max_side=5),
    data=st.data(),
    op=ops,
    mode=modes,
    method=methods,
    backend=backends,
)
def test_linearity(case, data, op, mode, method, backend):
    """op(a x + b y, h) = a op(x, h) + b op(y, h); and in the kernel,
    op(x, a h + b g) = a op(x, h) + b op(x, g) (conj(a), conj(b) for correlate)."""
    x, h, axes = case
    if mode == "valid" and not _valid_ok(x.shape, h.shape, axes):
        mode = "full"
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    y = _values(rng, x.shape, x.dtype)
    g = _values(rng, h.shape, h.dtype)
    dt = x.dtype
    if dt.kind == "u":
        a, b = dt.type(data.draw(st.integers(0, 3))), dt.type(data.draw(st.integers(0, 3)))
    elif dt.kind == "i":
        a, b = dt.type(data.draw(st.integers(-3, 3))), dt.type(data.draw(st.integers(-3, 3)))
    elif dt.kind == "c":
        a, b = dt.type(complex(*rng.standard_normal(2))), dt.type(complex(*rng.standard_normal(2)))
    else:
        a, b = dt.type(rng.standard_normal()), dt.type(rng.standard_normal())

    def run(p, q):
        return _run(op, p, q, mode, method, axes, backend)

    ca = np.conj(a) if op == "correlate" else a
    cb = np.conj(b) if op == "correlate" else b
    fa, fb = float(abs(a)), float(abs(b))
    # in the signal
    lhs = run(a * x + b * y, h)
    rhs = a * run(x, h) + b * run(y, h)
    tol = tolerance(a * x + b * y, h, axes) + fa * tolerance(x, h, axes)
    tol += fb * tolerance(y, h, axes)
    # the sums on the right add a few roundings of the result's size
    tol += (
        4
        * float(np.finfo(dt).eps if dt.kind in "fc" else 0)
        * (fa * _maxabs(run(x, h)) + fb * _maxabs(run(y, h)))
    )
    assert_close(lhs, rhs, tol)
    # in the kernel
    lhs = run(x, a * h + b * g)
    rhs = ca * run(x, h) + cb * run(x, g)
    tol = tolerance(x, a * h + b * g, axes) + fa * tolerance(x, h, axes)
    tol += fb * tolerance(x, g, axes)
    tol += (
        4
        * float(np.finfo(dt).eps if dt.kind in "fc" else 0)
        * (fa * _maxabs(run(x, h)) + fb * _maxabs(run(x, g)))
    )
    assert_close(lhs, rhs, tol)


def _maxabs(a):
    return float(np.max(np.abs(a), initial=0.0))


@given(case=pairs(), method=methods, backend=backends)
def test_convolution_commutes(case, method, backend):
    x, h, axes = case
    tol = 2 * tolerance(x, h, axes)
    a = _run("convolve", x, h, "full", method, axes, backend)
    b = _run("convolve", h, x, "full", method, axes, backend)
    assert_close(a, b, tol)


@given(case=pairs(), data=st.data(), op=ops, method=methods, backend=backends)
def test_shift_equivariance(case, data, op, method, backend):
    """Delaying x by s samples along a convolved axis delays the full result by s.
    Delaying h by s delays a convolution by s and advances a correlation by s (which, in
    full mode, appends s zeros at the end)."""
    x, h, axes = case
    conv_axes = normalise_axes(axes, x.ndim)
    axis = data.draw(st.sampled_from(conv_axes))
    s = data.draw(st.integers(1, 4))
    front = [(0, 0)] * x.ndim
    front[axis] = (s, 0)
    back = [(0, 0)] * x.ndim
    back[axis] = (0, s)
    base = _run(op, x, h, "full", method, axes, backend)
    x_shift = np.pad(x, front)
    h_shift = np.pad(h, front)
    tol = tolerance(x_shift, h_shift, axes) + tolerance(x, h, axes)

    assert_close(_run(op, x_shift, h, "full", method, axes, backend), np.pad(base, front), tol)
    got = _run(op, x, h_shift, "full", method, axes, backend)
    assert_close(got, np.pad(base, front if op == "convolve" else back), tol)


@given(case=pairs(), method=methods, backend=backends)
def test_correlate_flip_identity(case, method, backend):
    """correlate(x, h) == flip(conj(correlate(h, x))), full mode, every convolved axis
    flipped (all axes when axes is None)."""
    x, h, axes = case
    a = _run("correlate", x, h, "full", method, axes, backend)
    b = _flip(np.conj(_run("correlate", h, x, "full", method, axes, backend)), axes)
    assert_close(a, b, 2 * tolerance(x, h, axes))


# --- output shapes --------------------------------------------------------------------------
@given(case=pairs(max_side=9), op=ops, method=methods)
def test_output_shapes(case, op, method):
    x, h, axes = case
    for mode in MODES:
        if mode == "valid" and not _valid_ok(x.shape, h.shape, axes):
            with pytest.raises(ValueError, match="valid"):
                _run(op, x, h, mode, method, axes)
            continue
        got = _run(op, x, h, mode, method, axes)
        assert got.shape == out_shape(x.shape, h.shape, mode, axes)
        conv_axes = normalise_axes(axes, x.ndim)
        for d in conv_axes:
            n, m = x.shape[d], h.shape[d]
            want = {"full": n + m - 1, "same": n, "valid": abs(n - m) + 1}[mode]
            assert got.shape[d] == want
        for d in set(range(x.ndim)) - set(conv_axes):
            assert got.shape[d] == max(x.shape[d], h.shape[d])


# --- every method agrees (with each other and the reference) -------------------------------
@given(case=pairs(max_side=5), op=ops, mode=modes, backend=backends)
def test_every_method_agrees(case, op, mode, backend):
    x, h, axes = case
    if mode == "valid" and not _valid_ok(x.shape, h.shape, axes):
        mode = "same"
    ref = reference(x, h, mode, kind=op, axes=axes)
    want = ref.astype(np.result_type(x, h))  # small ints: exact and in range
    tol = tolerance(x, h, axes)
    results = {m: _run(op, x, h, mode, m, axes, backend) for m in METHODS}
    for m, got in results.items():
        assert_close(got, want, tol + _round_err(want)), m
    for m1, m2 in itertools.combinations(METHODS, 2):
        assert_close(results[m1], results[m2], 2 * tol), (m1, m2)


def _round_err(want):
    """Rounding the extended-precision reference to the result dtype."""
    if want.dtype.kind not in "fc":
        return 0.0
    return float(np.finfo(want.dtype).eps) * _maxabs(want)
