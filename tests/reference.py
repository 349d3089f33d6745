"""Naive reference implementation: the oracle of the test suite.

Written straight from the definitions of SPEC.md §1 and §3, with explicit Python loops over
output positions and kernel offsets.  It is slow (use it on arrays of at most a few hundred
elements) but it is meant to be obviously right:

* convolution  ``y[n] = sum_m x[n - m] * h[m]``
* correlation  ``c[k] = sum_n x[n + k] * conj(h[n])``; full-mode output index ``i`` holds lag
  ``k = i - (M - 1)``

Both are first computed in mode ``full`` (every overlap, only terms where both inputs are
inside their support, so a NaN only reaches the outputs whose window covers it), then cropped:

* ``same``:  start ``(M - 1) // 2``, length ``N`` per axis (as scipy.signal centres it);
* ``valid``: start ``min(N, M) - 1``, length ``|N - M| + 1`` per axis, allowed only when one
  input is at least as large as the other in every convolved axis (scipy's swap rule; the
  swap does not change the cropped window, so it needs no code here).

Integers and booleans are computed exactly with Python ints (object arrays); floats in
extended precision (``np.longdouble`` / ``np.clongdouble``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

__all__ = [
    "TOL_C",
    "assert_matches",
    "compute_eps",
    "expected",
    "full_shape",
    "norm_bound",
    "normalise_axes",
    "out_shape",
    "reference",
    "tolerance",
]

#: The one constant of the SPEC §4 bound ``C * eps * log2(size) * ||x||_2 * ||h||_2``.
#: Fixed; never raise it to make a test pass.
TOL_C = 8.0

MODES = ("full", "same", "valid")
KINDS = ("convolve", "correlate")
BOUNDARIES = ("fill", "wrap", "symm", "mirror", "edge")


def normalise_axes(axes, ndim):
    """Sorted tuple of non-negative convolved axes (None = all)."""
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, (int, np.integer)):
        axes = (axes,)
    out = tuple(sorted(int(a) % ndim for a in axes))
    assert len(set(out)) == len(out), "repeated axes"
    return out


def _same_start(m):
    """Start of mode ``same`` in the full result: scipy.signal.convolve/correlate's centring."""
    return (m - 1) // 2


def _windows(n_shape, m_shape, mode, same_start=_same_start):
    """Per convolved axis, the slice of the full result that ``mode`` keeps."""
    if mode == "full":
        return tuple(slice(0, n + m - 1) for n, m in zip(n_shape, m_shape, strict=True))
    if mode == "same":
        return tuple(
            slice(same_start(m), same_start(m) + n) for n, m in zip(n_shape, m_shape, strict=True)
        )
    if mode == "valid":
        in1_larger = all(n >= m for n, m in zip(n_shape, m_shape, strict=True))
        in2_larger = all(m >= n for n, m in zip(n_shape, m_shape, strict=True))
        if not (in1_larger or in2_larger):
            raise ValueError("valid: neither input is at least as large in every axis")
        return tuple(
            slice(min(n, m) - 1, min(n, m) - 1 + abs(n - m) + 1)
            for n, m in zip(n_shape, m_shape, strict=True)
        )
    raise ValueError(f"unknown mode {mode!r}")


def full_shape(shape1, shape2, axes=None):
    """Shape of the ``full`` result (convolved axes N+M-1, other axes broadcast)."""
    return out_shape(shape1, shape2, "full", axes)


def out_shape(shape1, shape2, mode, axes=None):
    """Output shape for ``mode``, from SPEC §3 (batch axes broadcast)."""
    shape1, shape2 = tuple(shape1), tuple(shape2)
    ax = normalise_axes(axes, len(shape1))
    n_shape = [shape1[a] for a in ax]
    m_shape = [shape2[a] for a in ax]
    win = _windows(n_shape, m_shape, mode)
    batch1 = tuple(s for i, s in enumerate(shape1) if i not in ax)
    batch2 = tuple(s for i, s in enumerate(shape2) if i not in ax)
    batch = iter(np.broadcast_shapes(batch1, batch2))
    conv = iter(w.stop - w.start for w in win)
    return tuple(next(conv) if i in ax else next(batch) for i in range(len(shape1)))


def _exact_copy(a, result_dtype):
    """Object array of exact Python ints, or longdouble / clongdouble values."""
    kind = np.dtype(result_dtype).kind
    if kind in "biu":
        # Python ints: bool -> 0/1, int64/uint64 -> unbounded ints, never wraps.
        return np.array([int(v) for v in a.ravel().tolist()], dtype=object).reshape(a.shape)
    ext = np.clongdouble if kind == "c" else np.longdouble
    return a.astype(ext).astype(object)


def _source(i, n, boundary):
    """Index of the input sample read at position ``i`` (None: outside, fill)."""
    if 0 <= i < n:
        return i
    if boundary == "wrap":
        return i % n
    if boundary == "symm":  # mirror with the edge sample repeated: ... 1 0 | 0 1 ... n-1 | n-1 ...
        i %= 2 * n
        return i if i < n else 2 * n - 1 - i
    if boundary == "mirror":  # the edge sample not repeated: ... 2 1 | 0 1 ... n-1 | n-2 ...
        if n == 1:
            return 0
        i %= 2 * n - 2
        return i if i < n else 2 * n - 2 - i
    if boundary == "edge":  # the edge sample repeated forever: 0 0 | 0 1 ... n-1 | n-1 n-1
        return min(max(i, 0), n - 1)
    return None


