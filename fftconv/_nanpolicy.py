"""``nan_policy=``: what `convolve`/`correlate` do with non-finite input values.

- ``'propagate'`` (default): SPEC.md §4; every method gives the direct sum's answer, so
  a NaN or inf reaches exactly the outputs whose window covers it (`_nonfinite`).
- ``'raise'``: a `ValueError` naming how many non-finite values an input holds and where
  the first one is.
- ``'omit'``: normalised convolution. NaNs of `in1` (after the boundary extension) are
  missing samples: with ``c`` the indicator of the present samples, ``x0`` the input with
  NaNs set to 0 and ``h`` the kernel (``k`` the kernel in the window's orientation),

      out[i] = (x0 ⋆ h)[i] * sum(k) / (c ⋆ h)[i]

  the kernel-weighted sum over the present samples, rescaled by the kernel weight that fell
  on them. An output whose window holds no present sample is NaN, and so is one whose
  present samples carry no kernel weight (``(c ⋆ h)[i]`` indistinguishable from 0 at the
  precision of the computation: a 0/0). Infinities are values, not missing samples: they
  propagate. For a kernel of positive weights ``out`` is a weighted mean of the present
  samples; astropy's ``convolve_fft(nan_treatment='interpolate')`` computes the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np

NanPolicy = Literal["propagate", "raise", "omit"]
NAN_POLICIES: tuple[NanPolicy, ...] = ("propagate", "raise", "omit")

# The constant of SPEC.md §4's bound, as in the tests: a computed (c ⋆ h) below
# C * eps * log2(size) * ||c|| * ||h|| cannot be told from 0.
_BOUND_C = 8.0


def check_finite(a: np.ndarray, name: str) -> None:
    """ValueError if `a` holds a non-finite value (``nan_policy='raise'``)."""
    if a.dtype.kind not in "fc":
        return
    bad = ~np.isfinite(a)
    count = int(np.count_nonzero(bad))
    if count:
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} holds {count} non-finite value{'s' if count > 1 else ''} (NaN or "
            f"inf), the first at index {first}; nan_policy='raise' accepts only finite "
            "values (use 'propagate' or 'omit')"
        )


def omit(
    x: np.ndarray,
    h: np.ndarray,
    *,
    kind: str,
    axes: tuple[int, ...],
    operate: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Normalised convolution of `x` (already extended by the boundary rule) with `h`;
    `operate(a, b)` is the linear operation (kind, mode, axes, method, backend fixed)."""
    if x.dtype.kind not in "fc":
        return operate(x, h)  # integers and booleans hold no NaN
    if h.dtype.kind in "fc" and np.isnan(h).any():
        raise ValueError(
            "in2 holds NaN; nan_policy='omit' treats NaNs of in1 as missing samples, "
            "but the kernel in2 must not have missing values"
        )
    present = ~np.isnan(x)
    if present.all():
        return operate(x, h)
    x0 = np.where(present, x, 0)
    real = np.result_type(x.real.dtype, h.real.dtype)
    sums = operate(x0, h)
    weights = operate(present.astype(real), h)
    # Whether any sample of each window is present, exactly: a boolean result is True
    # where at least one product is True.
    any_present = operate(present, np.ones(h.shape, dtype=bool))
    # sum(k) per batch: the kernel's weight as the operation applies it.
    total = (h.conj() if kind == "correlate" else h).sum(axis=axes, keepdims=True)
    eps = float(np.finfo(weights.dtype).eps)
    floor = (
        _BOUND_C
        * eps
        * math.log2(max(weights.size, 2))
        * math.sqrt(np.count_nonzero(present))
        * float(np.linalg.norm(h.ravel()))
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out = sums * (total / weights)
    out[~any_present | (np.abs(weights) <= floor)] = np.nan
    return out.astype(sums.dtype, copy=False)
