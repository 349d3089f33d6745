"""Time series: cross-correlation with lags and scaling, autocorrelation, delay estimation.

`xcorr` and `autocorr` return a correlation together with its lag axis, scaled as MATLAB's
``xcorr`` scales it; `estimate_delay` turns a cross-correlation into the delay between two
signals. Every function correlates along one axis (``axis``) and broadcasts the others, so
a batch of channels is one call.

How a window of lags ``lo ... hi`` is computed (``_raw``), chosen per call by predicted
cost (``_choose``):

* ``'direct'``: one dot product per lag, ``O(N)`` each, for a handful of lags;
* ``'blocked'``: overlap-save over the window: `y` is cut into blocks of ``B`` samples, each
  block correlated with the stretch of `x` it can meet (``B + W - 1`` samples for a window of
  ``W`` lags, no wrap inside the transform), and the cross-spectra of all blocks are summed
  before a single inverse transform. About ``2 N log2(P)`` work for transforms of ``P``
  points instead of ``3 * 2N log2(2N)`` for the full correlation, and the transforms stay in
  cache: a small `maxlag` on a long series never pays for the full correlation;
* ``'full'``: `fftconv.correlate` (``mode='full'``), then the window is sliced out;
* ``'spectrum'`` (autocorrelations only): Wiener-Khinchin, the inverse transform of the
  power spectrum ``|X|**2`` zero-padded to ``N + maxlag`` points (enough that lags
  ``0 ... maxlag`` do not wrap): two transforms instead of three.

Series that hold NaN or inf take ``'full'``: `fftconv.correlate` keeps them local to the
lags whose sums contain them, as the direct definition does.
"""

from __future__ import annotations

import math
import operator
from typing import Any, Literal, cast

import numpy as np
import scipy.fft
from numpy.typing import ArrayLike

from . import _memory, _method
from ._api import correlate
from ._backends import resolve_backend
from ._choose import choose_method
from ._spec import as_input_array, choice

Scale = Literal["none", "biased", "unbiased", "coeff", "normalized"]
DelayMethod = Literal["cc", "phat"]
Engine = Literal["direct", "blocked", "full", "spectrum"]

SCALES: tuple[Scale, ...] = ("none", "biased", "unbiased", "coeff", "normalized")
DELAY_METHODS: tuple[DelayMethod, ...] = ("cc", "phat")

# Cost-model constants of what `_method` has no model for, in the units of the active
# profile's transform table (ns of its 2026-12-03 slow spell: only ratios matter). The
# direct path's einsum per multiply-add, and per lag (a Python-level einsum call); the
# blocked path's sum of cross-spectra per complex multiply-add, and its two zero-padded
# copies per sample. ``python benchmarks/bench_timeseries.py --crossover`` prints each
# engine's measured time over its prediction at 1-1000 lags on 10**6 samples; the einsum
# constants were raised so that the two engines' ratios agree (two runs on the project's
# 2-core AMD EPYC VM, numpy 2.4.6, scipy 1.17.1, 2026-12-03, load average 3-6: direct/
# blocked ratios of 1.3 for float64, 1.5-2.1 for the other dtypes before). float32's
# constant also absorbs the transform table, which predicts scipy's float32 transforms
# slower than its float64 ones where the blocked path measured them at 0.6x. The pick
# switches from 'direct' to 'blocked' at about 8 lags (float64, 10**6 samples): measured
# 8 lags direct 33-41 ms, blocked 38-57 ms; 16 lags 60-88 ms against 35-48 ms.
EINSUM_NS = {"f4": 1.07, "f8": 1.04, "c8": 4.4, "c16": 4.8}
EINSUM_CALL_NS = 3000.0
BLOCK_PRODUCT_NS = 2.6
COPY_NS = 0.5
# Blocked transform lengths: 2**k and 3 * 2**(k-1), at least BLOCK_MIN_LENGTH and twice
# the window, at most BLOCK_MAX_LENGTH or four times the window. Measured on 10**6 samples
# (21 and 2001 lags, scipy.fft, 2026-12-03, a busy machine): lengths of 1536-32768 points
# ran within noise of each other, 65536 up to 1.4x slower (the groups of blocks hold fewer
# blocks; the transform table's single transforms do not show it); below 1024 the
# per-transform overhead of a batch of small transforms made it 1.3-2x slower.
BLOCK_MIN_LENGTH = 4096
BLOCK_MAX_LENGTH = 1 << 15
# Points transformed per group of blocks: measured 2**17 as fast as 2**16 and up to 1.3x
# faster than 2**18-2**22 (the group's spectra stay in the 512 KiB L2 cache).
GROUP_POINTS = 1 << 17
# The transform table holds single transforms, whose per-call overhead dominates below
# this size; a batch of blocks pays it once, so smaller blocks are costed at this size's
# speed per point*log2(points).
BATCH_SPEED_LENGTH = 1 << 14
# Fixed cost of a blocked or spectrum call (validation, planning, a few small arrays).
CALL_NS = 30_000.0


# --------------------------------------------------------------------------- validation


def _axis(axis: object, ndim: int, name: str = "axis") -> int:
    """`axis` as a non-negative int below `ndim`."""
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer; got {axis!r}")
    try:
        ax = operator.index(cast(Any, axis))
    except TypeError:
        raise TypeError(f"{name} must be an integer; got {axis!r}") from None
    if not -ndim <= ax < ndim:
        raise ValueError(
            f"{name}={axis!r} is out of range for an input with {ndim} dimension(s); "
            f"it must be in [{-ndim}, {ndim - 1}]"
        )
    return ax % ndim


