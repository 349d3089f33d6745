"""Boundary rules: the input extended past its edges before a linear convolution.

``boundary=`` on `convolve`/`correlate` names how `in1` continues outside its support
along every convolved axis; the operation is then the linear one on the extended input,
cropped to the mode window in the original coordinates (full-result coordinates, see
`_spec`). Output ``i`` of the full result reads the extended input at ``i - (M - 1) ... i``
for both kinds, so a mode window ``[s, s + L)`` needs ``M - 1 - s`` extended samples in
front and ``s + L - N`` behind (never negative for the three modes), and equals the
``valid`` result of the extended input. ``valid`` windows never reach the extension.

==========  ========================  =========================================
rule        extension of a b c d      also accepted (scipy.signal, scipy.ndimage)
==========  ========================  =========================================
``fill``    v v v | a b c d | v v v   ``pad``, ``constant``, ``grid-constant``
``wrap``    b c d | a b c d | a b c   ``circular``, ``grid-wrap``
``symm``    c b a | a b c d | d c b   ``symmetric``, ``grid-mirror``
``mirror``  d c b | a b c d | c b a
``edge``    a a a | a b c d | d d d   ``nearest``
==========  ========================  =========================================

``wrap`` on floating inputs can skip the extension: the circular transform of period N
is the periodic extension (`circular`).
"""

from __future__ import annotations

import math
from typing import Literal, cast

import numpy as np

from ._backends import FFTBackend
from ._dispatch import compute_dtype
from ._nonfinite import all_finite
from ._spec import ConvSpec, make_spec

Boundary = Literal["fill", "wrap", "symm", "mirror", "edge"]
BOUNDARIES: tuple[Boundary, ...] = ("fill", "wrap", "symm", "mirror", "edge")

_ALIASES: dict[str, Boundary] = {
    "fill": "fill",
    "pad": "fill",
    "constant": "fill",
    "grid-constant": "fill",
    "wrap": "wrap",
    "circular": "wrap",
    "grid-wrap": "wrap",
    "symm": "symm",
    "symmetric": "symm",
    "grid-mirror": "symm",
    "mirror": "mirror",
    "edge": "edge",
    "nearest": "edge",
}
# numpy.pad's name for each rule.
NUMPY_PAD: dict[Boundary, str] = {
    "fill": "constant",
    "wrap": "wrap",
    "symm": "symmetric",
    "mirror": "reflect",
    "edge": "edge",
}


def resolve_boundary(boundary: object) -> Boundary:
    """The rule `boundary` names, or a ValueError naming the accepted names."""
    if boundary == "reflect":
        raise ValueError(
            "boundary='reflect' is ambiguous: numpy.pad's 'reflect' does not repeat the edge "
            "sample (d c b | a b c d, fftconv's 'mirror') but scipy.ndimage's 'reflect' does "
            "(d c b a | a b c d, fftconv's 'symm'); say boundary='mirror' or boundary='symm'"
        )
    if isinstance(boundary, str) and boundary in _ALIASES:
        return _ALIASES[boundary]
    raise ValueError(
        f"boundary must be one of {', '.join(map(repr, BOUNDARIES))} (or scipy's names "
        f"{', '.join(repr(a) for a in _ALIASES if a not in BOUNDARIES)}); got {boundary!r}"
    )


def fill_value(fillvalue: object, spec: ConvSpec) -> tuple[np.ndarray, np.dtype]:
    """`fillvalue` as a 0-d array, and the dtype in which to extend `in1` by it: `in1`'s
    when it holds the value, else the result dtype. A floating dtype holds any real value
    in its range, rounded as any float literal is (0.1 in float32); an integer dtype only
    exact integers in its range, and a real dtype no complex value with an imaginary
    part: those are errors, never truncated or wrapped."""
    value = np.asarray(fillvalue)
    if value.ndim != 0 or value.dtype.kind not in "biufc":
        raise ValueError(
            f"fillvalue must be a numeric scalar; got {fillvalue!r} of type "
            f"{type(fillvalue).__name__}"
        )
    for dtype in (spec.in1.dtype, spec.result_dtype):
        real = value
        if value.dtype.kind == "c" and dtype.kind != "c":
            if value.imag != 0:
                continue
            real = value.real
        with np.errstate(invalid="ignore", over="ignore"):
            cast_value = real.astype(dtype)
        if dtype.kind in "fc":
            # Rounded is fine; overflowing to inf is not.
            if np.isfinite(cast_value) or not np.isfinite(real):
                return cast_value, dtype
        elif np.array_equal(cast_value, real):
            return cast_value, dtype
    raise ValueError(
        f"fillvalue={fillvalue!r} cannot be represented in the result dtype "
        f"{spec.result_dtype}; give a value of that dtype, or cast the inputs"
    )


