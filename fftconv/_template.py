"""`match_template`: zero-normalised cross-correlation (ZNCC) of an image with a template.

The score of the window ``W`` of the image under the template ``T`` (``n`` samples each)
is the correlation coefficient

    ``sum((W - mean W) * (T - mean T)) / sqrt(sum((W - mean W)**2) * sum((T - mean T)**2))``

computed as scikit-image's ``feature.match_template`` computes it (J. P. Lewis, "Fast
Normalized Cross-Correlation", 1995): the numerator is one FFT correlation of the image
with the zero-mean template, and the window variances come from running window sums of the
image and of its square (``S2 - S1**2 / n``). What differs, for speed and accuracy:

* The numerator is one real FFT of the image only, with the circular length the valid
  window needs (`_numerator`); the template's spectrum is the only other transform.
* The image is shifted by its mean first (a rounded mean for integer images, whose sums
  then stay exact). Neither the score nor the variance changes, but ``S2`` no longer
  carries ``n * mean**2`` for ``S2 - S1**2 / n`` to cancel (catastrophically, in bright
  windows of large images).
* The running sums are float64 for every image dtype, and their rounding error has a
  proven bound (`_window_sums`): a window whose variance sum is within that bound of zero
  is *flat* and scores 0. scikit-image tests ``sqrt(var * template_var) > eps`` instead,
  an absolute threshold that returns rounding noise (any value, even outside [-1, 1]) for
  flat windows of non-integer images.
* Scores are clipped to [-1, 1], and a non-finite sample makes only the windows that
  cover it NaN.
"""

from __future__ import annotations

import math
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import ArrayLike

from . import _memory
from ._backends import resolve_backend
from ._spec import as_input_array, choice

PadMode = Literal[
    "constant",
    "edge",
    "linear_ramp",
    "maximum",
    "mean",
    "median",
    "minimum",
    "reflect",
    "symmetric",
    "wrap",
]
PAD_MODES: tuple[PadMode, ...] = (
    "constant",
    "edge",
    "linear_ramp",
    "maximum",
    "mean",
    "median",
    "minimum",
    "reflect",
    "symmetric",
    "wrap",
)