def _series(value: object, name: str, axis: object) -> tuple[np.ndarray, int]:
    """`value` as a floating array with the time axis last (a view when possible; never
    written to), and the normalised axis. Integers and booleans become float64, float16
    float32: the correlation is computed in floating point, as MATLAB does."""
    arr = as_input_array(value, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension (a series); got a scalar")
    ax = _axis(axis, arr.ndim)
    if arr.shape[ax] == 0:
        raise ValueError(
            f"{name} is empty along axis {ax} (shape {arr.shape}); a series needs at least "
            "one sample"
        )
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    return np.moveaxis(arr, ax, -1), ax


def _pair(
    x: object, y: object, axis: object, names: tuple[str, str] = ("x", "y")
) -> tuple[np.ndarray, np.ndarray, int]:
    """Two series of one floating dtype, time last, whose other axes broadcast."""
    n1, n2 = names
    a = as_input_array(x, n1)
    b = as_input_array(y, n2)
    if a.ndim != b.ndim:
        raise ValueError(
            f"{n1} and {n2} must have the same number of dimensions; got {n1}.ndim={a.ndim} "
            f"(shape {a.shape}) and {n2}.ndim={b.ndim} (shape {b.shape})"
        )
    xs, ax = _series(a, n1, axis)
    ys, _ = _series(b, n2, axis)
    for i, (n, m) in enumerate(zip(xs.shape[:-1], ys.shape[:-1], strict=True)):
        if n != m and n != 1 and m != 1:
            batch_axis = i if i < ax else i + 1
            raise ValueError(
                f"{n1} shape {a.shape} and {n2} shape {b.shape} do not broadcast along axis "
                f"{batch_axis}; the axes other than axis={ax} must have equal sizes or size 1"
            )
    dtype = np.result_type(xs.dtype, ys.dtype)
    return xs.astype(dtype, copy=False), ys.astype(dtype, copy=False), ax


def _maxlag(maxlag: object) -> int | None:
    if maxlag is None:
        return None
    if isinstance(maxlag, (bool, np.bool_)):
        raise TypeError(f"maxlag must be a non-negative integer or None; got {maxlag!r}")
    try:
        value = operator.index(cast(Any, maxlag))
    except TypeError:
        raise TypeError(
            f"maxlag must be a non-negative integer or None; got {maxlag!r} "
            f"({type(maxlag).__name__})"
        ) from None
    if value < 0:
        raise ValueError(f"maxlag must be a non-negative integer or None; got {value}")
    return value


def _positive_real(value: object, name: str, *, allow_zero: bool) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name} must be a real number; got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        accepted = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name} must be {accepted}; got {value!r}")
    return number


def _all_finite(a: np.ndarray) -> bool:
    # A finite sum proves every term finite (an overflowing sum only sends finite data
    # down the NaN-safe path, which is slower but right).
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(np.sum(a)))


# --------------------------------------------------------------------------- cost model


def _direct_cost(batch: int, lags: int, overlap: int, dtype: np.dtype) -> float:
    per_mac = EINSUM_NS[f"{dtype.kind}{dtype.itemsize}"]
    return lags * (batch * overlap * per_mac + EINSUM_CALL_NS)