def _full_nd(x, h, kind, boundary, fillvalue):
    """Full-mode N-D convolution / correlation of two object arrays, by explicit loops."""
    n_shape, m_shape = x.shape, h.shape
    f_shape = tuple(n + m - 1 for n, m in zip(n_shape, m_shape, strict=True))
    out = np.empty(f_shape, dtype=object)
    offsets = list(itertools.product(*(range(m) for m in m_shape)))
    for idx in itertools.product(*(range(f) for f in f_shape)):
        acc = 0
        for off in offsets:
            if kind == "convolve":
                # y[n] = sum_m x[n - m] h[m]
                pos = [i - o for i, o in zip(idx, off, strict=True)]
                weight = h[off]
            else:
                # c[k] = sum_n x[n + k] conj(h[n]),  k = i - (M - 1)
                pos = [i - (m - 1) + o for i, m, o in zip(idx, m_shape, off, strict=True)]
                weight = h[off].conjugate()
            src = tuple(_source(p, n, boundary) for p, n in zip(pos, n_shape, strict=True))
            if None in src:
                if fillvalue == 0:
                    continue  # zero outside the support: not a term (keeps NaN local)
                acc = acc + fillvalue * weight
            else:
                acc = acc + x[src] * weight
        out[idx] = acc
    return out


def reference(
    in1,
    in2,
    mode="full",
    *,
    kind="convolve",
    axes=None,
    boundary="fill",
    fillvalue=0,
    same_start=_same_start,
):
    """Naive N-D convolution or correlation (see module docstring).

    Returns an object array of exact Python ints for integer and boolean inputs (the raw sum,
    not yet cast: bool sums are counts), otherwise an ``np.longdouble`` / ``np.clongdouble``
    array.  ``axes`` selects the convolved axes; the others broadcast (sizes equal or 1).
    ``boundary`` / ``fillvalue`` follow scipy.signal.convolve2d (``in1`` is extended; mode
    ``valid`` never reads outside the inputs, so there they are ignored).  ``same_start(M)``
    is where mode ``same`` starts in the full result (default ``(M - 1) // 2``).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be one of {BOUNDARIES}, got {boundary!r}")
    if mode == "valid":
        boundary, fillvalue = "fill", 0
    x = np.asarray(in1)
    h = np.asarray(in2)
    if x.ndim != h.ndim:
        raise ValueError("in1 and in2 must have the same ndim")
    rdt = np.result_type(x, h)
    xo = _exact_copy(x, rdt)
    ho = _exact_copy(h, rdt)
    final = object if rdt.kind in "biu" else (np.clongdouble if rdt.kind == "c" else np.longdouble)
    with np.errstate(all="ignore"):  # inf - inf etc. are meant to give NaN here
        if x.ndim == 0:
            val = xo[()] * (ho[()] if kind == "convolve" else ho[()].conjugate())
            out = np.empty((), dtype=object)
            out[()] = val
            return out.astype(final)
        ax = normalise_axes(axes, x.ndim)
        k = len(ax)
        last = tuple(range(x.ndim - k, x.ndim))
        xo = np.moveaxis(xo, ax, last)
        ho = np.moveaxis(ho, ax, last)
        batch = np.broadcast_shapes(xo.shape[:-k], ho.shape[:-k])
        xo = np.broadcast_to(xo, batch + xo.shape[-k:])
        ho = np.broadcast_to(ho, batch + ho.shape[-k:])
        n_shape, m_shape = xo.shape[-k:], ho.shape[-k:]
        if 0 in n_shape or 0 in m_shape:
            raise ValueError("empty convolved axis")
        win = _windows(n_shape, m_shape, mode, same_start)
        out = np.empty(batch + tuple(w.stop - w.start for w in win), dtype=object)
        for b in np.ndindex(*batch):
            out[b] = _full_nd(xo[b], ho[b], kind, boundary, fillvalue)[win]
        out = np.moveaxis(out, last, ax)
    return out.astype(final)


def _cast_exact(ref, dtype):
    """Cast an exact (object) integer result to ``dtype``; OverflowError if it does not fit."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.array([v != 0 for v in ref.ravel().tolist()], dtype=bool).reshape(ref.shape)
    info = np.iinfo(dtype)
    values = ref.ravel().tolist()
    if values and (min(values) < info.min or max(values) > info.max):
        raise OverflowError(f"exact result does not fit {dtype}")
    return np.array(values, dtype=object).reshape(ref.shape).astype(dtype)


def expected(in1, in2, mode="full", **kwargs):
    """The reference cast to ``np.result_type(in1, in2)`` (exact for ints; OverflowError if
    the exact integer result does not fit)."""
    rdt = np.result_type(np.asarray(in1), np.asarray(in2))
    ref = reference(in1, in2, mode, **kwargs)
    if rdt.kind in "biu":
        return _cast_exact(ref, rdt)
    return ref.astype(rdt)