def match_template(
    image: ArrayLike,
    template: ArrayLike,
    *,
    pad_input: bool = False,
    mode: PadMode = "constant",
    constant_values: ArrayLike = 0,
) -> np.ndarray:
    """Locate a template in an image by zero-normalised cross-correlation.

    The result at each position is the correlation coefficient (Pearson's r) between the
    template and the image window under it: 1 where the window is an increasing affine
    function of the template (``a * template + b`` with ``a > 0``), -1 for ``a < 0``,
    and in between otherwise. It is insensitive to the brightness and contrast of the
    window. Same semantics, output shape and dtype as `skimage.feature.match_template`,
    computed faster (see Notes).

    Parameters
    ----------
    image : array_like
        The image: real numbers (bool, integers, floats), any number of dimensions
        >= 1 (scikit-image takes 2-D and 3-D).
    template : array_like
        What to look for: the same number of dimensions as `image` and no larger along
        any axis, not empty.
    pad_input : bool, optional
        False (default): only windows that lie inside the image; the result has shape
        ``image.shape - template.shape + 1`` and index ``i`` is the window whose first
        (top-left) sample is ``image[i]``. True: the image is padded so that the result
        has the shape of `image` and index ``i`` is the window whose centre is
        ``image[i]`` (for an even template length ``m`` the window starts at
        ``i - m // 2``).
    mode : str, optional
        How `image` is padded when `pad_input` is True, as `numpy.pad`: ``'constant'``
        (default; `constant_values`), ``'edge'``, ``'linear_ramp'``, ``'maximum'``,
        ``'mean'``, ``'median'``, ``'minimum'``, ``'reflect'``, ``'symmetric'`` or
        ``'wrap'``. Validated but unused when `pad_input` is False.
    constant_values : scalar or array_like, optional
        The padding value(s) of ``mode='constant'``, as `numpy.pad` takes them
        (default 0).

    Returns
    -------
    numpy.ndarray
        The scores, in [-1, 1]: float32 for float16 and float32 images, float64
        otherwise (as scikit-image; integer and bool images are converted to float64).

    Raises
    ------
    ValueError
        `image` is 0-d; `template` has another number of dimensions, is larger than
        `image` along an axis, or is empty; unknown `mode` (``'empty'`` is refused: its
        padding is uninitialised memory); `constant_values` that `numpy.pad` cannot
        broadcast.
    TypeError
        Complex, non-numeric (object, string, datetime) or masked inputs; a non-bool
        `pad_input`; non-real `constant_values`.

    See Also
    --------
    correlate : The plain cross-correlation (the numerator of the score).

    Notes
    -----
    **Flat windows.** The score is undefined where the window (or the template) is
    constant; it is 0 there, as in scikit-image. A window is flat when its sum of
    squared deviations is within the proven rounding bound of the running sums, which
    grows like ``eps * size * sum(image**2) / min(image.shape)`` (``eps`` of float64,
    in which the sums are kept for every dtype): for a 1024² 8-bit image and a 32²
    template, windows whose standard deviation is below about 1e-3 gray levels. The
    template is flat when its values vary by less than a few ``eps`` (of the result
    dtype) of its largest magnitude; then every score is 0.

    **Non-finite values.** A NaN or infinity in the image (or in the padding) makes the
    score NaN exactly in the windows that cover it (scikit-image spreads it over most
    of the result); one in the template makes every score NaN.

    **Precision.** The numerator is an FFT correlation, accurate to about
    ``eps * log2(size) * ||image - mean|| * ||template - mean||`` (SPEC.md §4), so a
    score is accurate to about ``eps * log2(size) * ||image - mean|| / sqrt(var)``
    (``var``: the window's sum of squared deviations). For float64 that is far below
    1e-6 in every window that is not flat; with float64 images the scores equal
    scikit-image's within 1e-6 (tested), except in flat windows of non-integer images
    where scikit-image returns rounding noise. float32 images are transformed in single
    precision: expect errors of 1e-4 to 1e-2 in low-contrast windows of large images.

    **Cost.** One real FFT of the (padded) image, of the size the valid window needs,
    and one of the zero-padded template, by the current backend (see `set_backend`);
    then ``O(size)`` running sums. Measured on a 1024² image with 32²-128² templates
    (benchmarks/bench_template.py) it took 0.3-0.4 of scikit-image's time with
    ``pad_input=False`` and 0.45-0.65 with ``pad_input=True`` (scikit-image transforms
    the image padded by the template size on every side in both cases).

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> template = np.zeros((3, 3))
    >>> template[1, 1] = 1
    >>> image = np.zeros((6, 6))
    >>> image[1, 1] = 1
    >>> image[4, 4] = -1
    >>> np.round(fc.match_template(image, template), 3)
    array([[ 1.   , -0.125,  0.   ,  0.   ],
           [-0.125, -0.125,  0.   ,  0.   ],
           [ 0.   ,  0.   ,  0.125,  0.125],
           [ 0.   ,  0.   ,  0.125, -1.   ]])

    The best match is the largest score; with ``pad_input=True`` it is the centre of
    the matching window:

    >>> scores = fc.match_template(image, template, pad_input=True)
    >>> scores.shape
    (6, 6)
    >>> np.unravel_index(np.argmax(scores), scores.shape)
    (np.int64(1), np.int64(1))

    Windows where the image is constant score 0:

    >>> fc.match_template(np.ones(5), np.array([1.0, 2.0]))
    array([0., 0., 0., 0.])
    """
    img = _real_array(image, "image")
    tpl = _real_array(template, "template")
    if not isinstance(pad_input, (bool, np.bool_)):
        raise TypeError(f"pad_input must be True or False; got {pad_input!r}")
    if mode == "empty":
        raise ValueError(
            "mode='empty' is not accepted: numpy.pad leaves that padding uninitialised, so "
            "the scores near the border would be arbitrary; choose one of "
            + ", ".join(repr(m) for m in PAD_MODES)
        )
    mode = cast(PadMode, choice(mode, "mode", PAD_MODES))
    cval = _constant_values(constant_values, img.ndim)
    _check_shapes(img, tpl)

    dtype = np.dtype(np.float32) if img.dtype in _SINGLE else np.dtype(np.float64)
    window = tpl.shape
    if pad_input:
        # Output i is the window that starts at i - m // 2 (scikit-image's centring), so
        # the windows reach m // 2 samples before the image and (m - 1) // 2 after it.
        pads = tuple((w // 2, (w - 1) // 2) for w in window)
    else:
        pads = tuple((0, 0) for _ in window)

    # Before allocating: the float64 stack of up to three layers, the FFT's buffers
    # (`CircularPlan.estimate_bytes`: five of the padded size) and the scores.
    padded = math.prod(n + lo + hi for n, (lo, hi) in zip(img.shape, pads, strict=True))
    _memory.require((3 * 8 + 5 * dtype.itemsize + dtype.itemsize) * padded, "match_template")
    t0, ssd = _zero_mean_template(tpl, dtype)
    # Non-finite values are handled explicitly (masked, then NaN where they fall), so
    # the arithmetic below meets none; overflow of huge finite values is the caller's.
    with np.errstate(over="ignore", invalid="ignore"):
        stack = _layers(img, window, pads, mode, cval)
        numerator, scale = _numerator(_layer(stack, 0), t0, dtype)
        sums, unit, bound = _window_sums(stack, window)  # overwrites the stack
        scores = _scores(numerator, scale, sums, unit, bound, ssd, math.prod(window), dtype)
        if _layer_count(sums) == 3:
            # Windows that cover a non-finite sample: the window sum of their 0/1 mask.
            scores[_layer(sums, 2) > 0.5 / unit] = np.nan
    if not math.isfinite(ssd):  # a non-finite template: no score is defined
        scores[...] = np.nan
    return scores


def _numerator(shifted: np.ndarray, t0: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, float]:
    """The valid correlation of the shifted image with the zero-mean template: a view
    of the FFT backend's reused output buffer (read it before the next FFT of this
    thread) and the scale it is to be multiplied by.

    This is `correlate`'s FFT engine (the current backend, its cached plans, the
    conjugated template spectrum of SPEC.md §2) called directly with the period the
    valid window needs: the circular correlation of period ``L >= N`` holds lag ``k``
    at index ``k``, and no valid lag (``0 <= k <= N - M``) wraps. ``correlate(...,
    'valid')`` pads to ``N + M - 1`` for the full result, checks its result for
    non-finite values and copies the window out: measured here (1024² image, 32²-128²
    templates) this direct call took about half its time.
    """
    backend = resolve_backend(None)
    lengths = [backend.next_fast_len(n, True, shifted.ndim, dtype) for n in shifted.shape]
    circ, scale = backend.circular_convolve(
        shifted.astype(dtype, copy=False), t0, lengths, tuple(range(t0.ndim)), 1, True
    )
    valid = tuple(slice(0, n - m + 1) for n, m in zip(shifted.shape, t0.shape, strict=True))
    return circ[valid], scale


_SINGLE = (np.dtype(np.float16), np.dtype(np.float32))
# Running sums are always accumulated in float64 (also for float32 images): it costs a
# fraction of the FFT, and it keeps the flatness test meaningful in float32.
_SUMS = np.dtype(np.float64)
_EPS = float(np.finfo(np.float64).eps)


def _real_array(value: object, name: str) -> np.ndarray:
    arr = as_input_array(value, name)
    if arr.dtype.kind == "c":
        raise TypeError(
            f"{name} has dtype {arr.dtype}; match_template takes real arrays (bool, integers, "
            "floats): the correlation coefficient of complex values is not defined here. "
            "Match the real and imaginary parts, or the magnitude, separately."
        )
    return arr


def _constant_values(value: object, ndim: int) -> np.ndarray:
    """`constant_values` as numpy.pad's ``(ndim, 2)`` table of before/after values."""
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"constant_values could not be converted to numbers: {exc}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            "constant_values must be real numbers (a scalar or numpy.pad's per-axis pairs); "
            f"got {value!r} of dtype {arr.dtype}"
        )
    try:
        return np.broadcast_to(arr, (ndim, 2)).astype(np.float64)
    except ValueError:
        raise ValueError(
            f"constant_values must be a scalar or broadcast to shape ({ndim}, 2) (numpy.pad's "
            f"before/after value per axis); got shape {arr.shape}"
        ) from None


def _check_shapes(img: np.ndarray, tpl: np.ndarray) -> None:
    if img.ndim == 0:
        raise ValueError(
            "image must have at least 1 dimension (2-D images and 3-D volumes are the usual "
            "case); got a 0-d array"
        )
    if tpl.ndim != img.ndim:
        raise ValueError(
            f"template must have as many dimensions as image; got template.ndim={tpl.ndim} "
            f"(shape {tpl.shape}) and image.ndim={img.ndim} (shape {img.shape})"
        )
    if tpl.size == 0:
        raise ValueError(f"template must not be empty; got shape {tpl.shape}")
    if any(w > n for w, n in zip(tpl.shape, img.shape, strict=True)):
        raise ValueError(
            f"template must be no larger than image along every axis; got template shape "
            f"{tpl.shape} and image shape {img.shape}"
        )


def _zero_mean_template(tpl: np.ndarray, dtype: np.dtype) -> tuple[np.ndarray, float]:
    """The template minus its mean, in `dtype`, and its sum of squares: 0.0 when the
    template is flat, NaN when it is not finite. Computed in float64 (it is small)."""
    t = tpl.astype(np.float64)  # a copy: the caller's template is never written
    if not np.isfinite(t).all():
        return np.zeros(tpl.shape, dtype), math.nan
    peak = float(np.abs(t).max())
    t -= t.mean()
    t0 = t.astype(dtype, copy=False)
    ssd = float(np.sum(np.square(t0, dtype=np.float64)))
    # Flat: what deviation is left is the rounding of the mean, a few eps of the peak.
    if ssd <= t0.size * (4.0 * float(np.finfo(dtype).eps) * peak) ** 2:
        ssd = 0.0
    return t0, ssd


def _layer(stack: np.ndarray, j: int) -> np.ndarray:
    """Layer `j` of a stack: the layers sit on the second-to-last axis (or the first,
    in 1-D), so that a row of a non-last axis holds every layer contiguously."""
    return stack[..., j, :]


def _layer_count(stack: np.ndarray) -> int:
    return stack.shape[-2]


def _layers(
    img: np.ndarray,
    window: tuple[int, ...],
    pads: tuple[tuple[int, int], ...],
    mode: PadMode,
    cval: np.ndarray,
) -> np.ndarray:
    """The float64 stack of `_window_sums`' layers: the padded image minus its mean
    (layer 0), its square (layer 1) and, if the padded image has non-finite samples,
    their 0/1 mask (layer 2; those samples are 0 in layers 0 and 1)."""
    spans = tuple(lo + n + hi for n, (lo, hi) in zip(img.shape, pads, strict=True))
    padding = any(lo or hi for lo, hi in pads)
    fill_scalar = mode == "constant" and bool(np.all(cval == cval.flat[0]))
    fill = float(cval.flat[0])

    source = img
    if padding and not fill_scalar:
        # numpy.pad pads the image converted to float first (as scikit-image: 'mean' of
        # an integer image must not round). 'linear_ramp' depends on the pad width, so it
        # is padded as wide as scikit-image pads (the template size) and cropped.
        work = img.astype(_SUMS, copy=False)
        if mode == "linear_ramp":
            wide = np.pad(work, [(w, w) for w in window], mode="linear_ramp")
            crop = tuple(
                slice(w - lo, w - lo + s) for w, (lo, _), s in zip(window, pads, spans, strict=True)
            )
            source = wide[crop]
        elif mode == "constant":
            source = np.pad(work, pads, mode="constant", constant_values=cval)
        else:
            source = np.pad(work, pads, mode=mode)
    finite = None
    shift = _shift(source)
    if not math.isfinite(shift) or (padding and fill_scalar and not math.isfinite(fill)):
        finite = np.isfinite(source)
        shift = _shift(np.where(finite, source, 0), count=int(finite.sum()))
        if img.dtype.kind in "biu":
            shift = float(round(shift))

    layers = 2 if finite is None else 3
    if img.ndim == 1:
        stack = np.empty((layers, spans[0]), dtype=_SUMS)
    else:
        stack = np.empty((*spans[:-1], layers, spans[-1]), dtype=_SUMS)
    data = _layer(stack, 0)
    if source is img and padding:
        # Constant padding: written straight into the layer, no padded copy.
        inner = tuple(slice(lo, lo + n) for n, (lo, _) in zip(img.shape, pads, strict=True))
        np.subtract(img, shift, out=data[inner], casting="unsafe")
        for a, (lo, _) in enumerate(pads):
            for part in (slice(0, lo), slice(lo + img.shape[a], spans[a])):
                data[(slice(None),) * a + (part,)] = fill - shift
    else:
        np.subtract(source, shift, out=data, casting="unsafe")
    if finite is not None:
        bad = ~np.isfinite(data)  # the image's and the padding's
        np.copyto(_layer(stack, 2), bad)
        data[bad] = 0
    np.multiply(data, data, out=_layer(stack, 1))
    return stack


def _shift(values: np.ndarray, count: int | None = None) -> float:
    """The value subtracted from the image: its mean, rounded for integer images (their
    shifted values, sums and sums of squares then stay exact integers)."""
    if count is None:
        mean = float(np.mean(values, dtype=np.float64))
    else:
        mean = float(np.sum(values, dtype=np.float64)) / max(count, 1)
    if values.dtype.kind in "biu" and math.isfinite(mean):
        return float(round(mean))
    return mean


def _window_sums(stack: np.ndarray, window: tuple[int, ...]) -> tuple[np.ndarray, float, float]:
    """Sums of each layer of `stack` over every window of shape `window` (index ``i``:
    the window that starts at ``i``), as ``(sums / unit, unit, bound)``: `bound` is an
    upper bound on the rounding error of ``S2 - S1**2 / n`` for every window (S1, S2:
    the window sums of layers 0 and 1). Overwrites `stack`.

    Axis by axis. Along a non-last axis, as scikit-image: the cumulative sum ``P``, then
    ``P[i + w - 1] - P[i - 1]``, one row of every layer at a time (contiguous; several
    times faster than numpy's cumsum along that axis). Along the last axis,
    `scipy.ndimage.uniform_filter1d` (a running mean in float64, twice as fast as
    cumsum and difference there): those sums come out divided by ``unit = w``.

    The bound is the worst case of recursive summation. A prefix sum of ``L`` terms is
    within ``L * eps`` of the sum of their magnitudes, so a window sum along an axis is
    within ``2 * L * eps * T`` (``T``: the largest sum of magnitudes along a line of the
    axis); the running mean's error (one rounding of the difference, the division and
    the addition per step) is within ``3 * L * eps * T``. An error made along one axis
    is summed over the windows of the later axes. Layer 0's magnitudes come from layer
    1's by Cauchy-Schwarz.
    """
    ndim = stack.ndim - 1
    inner = 1  # the window volume along the axes already summed
    res = stack
    unit = 1.0
    total2 = 0.0
    terms: list[tuple[float, float, int]] = []  # per summed axis: its error terms, w
    for a, w in enumerate(window):
        if w == 1:
            continue
        axis = a if a < ndim - 1 else ndim  # the layer axis sits before the last one
        length = res.shape[axis]
        count = length - w + 1
        pre: tuple[Any, ...] = (slice(None),) * axis
        if axis == res.ndim - 1:
            total2 = float(res[..., 1, :].sum(axis=-1).max())
            grow = 3.0
            # Output j averages input j - w // 2 ... j + (w - 1) // 2; mode='constant'
            # only reaches outputs outside the valid ones kept here.
            from scipy import ndimage  # imported here: 0.3-0.8 s that `import fftconv` skips

            # Into an uninitialised array: ndimage's own output is np.zeros, a pass more
            # (1.2 ms of 47 at 1024² with a 64² template and pad_input=True).
            filtered = np.empty(res.shape, dtype=res.dtype)
            ndimage.uniform_filter1d(res, w, axis=-1, output=filtered, mode="constant")
            res = filtered[..., w // 2 : w // 2 + count]
            unit = float(w)
        else:
            for i in range(1, length):
                np.add(res[(*pre, i)], res[(*pre, i - 1)], out=res[(*pre, i)])
            total2 = float(_layer(res[(*pre, length - 1)], 1).max())
            grow = 2.0
            # In place, the window sum ending at i: P[i] - P[i - w], from the end
            # backwards in runs of at most w (a run then never reads what it writes).
            for stop in range(length, w, -w):
                start = max(w, stop - w)
                np.subtract(
                    res[(*pre, slice(start, stop))],
                    res[(*pre, slice(start - w, stop - w))],
                    out=res[(*pre, slice(start, stop))],
                )
            res = res[(*pre, slice(w - 1, length))]
        # The largest sum of |layer 0| along a line: the line's values are window sums
        # over `inner` samples, so by Cauchy-Schwarz at most sqrt(length * inner * total2).
        total1 = math.sqrt(length * inner * total2)
        terms.append((grow * length * _EPS * total1, grow * length * _EPS * total2, w))
        inner *= w
    err1 = err2 = 0.0
    later = inner
    for e1, e2, w in terms:
        later //= w
        err1 += e1 * later
        err2 += e2 * later
    n = math.prod(window)
    # Every window's S2 is at most the largest line total along the last summed axis.
    max_s2 = total2 if terms else float(_layer(res, 1).max(initial=0.0))
    # S1**2 / n with |S1| <= sqrt(n * S2), and the rounding of the last operations.
    bound = err2 + 2 * err1 * math.sqrt(max_s2 / n) + err1 * err1 / n + 8 * _EPS * max_s2
    return res, unit, bound


def _scores(
    numerator: np.ndarray,
    scale: float,
    sums: np.ndarray,
    unit: float,
    bound: float,
    ssd: float,
    n: int,
    dtype: np.dtype,
) -> np.ndarray:
    """``scale * numerator / sqrt(variance_sum * ssd)`` clipped to [-1, 1], in a new
    array of `dtype`: 0 where the window is flat (its variance sum, from the window
    sums ``unit * sums`` of `n` samples, within `bound` of 0) or the template is flat.
    Overwrites `sums`."""
    out = np.empty(numerator.shape, dtype=dtype)
    if not ssd > 0.0:  # a flat (or non-finite) template: no window has a score
        out[...] = 0
        return out
    # The squared denominator over `scale` (so that one division gives the score):
    # var * k with var = (S2 - S1**2 / n) / unit, in place in layer 0 (no full-size
    # temporary).
    k = unit * ssd / (scale * scale)
    var = _layer(sums, 0)
    np.square(var, out=var)
    var *= -unit * k / n
    var += np.multiply(_layer(sums, 1), k, out=_layer(sums, 1))
    flat_below = bound / unit * k
    if float(var.min(initial=np.inf)) <= flat_below:  # (one read; flat windows are rare)
        # A flat window's denominator becomes inf, so its score is numerator / inf = 0.
        np.copyto(var, np.inf, where=var <= flat_below)
    np.sqrt(var, out=var)
    np.divide(numerator, var, out=out, casting="same_kind")
    np.clip(out, -1, 1, out=out)
    return out
