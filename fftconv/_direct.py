"""Direct engines: the sliding sum of products, straight from SPEC.md §1.

A correlation is the convolution with ``conj(flip(h))`` (flipped along the convolved
axes): the same sum, written in convolution form. Two engines:

* 1-D, unbatched: `numpy.convolve` (compiled inner loop, any numeric or object dtype).
* N-D or batched: a sum of shifted slices. For each element ``g[j]`` of the smaller
  operand, ``out[window] += g[j] * x[shifted window]``: one vectorised multiply-add over
  the whole output per element, which beats scipy.signal's generic N-D loop by 10-30x
  for the small kernels where direct is the right method. Convolution is commutative, so
  the loop runs over whichever operand has fewer elements along the convolved axes.

The arithmetic happens in the dtype of the inputs given (the caller picks int64 or
Python objects for exact integers, the float/complex compute dtype otherwise), so
non-finite values propagate exactly as in the definition.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ._spec import ConvSpec, Mode, mode_window


def convolution_kernel(h: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """`h` for a convolution; ``conj(flip(h))`` along the convolved axes for a correlation."""
    if spec.kind == "convolve":
        return h
    g = h[_flip(h.ndim, spec.axes)]
    return np.conjugate(g) if g.dtype.kind in "cO" else g


@functools.lru_cache(maxsize=256)  # ~1 us a call, which a 20 us FFT call notices
def _flip(ndim: int, axes: tuple[int, ...]) -> tuple[slice, ...]:
    return tuple(slice(None, None, -1) if a in axes else slice(None) for a in range(ndim))


def direct_convolve(x: np.ndarray, h: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The mode window of the linear result by the direct sum, in the dtype of x and h."""
    g = convolution_kernel(h, spec)
    if x.ndim == 1 and not _complex_nonfinite(x, g):
        return numpy_1d(x, g, spec.mode)
    return _shifted_slices(x, g, spec)


def _complex_nonfinite(x: np.ndarray, g: np.ndarray) -> bool:
    """numpy.convolve's complex inner loop gives NaN where the definition's elementwise
    products give inf (``(inf+0j) * (1+1j) == inf+infj``), so such inputs go through
    the shifted-slice engine, which multiplies elementwise."""
    if x.dtype.kind != "c":
        return False
    return not (np.isfinite(x).all() and np.isfinite(g).all())


def numpy_1d(x: np.ndarray, g: np.ndarray, mode: Mode) -> np.ndarray:
    """The `mode` window of the 1-D convolution of `x` and `g` by `numpy.convolve`."""
    n, m = x.shape[0], g.shape[0]
    # numpy's 'full' and 'valid' are scipy's; numpy's 'same' is scipy's only when n >= m.
    if mode != "same" or n >= m:
        return np.convolve(x, g, mode=mode)
    start, length = mode_window(n, m, mode)
    return np.convolve(x, g, mode="full")[start : start + length]


def _shifted_slices(x: np.ndarray, g: np.ndarray, spec: ConvSpec) -> np.ndarray:
    axes = spec.axes
    if math.prod(g.shape[a] for a in axes) > math.prod(x.shape[a] for a in axes):
        x, g = g, x  # loop over the smaller operand
    dtype = np.result_type(x.dtype, g.dtype)
    out = np.zeros(spec.out_shape, dtype=dtype)
    # One scratch buffer for every product: a fresh temporary per step cost 20-30% here
    # (page faults; glibc returns large freed blocks to the system).
    scratch = np.empty(spec.out_shape, dtype=dtype)
    for j in np.ndindex(*(g.shape[a] for a in axes)):
        out_index: list[slice] = [slice(None)] * x.ndim
        x_index: list[slice] = [slice(None)] * x.ndim
        g_index: list[slice] = [slice(None)] * x.ndim
        for a, ja in zip(axes, j, strict=True):
            # out[o] (full index o + start) takes x[o + start - ja] * g[ja].
            shift = spec.starts[a] - ja
            lo = max(0, -shift)
            hi = min(spec.out_shape[a], x.shape[a] - shift)
            if lo >= hi:
                break
            out_index[a] = slice(lo, hi)
            x_index[a] = slice(lo + shift, hi + shift)
            g_index[a] = slice(ja, ja + 1)
        else:
            target = out[tuple(out_index)]
            products = scratch[tuple(slice(0, n) for n in target.shape)]
            np.multiply(x[tuple(x_index)], g[tuple(g_index)], out=products)
            target += products
    return out


def direct_macs(spec: ConvSpec) -> int:
    """Multiply-adds of the direct sum for `spec` (per batch element times batch size)."""
    total = 1
    for a in range(spec.ndim):
        if a in spec.axes:
            n, m = spec.in1.shape[a], spec.in2.shape[a]
            start, length = spec.starts[a], spec.out_shape[a]
            total *= _terms_before(start + length, n, m) - _terms_before(start, n, m)
        else:
            total *= spec.out_shape[a]
    return total


def _terms_before(stop: int, n: int, m: int) -> int:
    """Products in full-result outputs 0 ... stop-1: output p sums
    ``min(p, m-1) - max(0, p-n+1) + 1`` products (a trapezoid), in closed form."""
    rising = stop * (stop + 1) // 2 if stop <= m else m * (m + 1) // 2 + (stop - m) * m
    falling = (stop - n) * (stop - n + 1) // 2 if stop > n else 0
    return rising - falling