def compute_eps(dtype):
    """eps of the precision a result of ``dtype`` is computed in (SPEC §4, docs/design.rst):
    float16 is computed in float32; float32/complex64 in single precision; everything else
    (float64, complex128, integers taken as floats) in double precision."""
    dtype = np.dtype(dtype)
    if dtype.kind in "fc" and dtype.itemsize <= (8 if dtype.kind == "c" else 4):
        return float(np.finfo(np.float32).eps)
    return float(np.finfo(np.float64).eps)


def norm_bound(in1, in2, axes=None):
    """max over broadcast batch slices of ``||x||_2 * ||h||_2`` (norms over convolved axes);
    non-finite entries count as zero (they are compared by pattern, not by value)."""
    x = np.asarray(in1)
    h = np.asarray(in2)
    with np.errstate(all="ignore"):
        xa = np.abs(x.astype(np.complex128 if x.dtype.kind == "c" else np.float64))
        ha = np.abs(h.astype(np.complex128 if h.dtype.kind == "c" else np.float64))
    xa = np.where(np.isfinite(xa), xa, 0.0)
    ha = np.where(np.isfinite(ha), ha, 0.0)
    if x.ndim == 0:
        return float(xa * ha)
    ax = normalise_axes(axes, x.ndim)
    nx = np.sqrt(np.sum(xa * xa, axis=ax, keepdims=True))
    nh = np.sqrt(np.sum(ha * ha, axis=ax, keepdims=True))
    prod = nx * nh
    return float(prod.max()) if prod.size else 0.0


def tolerance(in1, in2, axes=None, dtype=None):
    """SPEC §4 norm-wise bound ``TOL_C * eps * log2(size) * ||x||_2 * ||h||_2``.

    ``size`` is the padded transform size, taken as the product over convolved axes of the
    full output length ``N + M - 1`` (log2 is clamped below at 1 so a 1-point transform is not
    given a zero tolerance).  ``dtype`` defaults to ``np.result_type(in1, in2)``.
    """
    x = np.asarray(in1)
    h = np.asarray(in2)
    if dtype is None:
        dtype = np.result_type(x, h)
    if x.ndim == 0:
        size = 1
    else:
        ax = normalise_axes(axes, x.ndim)
        size = math.prod(x.shape[a] + h.shape[a] - 1 for a in ax)
    return TOL_C * compute_eps(dtype) * max(1.0, math.log2(max(size, 1))) * norm_bound(x, h, axes)


def _patterns(a):
    """Non-finite pattern of an array, per real component."""
    comps = (a.real, a.imag) if np.iscomplexobj(a) else (a,)
    return [(np.isnan(c), np.isposinf(c), np.isneginf(c)) for c in comps]


def assert_matches(got, ref, in1, in2, *, axes=None, dtype=None, tol=None, extra=0.0):
    """Assert ``got`` equals the reference ``ref`` (from :func:`reference`).

    dtype must be ``dtype`` (default ``np.result_type(in1, in2)``) and the shape must match.
    Integers and booleans: exact (``np.array_equal``).  Floats: the same NaN / +inf / -inf
    pattern (per real component) and ``max |got - ref| <= tol`` on the rest, ``tol`` being
    :func:`tolerance` (plus ``extra``, for callers comparing two approximate results).
    """
    if dtype is None:
        dtype = np.result_type(np.asarray(in1), np.asarray(in2))
    dtype = np.dtype(dtype)
    got_arr = np.asarray(got)
    assert got_arr.dtype == dtype, f"dtype {got_arr.dtype} != {dtype}"
    assert got_arr.shape == ref.shape, f"shape {got_arr.shape} != {ref.shape}"
    if dtype.kind in "biu":
        exp = _cast_exact(ref, dtype)
        assert np.array_equal(got_arr, exp), f"not exact:\n got {got_arr!r}\n exp {exp!r}"
        return
    if tol is None:
        tol = tolerance(in1, in2, axes, dtype)
    tol = tol + extra
    ext = np.clongdouble if dtype.kind == "c" else np.longdouble
    g = got_arr.astype(ext)
    r = np.asarray(ref).astype(ext)
    if dtype == np.float16:
        # float16 is computed in float32 and rounded once on return: allow that rounding.
        tol_arr = tol + float(np.finfo(np.float16).eps) * np.abs(r)
    else:
        tol_arr = tol
    for pg, pr in zip(_patterns(g), _patterns(r), strict=True):
        for name, a, b in zip(("NaN", "+inf", "-inf"), pg, pr, strict=True):
            assert np.array_equal(a, b), f"{name} pattern differs:\n got {a}\n exp {b}"
    with np.errstate(all="ignore"):
        finite = np.isfinite(r) & np.isfinite(g)
        err = np.where(finite, np.abs(g - r), 0)
    bad = err > tol_arr
    assert not np.any(bad), (
        f"max error {float(err.max())} > tol {float(np.max(tol_arr))} "
        f"at {np.argwhere(bad)[:5].tolist()}"
    )