def _block_lengths(window: int, longest: int) -> list[int]:
    """Candidate blocked transform lengths: 2**k and 3 * 2**(k-1) from
    ``max(2 * window, BLOCK_MIN_LENGTH)`` (blocks at least as long as the window) to
    ``max(4 * window, BLOCK_MAX_LENGTH)``, and `longest` (one block) where it is shorter."""
    low = max(2 * window, BLOCK_MIN_LENGTH)
    high = min(max(4 * window, BLOCK_MAX_LENGTH), longest)
    out: list[int] = []
    length = 2
    while length <= high:
        out.extend(c for c in (length, 3 * length // 2) if low <= c <= high and c < longest)
        length *= 2
    return [*out, longest] if longest <= max(high, low) else out or [longest]


def _batch_transform_ns(length: int, dtype: np.dtype) -> float:
    """Predicted ns of one of many `length`-point transforms made in one batched call."""
    backend = resolve_backend("scipy")  # the blocked and spectrum paths use scipy.fft
    at = max(length, BATCH_SPEED_LENGTH)
    per = _method.transform_ns(at, dtype, backend, 1) / (at * math.log2(at))
    return per * length * math.log2(max(length, 2))


def _blocked_plan(
    b1: int, b2: int, bout: int, span: int, window: int, dtype: np.dtype
) -> tuple[float, int]:
    """(predicted ns, transform length) of the cheapest blocked correlation: batches of
    `b1` and `b2` series and `bout` results, `span` samples of y, `window` lags."""
    real = dtype.kind != "c"
    longest = int(scipy.fft.next_fast_len(span + window - 1, real))
    best = (math.inf, longest)
    for length in _block_lengths(window, longest):
        block = length - window + 1
        nblocks = -(-span // block)
        one = _batch_transform_ns(length, dtype)
        bins = length // 2 + 1 if real else length
        cost = (
            ((b1 + b2) * nblocks + bout) * one
            + bout * nblocks * bins * BLOCK_PRODUCT_NS
            + (b1 + b2) * nblocks * block * COPY_NS
            + CALL_NS
        )
        best = min(best, (cost, length))
    return best


def _choose(
    x: np.ndarray, y: np.ndarray | None, lo: int, hi: int
) -> tuple[Engine, dict[str, float], int]:
    """The engine for lags ``lo ... hi`` (`y` None: the autocorrelation of `x`, ``lo ==
    0``): the cheapest by predicted cost, or 'full' for every lag of a cross-correlation;
    with the predicted costs and the blocked transform length."""
    other = x if y is None else y
    nx, ny = x.shape[-1], other.shape[-1]
    b1 = math.prod(x.shape[:-1])
    b2 = b1 if y is None else math.prod(other.shape[:-1])
    bout = max(b1, b2) if 0 not in (b1, b2) else 0
    window = hi - lo + 1
    dtype = x.dtype
    span = min(ny, nx - lo) - max(0, -hi)  # samples of y that meet x at some lag
    overlap = min(nx, ny)
    costs = {"direct": _direct_cost(bout, window, overlap, dtype)}
    costs["blocked"], length = _blocked_plan(b1, b2, bout, span, window, dtype)
    if y is None:
        real = dtype.kind != "c"
        nfft = int(scipy.fft.next_fast_len(nx + hi, real))
        one = _method.transform_ns(nfft, dtype, resolve_backend("scipy"), 1)
        costs["spectrum"] = 2 * b1 * one + CALL_NS
    else:
        costs["full"] = min(choose_method(x, y, "full", kind="correlate", axes=-1).costs.values())
        if (lo, hi) == (1 - ny, nx - 1):
            # Every lag: `fftconv.correlate` itself (its own choice of method, exact
            # integers in, non-finite values kept local); the window engines win only on
            # a part of the lags.
            return "full", costs, length
    return cast(Engine, min(costs, key=costs.__getitem__)), costs, length


# --------------------------------------------------------------------------- engines


def _direct(x: np.ndarray, y: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """``sum_n x[n + k] conj(y[n])`` for ``k = lo ... hi``, one dot product per lag."""
    nx, ny = x.shape[-1], y.shape[-1]
    batch = np.broadcast_shapes(x.shape[:-1], y.shape[:-1])
    out = np.empty((*batch, hi - lo + 1), dtype=x.dtype)
    yc = y.conj() if y.dtype.kind == "c" else y  # a copy only for complex input
    for i, k in enumerate(range(lo, hi + 1)):
        start_y = max(0, -k)
        stop_y = min(ny, nx - k)
        # einsum, not BLAS: OpenBLAS threads its dot products from ~10**4 samples, and on
        # a busy 2-core machine a threaded dot of 10**6 samples was measured to take
        # 0.2 ms or 20 ms at random (the waiting thread loses its time slice); einsum's
        # single-threaded loop takes 0.7-1.0 ms every time.
        out[..., i] = np.einsum(
            "...n,...n->...", x[..., start_y + k : stop_y + k], yc[..., start_y:stop_y]
        )
    return out


def _blocked(x: np.ndarray, y: np.ndarray | None, lo: int, hi: int, length: int) -> np.ndarray:
    """Lags ``lo ... hi`` by overlap-save over the window (module docstring), with
    transforms of `length` points; `y` None: the autocorrelation of `x`.

    Block ``b`` holds ``B = length - W + 1`` samples of y from ``y0 = start + b*B``; it
    meets the ``length`` samples of x from ``y0 + lo``, and lag ``lo + m`` of their
    circular correlation sits at index ``m < W`` with nothing wrapped. Groups of blocks
    are transformed together, from views of the inputs where they lie inside them (a
    padded copy of the whole input was measured to cost as much as a transform pass:
    fresh pages are faulted in), and their cross-spectra summed."""
    other = x if y is None else y
    nx, ny = x.shape[-1], other.shape[-1]
    window = hi - lo + 1
    block = length - window + 1
    start = max(0, -hi)  # y samples before this meet no x sample at any lag of the window
    span = min(ny, nx - lo) - start  # and none from start + span on
    nblocks = -(-span // block)
    real = x.dtype.kind != "c"
    forward = scipy.fft.rfft if real else scipy.fft.fft
    batch = np.broadcast_shapes(x.shape[:-1], other.shape[:-1])
    bins = length // 2 + 1 if real else length
    total = np.zeros((*batch, bins), dtype=np.result_type(x.dtype, np.complex64))
    group = max(1, GROUP_POINTS // length)
    for first in range(0, nblocks, group):
        count = min(group, nblocks - first)
        y0 = start + first * block
        xs = _stretch(x, y0 + lo, count * block + window - 1)
        segments = np.lib.stride_tricks.sliding_window_view(xs, length, axis=-1)[..., ::block, :]
        ys = _stretch(other, y0, count * block).reshape(*other.shape[:-1], count, block)
        spectra = forward(segments, axis=-1)
        conj = np.conjugate(forward(ys, n=length, axis=-1))
        total += np.einsum("...bf,...bf->...f", spectra, conj)
    circ = (scipy.fft.irfft if real else scipy.fft.ifft)(total, n=length, axis=-1)
    return np.ascontiguousarray(circ[..., :window])


def _stretch(a: np.ndarray, first: int, count: int) -> np.ndarray:
    """``a[..., first : first + count]`` with zeros outside `a`: a view where it lies
    inside, else a zero-padded copy."""
    n = a.shape[-1]
    if first >= 0 and first + count <= n:
        return a[..., first : first + count]
    out = np.zeros((*a.shape[:-1], count), dtype=a.dtype)
    lo, hi = max(first, 0), min(first + count, n)
    if hi > lo:
        out[..., lo - first : hi - first] = a[..., lo:hi]
    return out


def _full(x: np.ndarray, y: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Lags ``lo ... hi`` sliced out of `fftconv.correlate` in mode 'full'."""
    c = correlate(x, y, "full", axes=-1)
    zero = y.shape[-1] - 1  # index of lag 0 in the full result
    return c[..., zero + lo : zero + hi + 1]


def _spectrum(x: np.ndarray, hi: int) -> np.ndarray:
    """Lags ``0 ... hi`` of the autocorrelation of `x` by Wiener-Khinchin: the inverse
    transform of ``|X|**2`` with X zero-padded to at least ``N + hi`` points, so that the
    circular result's lags ``0 ... hi`` hold nothing wrapped from lags ``<= -(N-1)``."""
    n = x.shape[-1]
    real = x.dtype.kind != "c"
    nfft = int(scipy.fft.next_fast_len(n + hi, real))
    # The spectrum, |X|**2 and the inverse, per series (16-byte complex bins).
    _memory.require(3 * 16 * math.prod(x.shape[:-1]) * nfft, "autocorr's power spectrum")
    if real:
        spec = scipy.fft.rfft(x, n=nfft, axis=-1)
        power = spec.real**2 + spec.imag**2
        return scipy.fft.irfft(power, n=nfft, axis=-1)[..., : hi + 1].copy()
    spec = scipy.fft.fft(x, n=nfft, axis=-1)
    power = (spec.real**2 + spec.imag**2).astype(spec.dtype)
    return scipy.fft.ifft(power, n=nfft, axis=-1)[..., : hi + 1].copy()


def _raw(
    x: np.ndarray, y: np.ndarray | None, lo: int, hi: int, path: Engine | None = None
) -> np.ndarray:
    """Unscaled ``sum_n x[n + k] conj(y[n])`` for ``k = lo ... hi`` (every lag with at
    least one term), the batch axes broadcast; `y` None: the autocorrelation of `x`, for
    ``lo == 0``. `path` forces a path (tests); None: the cheapest (`_choose`)."""
    other = x if y is None else y
    length = 0
    if not (_all_finite(x) and (y is None or _all_finite(y))):
        path = "full"
    elif path is None:
        path, _, length = _choose(x, y, lo, hi)
    elif path == "blocked":
        length = _choose(x, y, lo, hi)[2]
    if path == "direct":
        raw = _direct(x, other, lo, hi)
    elif path == "blocked":
        raw = _blocked(x, y, lo, hi, length)
    elif path == "spectrum":
        if y is not None or lo != 0:
            raise ValueError("the spectrum path computes autocorrelations for lags 0 ... hi")
        raw = _spectrum(x, hi)
    else:
        raw = _full(x, other, lo, hi)
    if y is None and raw.dtype.kind == "c":
        # Lag 0 of an autocorrelation is sum |x|**2, real; drop the rounding's imaginary
        # part so that the two-sided sequence is exactly conjugate-symmetric.
        raw[..., 0] = raw[..., 0].real
    return raw


# --------------------------------------------------------------------------- scaling


def _scale(
    raw: np.ndarray, lags: np.ndarray, n: int, scale: str, energy: np.ndarray | None
) -> np.ndarray:
    """MATLAB's scalings of a raw correlation at `lags` for series of `n` samples
    (zero-padded to the longer): biased ``/ n``, unbiased ``/ (n - |k|)`` (0 where no
    term exists, ``|k| >= n``), coeff ``/ energy`` (broadcast over the lag axis)."""
    real = raw.real.dtype
    if scale == "none":
        return raw
    if scale == "biased":
        return _divide(raw, np.asarray(n, dtype=real))
    if scale == "unbiased":
        terms = np.maximum(n - np.abs(lags), 0).astype(real)
        return np.where(terms > 0, _divide(raw, np.where(terms > 0, terms, 1)), 0).astype(raw.dtype)
    assert energy is not None
    # An all-zero series has no normalised correlation: 0/0 is NaN, as in MATLAB.
    with np.errstate(divide="ignore", invalid="ignore"):
        return _divide(raw, energy.astype(real)[..., None])


def _divide(raw: np.ndarray, divisor: np.ndarray) -> np.ndarray:
    """`raw` divided by a real `divisor`; complex values part by part (numpy's complex
    division multiplies by a rounded reciprocal: ``(a + 0j) / a`` can give 0.999...)."""
    if raw.dtype.kind != "c":
        return raw / divisor
    out = np.empty(np.broadcast_shapes(raw.shape, divisor.shape), dtype=raw.dtype)
    np.divide(raw.real, divisor, out=out.real)
    np.divide(raw.imag, divisor, out=out.imag)
    return out


def _embed(raw: np.ndarray, lo: int, hi: int, maxlag: int) -> np.ndarray:
    """Lags ``lo ... hi`` placed in a zero array of lags ``-maxlag ... maxlag``."""
    if lo == -maxlag and hi == maxlag:
        return raw
    out = np.zeros((*raw.shape[:-1], 2 * maxlag + 1), dtype=raw.dtype)
    out[..., lo + maxlag : hi + maxlag + 1] = raw
    return out


def _two_sided(r: np.ndarray) -> np.ndarray:
    """Lags ``-L ... L`` of an autocorrelation from lags ``0 ... L``: ``r[-k] = conj(r[k])``."""
    neg = r[..., :0:-1]
    return np.concatenate([neg.conj() if r.dtype.kind == "c" else neg, r], axis=-1)


# --------------------------------------------------------------------------- public API


def xcorr(
    x: ArrayLike,
    y: ArrayLike | None = None,
    *,
    maxlag: int | None = None,
    scale: Scale = "none",
    axis: int = -1,
) -> tuple[np.ndarray, np.ndarray]:
    """Cross-correlation with its lags, optionally scaled and limited to a window of lags.

    ``c[k] = sum_n x[n + k] * conj(y[n])`` (SPEC.md §1; MATLAB's ``xcorr`` and numpy's
    convention) for lags ``k = -maxlag ... maxlag``; ``c[i]`` is the correlation at
    ``lags[i]``. Inputs of unequal length are zero-padded to the longer, ``N`` samples.

    Parameters
    ----------
    x : array_like
        A series, or a batch of series along `axis`. bool, integer, float or complex.
    y : array_like, optional
        The second series (the same ndim as `x`; the axes other than `axis` broadcast).
        Default None: the autocorrelation of `x` (the same as ``xcorr(x, x)``, computed
        from the power spectrum).
    maxlag : int, optional
        Keep lags ``-maxlag ... maxlag``. Default None: ``N - 1``, every lag. Lags beyond
        ``N - 1`` hold zeros (as MATLAB).
    scale : {'none', 'biased', 'unbiased', 'coeff', 'normalized'}, optional
        ``'none'`` (default): the raw sums. ``'biased'``: divided by ``N``.
        ``'unbiased'``: divided by ``N - |k|``, the number of terms of a series of ``N``
        samples at lag ``k`` (0 for ``|k| >= N``). ``'coeff'`` (alias ``'normalized'``):
        divided by ``sqrt(sum |x|**2 * sum |y|**2)``, so an autocorrelation is 1.0 at lag
        0 (exactly, for ``y=None``). As MATLAB defines them for equal lengths; MATLAB
        rejects the scalings for unequal lengths, here they apply to the padded series.
    axis : int, optional
        The time axis (default: the last).

    Returns
    -------
    lags : numpy.ndarray
        ``arange(-maxlag, maxlag + 1)`` (int64).
    c : numpy.ndarray
        The correlation, with the lag axis in place of `axis` and the other axes
        broadcast; float64 for integer, boolean and float64 inputs, float32 for float32
        and float16, complex when either input is complex.

    Raises
    ------
    ValueError
        Unknown `scale`; negative `maxlag`; `x` and `y` of different ndim or whose other
        axes do not broadcast; an input empty along `axis` or 0-d; `axis` out of range.
    TypeError
        Non-integer or boolean `maxlag` or `axis`; non-numeric or masked inputs.

    See Also
    --------
    autocorr : The autocorrelation of a series, demeaned and scaled by default.
    estimate_delay : The delay between two series, from their cross-correlation.
    correlate : The correlation in scipy.signal's modes.

    Notes
    -----
    Zero lag is at index ``maxlag`` of `c`. A positive lag ``k`` means `x` is `y`
    delayed by ``k`` samples: if ``x[n] = y[n - d]``, the peak is at ``lags == d``.

    **Cost.** Every lag: `fftconv.correlate` (three transforms of about ``2N`` points),
    or for ``y=None`` the power spectrum (two). A window of ``W = 2 * maxlag + 1`` lags
    on a long series is computed, whichever the cost model predicts to be cheaper, by
    ``W`` dot products (``O(W N)``), or by overlap-save over the window (``y`` cut into
    blocks of ``B`` samples, transforms of ``B + W - 1`` points, the blocks'
    cross-spectra summed before one inverse transform: ``O(N log(B + W))`` in cache),
    never by the full correlation: ``maxlag=1000`` on 10**6 samples is about 10x faster
    than ``scipy.signal.correlate`` and slicing (``benchmarks/bench_timeseries.py``).
    Series holding NaN or inf are correlated by `fftconv.correlate`, so a non-finite
    value reaches exactly the lags whose sums contain it. Results agree with the direct
    sum within SPEC.md §4's norm-wise bound; inputs are never modified.

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> lags, c = fc.xcorr([1.0, 2.0, 3.0], [0.0, 1.0, 0.5])
    >>> lags
    array([-2, -1,  0,  1,  2])
    >>> c
    array([0.5, 2. , 3.5, 3. , 0. ])

    A delayed copy peaks at its delay; ``'coeff'`` scales a perfect match to 1:

    >>> rng = np.random.default_rng(0)
    >>> y = rng.standard_normal(1000)
    >>> x = np.roll(y, 7)
    >>> lags, c = fc.xcorr(x, y, maxlag=20, scale='coeff')
    >>> int(lags[np.argmax(c)]), round(float(c.max()), 2)
    (7, 0.99)

    MATLAB's ``'biased'`` and ``'unbiased'``, with a window of lags:

    >>> fc.xcorr([1.0, 1.0, 1.0, 1.0], maxlag=2, scale='unbiased')[1]
    array([1., 1., 1., 1., 1.])
    >>> fc.xcorr([1.0, 1.0, 1.0, 1.0], maxlag=2, scale='biased')[1]
    array([0.5 , 0.75, 1.  , 0.75, 0.5 ])

    A batch of channels along the first axis, correlated pairwise along the last:

    >>> lags, c = fc.xcorr(np.ones((3, 5)), np.ones((1, 5)), maxlag=1)
    >>> c.shape
    (3, 3)
    """
    scale = cast(Scale, choice(scale, "scale", SCALES))
    limit = _maxlag(maxlag)
    if y is None:
        xs, ax = _series(x, "x", axis)
        n = xs.shape[-1]
        L = n - 1 if limit is None else limit
        hi = min(L, n - 1)
        r = _raw(xs, None, 0, hi)
        raw = _two_sided(r)
        lo = -hi
        energy = r[..., 0].real if scale in ("coeff", "normalized") else None
    else:
        xs, ys, ax = _pair(x, y, axis)
        nx, ny = xs.shape[-1], ys.shape[-1]
        n = max(nx, ny)
        L = n - 1 if limit is None else limit
        lo, hi = max(-L, -(ny - 1)), min(L, nx - 1)
        raw = _raw(xs, ys, lo, hi)
        energy = None
        if scale in ("coeff", "normalized"):
            energy = np.linalg.norm(xs, axis=-1) * np.linalg.norm(ys, axis=-1)
    lags = np.arange(-L, L + 1, dtype=np.int64)
    c = _scale(raw, lags[lo + L : hi + L + 1], n, scale, energy)
    return lags, np.moveaxis(_embed(c, lo, hi, L), -1, ax)


def autocorr(
    x: ArrayLike,
    *,
    maxlag: int | None = None,
    scale: Scale = "biased",
    demean: bool = True,
    axis: int = -1,
) -> tuple[np.ndarray, np.ndarray]:
    """Autocorrelation of a series (its autocovariance by default), with its lags.

    ``c[k] = sum_n x[n + k] * conj(x[n])`` of the series less its mean, for lags
    ``k = -maxlag ... maxlag``, scaled as in `xcorr`; computed from the power spectrum
    (Wiener-Khinchin). ``c[maxlag:]`` is the one-sided sequence of lags ``0 ... maxlag``.

    Parameters
    ----------
    x : array_like
        A series, or a batch of series along `axis`. bool, integer, float or complex.
    maxlag : int, optional
        Keep lags ``-maxlag ... maxlag`` (default: every lag, ``N - 1``). Lags beyond
        ``N - 1`` hold zeros.
    scale : {'biased', 'unbiased', 'coeff', 'normalized', 'none'}, optional
        As in `xcorr`. ``'biased'`` (default, divided by ``N``) is the usual
        autocovariance estimate (statsmodels' ``acovf``); ``'coeff'`` the
        autocorrelation function, exactly 1.0 at lag 0 (statsmodels' ``acf``);
        ``'unbiased'`` divides by ``N - |k|`` (``acovf(adjusted=True)``).
    demean : bool, optional
        Subtract the mean of each series first (default True).
    axis : int, optional
        The time axis (default: the last).

    Returns
    -------
    lags : numpy.ndarray
        ``arange(-maxlag, maxlag + 1)``.
    c : numpy.ndarray
        The autocorrelation, with the lag axis in place of `axis`; conjugate-symmetric
        (``c[-k] == conj(c[k])`` exactly). dtypes as in `xcorr`.

    Raises
    ------
    ValueError, TypeError
        As `xcorr`; and a `demean` that is not a bool (TypeError).

    See Also
    --------
    xcorr : Cross-correlation; ``autocorr(x, demean=False, scale=s)`` equals
        ``xcorr(x, scale=s)``.

    Notes
    -----
    Wiener-Khinchin: the inverse transform of ``|X|**2``, with `x` zero-padded to at
    least ``N + maxlag`` points so that no lag wraps onto lags ``0 ... maxlag``: two
    transforms of that size, ``O(N log N)``. For a few lags of a long series the cost
    model may pick dot products or overlap-save over the window instead (see `xcorr`);
    all agree with the direct sum within SPEC.md §4's norm-wise bound. A constant series
    (zero after demeaning) has ``'coeff'`` NaN (0/0). Inputs are never modified.

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> lags, c = fc.autocorr([1.0, 2.0, 3.0, 4.0])
    >>> c
    array([-0.5625, -0.375 ,  0.3125,  1.25  ,  0.3125, -0.375 , -0.5625])

    The autocorrelation function of a noisy sine wave shows its period (20 samples):

    >>> rng = np.random.default_rng(1)
    >>> t = np.arange(2000)
    >>> x = np.sin(2 * np.pi * t / 20) + 0.5 * rng.standard_normal(t.size)
    >>> lags, acf = fc.autocorr(x, maxlag=30, scale='coeff')
    >>> acf[lags == 0], int(lags[lags > 5][np.argmax(acf[lags > 5])])
    (array([1.]), 20)
    """
    scale = cast(Scale, choice(scale, "scale", SCALES))
    if not isinstance(demean, (bool, np.bool_)):
        raise TypeError(f"demean must be True or False; got {demean!r}")
    limit = _maxlag(maxlag)
    xs, ax = _series(x, "x", axis)
    if demean:  # a new array: the caller's is never written
        xs = xs - xs.mean(axis=-1, keepdims=True)
    n = xs.shape[-1]
    L = n - 1 if limit is None else limit
    hi = min(L, n - 1)
    r = _raw(xs, None, 0, hi)
    raw = _two_sided(r)
    energy = r[..., 0].real if scale in ("coeff", "normalized") else None
    lags = np.arange(-L, L + 1, dtype=np.int64)
    c = _scale(raw, lags[L - hi : L + hi + 1], n, scale, energy)
    return lags, np.moveaxis(_embed(c, -hi, hi, L), -1, ax)


def estimate_delay(
    x: ArrayLike,
    y: ArrayLike,
    *,
    fs: float = 1.0,
    method: DelayMethod = "cc",
    max_delay: float | None = None,
    interpolate: bool = True,
    axis: int = -1,
) -> float | np.ndarray:
    """The delay by which `x` lags `y`, from the peak of their cross-correlation.

    Positive when `x` is a delayed copy of `y` (``x[n] = y[n - d]`` gives ``d / fs``).

    Parameters
    ----------
    x, y : array_like
        Series of the same ndim along `axis` (lengths may differ); the other axes
        broadcast, each pair giving one delay. bool, integer, float or complex.
    fs : float, optional
        Sampling rate: the delay is returned in ``1 / fs`` units (default 1.0: samples).
    method : {'cc', 'phat'}, optional
        ``'cc'`` (default): the peak of the plain cross-correlation. ``'phat'``: the
        generalised cross-correlation with phase transform (GCC-PHAT), whose
        cross-spectrum is divided by its magnitude: every frequency weighs the same,
        which sharpens the peak to a pulse and separates a direct path from its echoes
        (and is robust to the signal's colour), at some cost in noise.
    max_delay : float, optional
        Search only delays up to this magnitude, in the units of the result (seconds
        when `fs` is in Hz). Default None: every lag the two series allow.
    interpolate : bool, optional
        Refine the peak below one sample (default True): the maximum of the correlation's
        band-limited (Fourier) interpolant between the neighbours of the best lag, found
        by Newton's method from a parabolic fit. False: the integer lag.
    axis : int, optional
        The time axis (default: the last).

    Returns
    -------
    float or numpy.ndarray
        The delay: a float for 1-D series, else an array of the broadcast shape of the
        other axes. NaN where the correlation is zero at every lag (an all-zero series).

    Raises
    ------
    ValueError
        Unknown `method`; `fs` not > 0 or `max_delay` negative (or not finite); series
        holding NaN or inf, empty, 0-d, of different ndim or whose other axes do not
        broadcast.
    TypeError
        Non-numeric `fs` or `max_delay`, non-bool `interpolate`, non-integer `axis`;
        non-numeric inputs.

    See Also
    --------
    xcorr : The cross-correlation with its lags.

    Notes
    -----
    The cross-spectrum ``X * conj(Y)`` is formed once with both series zero-padded to
    a fast length of at least ``Nx + Ny - 1`` (no wrap); its inverse transform is the
    correlation, whose largest magnitude within the window of lags gives the integer
    delay. The refinement evaluates the trigonometric interpolant
    ``c(t) = (1/L) sum_f S[f] exp(2j pi f t / L)`` of that correlation and its first two
    derivatives (``O(L)`` each), maximising ``|c(t)|**2`` by Newton steps kept inside
    the neighbouring lags; a parabola through the three samples around the peak (the
    usual refinement) is biased by up to a tenth of a sample for a sharp peak, the
    interpolant is not. On band-limited noise with a fractional delay at 20 dB SNR both
    methods come within 0.05 samples (tests/test_timeseries.py).

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> rng = np.random.default_rng(0)
    >>> y = rng.standard_normal(4000)
    >>> x = np.concatenate([np.zeros(25), y[:-25]])  # y delayed by 25 samples
    >>> round(fc.estimate_delay(x, y), 3)
    25.0
    >>> round(fc.estimate_delay(x, y, fs=1000.0, method='phat'), 6)  # seconds
    0.025

    Three channels at once, delays limited to 30 samples:

    >>> xs = np.stack([np.roll(y, d) for d in (-3, 0, 12)])
    >>> fc.estimate_delay(xs, y[None], max_delay=30).round(2)
    array([-3.,  0., 12.])
    """
    method = cast(DelayMethod, choice(method, "method", DELAY_METHODS))
    rate = _positive_real(fs, "fs", allow_zero=False)
    if not isinstance(interpolate, (bool, np.bool_)):
        raise TypeError(f"interpolate must be True or False; got {interpolate!r}")
    limit = None if max_delay is None else _positive_real(max_delay, "max_delay", allow_zero=True)
    xs, ys, _ = _pair(x, y, axis)
    for name, arr in (("x", xs), ("y", ys)):
        if not _all_finite(arr):
            raise ValueError(f"{name} holds NaN or inf; a delay needs finite samples")
    nx, ny = xs.shape[-1], ys.shape[-1]
    lo, hi = -(ny - 1), nx - 1
    if limit is not None:
        # The tolerance keeps max_delay=0.3 with fs=10 (2.9999999999999996) at 3 samples.
        most = math.floor(limit * rate * (1 + 1e-12))
        lo, hi = max(lo, -most), min(hi, most)
    real = xs.dtype.kind != "c"
    nfft = int(scipy.fft.next_fast_len(nx + ny - 1, real))
    batch = math.prod(np.broadcast_shapes(xs.shape[:-1], ys.shape[:-1]))
    # Two spectra, their cross-spectrum (and its weights for 'phat'), the inverse.
    _memory.require(5 * 16 * batch * nfft, f"estimate_delay(method={method!r})")
    forward = scipy.fft.rfft if real else scipy.fft.fft
    cross = forward(xs, n=nfft, axis=-1) * forward(ys, n=nfft, axis=-1).conj()
    if method == "phat":
        magnitude = np.abs(cross)
        # Bins with no energy (exact zeros, or rounding residue far below the largest
        # bin) carry no phase: weight 0 rather than a random unit phasor.
        floor = np.finfo(magnitude.dtype).eps * magnitude.max(axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = np.where(magnitude > floor, cross / magnitude, 0)
    circ = (scipy.fft.irfft if real else scipy.fft.ifft)(cross, n=nfft, axis=-1)
    window = np.take(circ, np.arange(lo, hi + 1) % nfft, axis=-1)
    peak = np.argmax(np.abs(window), axis=-1)
    best = np.take_along_axis(np.abs(window), peak[..., None], axis=-1)[..., 0]
    delay = (lo + peak).astype(np.float64)
    if interpolate and hi > lo:
        delay = _refine(cross, nfft, real, np.abs(window), peak, lo, hi)
    delay = np.where(best > 0, delay / rate, np.nan)
    return float(delay) if delay.ndim == 0 else delay


# --------------------------------------------------------------------------- refinement


def _refine(
    cross: np.ndarray,
    nfft: int,
    real: bool,
    magnitude: np.ndarray,
    peak: np.ndarray,
    lo: int,
    hi: int,
) -> np.ndarray:
    """Sub-sample peak: the maximum of ``g(t) = |c(t)|**2`` between the neighbours of the
    integer peak, `c` the trigonometric interpolant of the correlation whose (half, for
    real series) spectrum is `cross`. Safeguarded Newton on ``g'``, started from the
    parabola through the three samples; where the interpolant misbehaves (no maximum
    inside, or below the sample peak) the parabolic estimate stands."""
    cross = np.asarray(cross, dtype=np.result_type(cross.dtype, np.complex128))
    freq: np.ndarray
    if real:
        freq = np.arange(cross.shape[-1], dtype=np.float64)
        weight = np.full(freq.shape, 2.0)
        weight[0] = 1.0
        if nfft % 2 == 0:
            weight[-1] = 1.0  # the Nyquist bin has no conjugate partner
    else:
        freq = np.fft.fftfreq(nfft) * nfft
        weight = np.ones(nfft)
    omega = 2 * np.pi * freq / nfft
    coef = cross * (weight / nfft)
    # c, c', c'' at t are sum_f coef * exp(1j omega t) * (1, 1j omega, -omega**2): one
    # matrix product with the columns (1, omega, omega**2), made complex once here.
    moments = np.stack([np.ones_like(omega), omega, omega**2], axis=-1).astype(np.complex128)

    def derivatives(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """g, g', g'' at `t` (one value per batch element); O(F) each."""
        s0, s1, s2 = np.moveaxis((coef * np.exp(1j * omega * t[..., None])) @ moments, -1, 0)
        c0, c1, c2 = s0, 1j * s1, -s2
        if real:  # the half spectrum's terms pair with their conjugates: real parts
            c0, c1, c2 = c0.real, c1.real, c2.real
        g = np.abs(c0) ** 2
        g1 = 2 * np.real(np.conj(c0) * c1)
        g2 = 2 * (np.abs(c1) ** 2 + np.real(np.conj(c0) * c2))
        return g, g1, g2

    k0 = lo + peak
    left = np.take_along_axis(magnitude, np.maximum(peak - 1, 0)[..., None], -1)[..., 0]
    mid = np.take_along_axis(magnitude, peak[..., None], -1)[..., 0]
    right = np.take_along_axis(
        magnitude, np.minimum(peak + 1, magnitude.shape[-1] - 1)[..., None], -1
    )[..., 0]
    left = np.where(k0 > lo, left, right)  # at a window edge: a symmetric guess, 0
    right = np.where(k0 < hi, right, left)
    curvature = left - 2 * mid + right
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.where(curvature < 0, 0.5 * (left - right) / curvature, 0.0)
    parabolic = k0 + np.clip(offset, -0.5, 0.5)
    a = np.maximum(k0 - 1, lo).astype(np.float64)
    b = np.minimum(k0 + 1, hi).astype(np.float64)
    t = np.clip(parabolic, a, b)
    for _ in range(60):  # Newton converges in 2-4 steps; bisection needs ~35 for 1e-10
        g, g1, g2 = derivatives(t)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = g1 / g2
        # Converged: the Newton step is below 1e-7 samples, or the bracket is that narrow.
        done = (np.abs(step) < 1e-7) & (g2 < 0) | (b - a < 1e-7)
        if np.all(done):
            break
        # The maximum lies right of t where g' > 0: shrink the bracket toward it.
        a = np.where(g1 > 0, t, a)
        b = np.where(g1 > 0, b, t)
        newton = t - step
        step_ok = (g2 < 0) & (newton >= a) & (newton <= b)
        t = np.where(done, t, np.where(step_ok, newton, 0.5 * (a + b)))
    else:
        g = derivatives(t)[0]
    # The interpolant passes through the samples: g(k0) is the sample peak squared.
    good = np.isfinite(t) & (g >= mid**2 * (1 - 1e-9))
    return np.clip(np.where(good, t, parabolic), lo, hi)