def widths(spec: ConvSpec) -> list[tuple[int, int]]:
    """Extended samples (in front, behind) per axis of `in1` for `spec`'s mode window."""
    out = [(0, 0)] * spec.ndim
    if spec.mode == "valid":
        return out
    for a in spec.axes:
        n, m = spec.in1.shape[a], spec.in2.shape[a]
        s, length = spec.starts[a], spec.out_shape[a]
        out[a] = (m - 1 - s, s + length - n)
    return out


def extend(
    spec: ConvSpec, rule: Boundary, fill: np.ndarray, dtype: np.dtype, *, values: bool = True
) -> ConvSpec:
    """The spec whose ``valid`` result is `spec`'s result with `in1` extended by `rule`
    (without `values`: a placeholder of the extended shape, for choosing a method)."""
    pads = widths(spec)
    if not values:
        shape = tuple(n + a + b for n, (a, b) in zip(spec.in1.shape, pads, strict=True))
        placeholder = np.broadcast_to(np.zeros((), dtype), shape)
        return make_spec(placeholder, spec.in2, kind=spec.kind, mode="valid", axes=spec.axes)
    x = spec.in1.astype(dtype, copy=False)
    if not any(w for pair in pads for w in pair):
        return spec if x is spec.in1 else spec.with_inputs(x, spec.in2)
    if rule == "fill":
        extended = np.pad(x, pads, mode="constant", constant_values=fill)
    else:
        extended = np.pad(x, pads, mode=cast(Literal["wrap"], NUMPY_PAD[rule]))
    return make_spec(extended, spec.in2, kind=spec.kind, mode="valid", axes=spec.axes)


def circular(spec: ConvSpec, backend: FFTBackend, threads: int) -> np.ndarray | None:
    """`spec` with the ``wrap`` rule by the circular transform of period N per axis (no
    extension), or None when it does not apply: integer results (exactness is the
    extended path's), a period that is not a fast transform length, or non-finite
    inputs (the circular result smears them; the extended path keeps them local).

    Full-result index ``i`` of a convolution is the circular result at ``i mod N``; of
    a correlation (lag ``i - (M - 1)``) at ``(i - (M - 1)) mod N``. A kernel longer than
    N folds onto itself modulo N, which the periodic input cannot tell apart.
    """
    if spec.is_integer or 0 in spec.out_shape:
        return None
    real = spec.in1.dtype.kind != "c" and spec.in2.dtype.kind != "c"
    periods = [spec.in1.shape[a] for a in spec.axes]
    if not all(backend.is_fast_len(n, real) for n in periods):
        return None
    dtype = compute_dtype(spec)
    x = spec.in1.astype(dtype, copy=False)
    h = _fold(spec.in2.astype(dtype, copy=False), spec.axes, periods)
    with np.errstate(invalid="ignore", over="ignore"):  # non-finite: found below
        y, scale = backend.circular_convolve(
            x, h, periods, spec.axes, threads, conjugate=spec.kind == "correlate"
        )
    for a, n in zip(spec.axes, periods, strict=True):
        offset = spec.starts[a] - (spec.in2.shape[a] - 1 if spec.kind == "correlate" else 0)
        y = np.take(y, (offset + np.arange(spec.out_shape[a])) % n, axis=a)
    if scale != 1:
        with np.errstate(invalid="ignore", over="ignore"):
            y = y * scale
    if not all_finite(y):
        return None
    return y.astype(spec.result_dtype, copy=False)


def _fold(h: np.ndarray, axes: tuple[int, ...], periods: list[int]) -> np.ndarray:
    """`h` summed modulo `periods` along `axes` (unchanged where it is no longer)."""
    for a, n in zip(axes, periods, strict=True):
        m = h.shape[a]
        if m <= n:
            continue
        tail = (-m) % n
        h = np.pad(h, [(0, tail) if b == a else (0, 0) for b in range(h.ndim)])
        shape = h.shape[:a] + (math.ceil(m / n), n) + h.shape[a + 1 :]
        h = h.reshape(shape).sum(axis=a)
    return h
