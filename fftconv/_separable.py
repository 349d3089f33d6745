"""Separable kernels: convolve axis by axis with 1-D kernels.

A kernel that is an outer product of 1-D kernels, ``K = k0 ⊗ k1 ⊗ ...``, convolves as one
1-D pass per axis: ``x * K == (...((x *_0 k0) *_1 k1)...)``, where ``*_a`` convolves along
axis ``a`` only. Each pass is a linear operator on its own axis, so the passes commute, and
cropping axis ``a`` to its mode window commutes with the passes along the other axes: the
mode window of the N-D result is the product of per-axis windows (`_spec.mode_window`),
so each pass crops its own axis at once, to the same window the N-D call would use.

A pass runs either by BLAS or by one of the library's FFT methods along one axis:

* **BLAS** (`_blas_pass`, the separable 'direct' engine): the output along the axis is cut
  into blocks of ``R`` samples; each block is ``T @ window`` with ``T`` the ``R x (R+M-1)``
  banded Toeplitz matrix of the 1-D kernel and ``window`` the ``R+M-1`` input samples it
  reads (a zero-padded copy of the input gives every block a full window). ``R+M-1``
  multiply-adds per output instead of ``M``, but in a matrix product (10-20 GFLOP/s here
  against ~1-3 for numpy's elementwise multiply-add): measured here, 1024² float64 with 15
  taps took 5 ms per pass where the library's shifted-slice direct engine took 45 ms and
  an FFT along the axis 24-145 ms (strided transforms along axis 0 are slow). The zeros of
  ``T`` meet every input of the block, so a NaN would reach outputs its window does not
  cover: `_dispatch.compute` checks the pass's result and fixes the non-finite products
  up exactly as it does for the FFT engines (SPEC.md §4).
* **fft / oa** along one axis (`_dispatch.fft_engine`), for long 1-D kernels.

``method='auto'`` picks per pass by the cost model (`_method.blas_pass_cost` and the FFT
costs of the one-axis call), and orders the passes so that those that shrink the array
(``valid``) run first and those that grow it (``full``) last (`_pass_order`).

Detection (`separable_factors`) and the auto path (`try_separable`) let ``fc.convolve``
split a full kernel it is given, when the split is exact to within the precision of the
call and predicted cheaper.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike

from . import _memory, _method, _profile
from ._backends import BackendName, FFTBackend, resolve_backend
from ._dispatch import compute, compute_dtype, fft_engine
from ._exact import ExactPlan, finish_exact
from ._nonfinite import all_finite
from ._spec import (
    KINDS,
    METHODS,
    ConvSpec,
    Kind,
    Method,
    Mode,
    as_input_array,
    choice,
    make_spec,
    mode_window,
)

# The rank-1 tolerance: a kernel is split when ``||K - k0 ⊗ k1 ⊗ ...||_F <= SEPARABLE_TOL_C
# * eps * ||K||_F`` with eps that of the precision the call runs in. Why 4: each output
# of the split call differs from the unsplit one by at most ``||x window||_2 * ||K -
# K~||_F <= 4 eps ||x||_2 ||K||_F`` (Cauchy-Schwarz), while SPEC.md §4 allows ``C * eps *
# log2(size) * ||x||_2 ||K||_F`` (tests: C = 8) with log2(size) >= 2 for any split kernel
# (two axes of at least 2 taps): the split uses at most a quarter of the smallest budget,
# and the passes themselves stay within the bound (their errors add up to ``c * eps *
# (log2 L0 + log2 L1) * ||x|| ||k0|| ||k1||`` = the same form, as ``||k0|| ||k1|| =
# ||K~||``). An exact outer product rounded to the dtype has a residual of about eps/2,
# and the factors rounded once more add as much: 4 eps accepts them with room to spare.
SEPARABLE_TOL_C = 4.0

# The auto path considers only kernels with at least this many taps: below it the direct
# sum of the whole kernel is as cheap as two passes (and the call too small to notice).
SEPARABLE_MIN_TAPS = 9

# The auto path's cheap pre-filter (`may_split`, shapes only): calls with fewer direct
# multiply-adds than this cost well under a millisecond, where validating the call again
# (~20-40 us, what skipping `_api`'s memo costs) would show, and splitting gains little.
SEPARABLE_MIN_MACS = 1 << 20


def sepconvolve(
    in1: ArrayLike,
    kernels: Sequence[ArrayLike],
    mode: Mode = "full",
    *,
    kind: Kind = "convolve",
    axes: int | Sequence[int] | None = None,
    method: Method = "auto",
    workers: int | None = None,
    backend: BackendName | None = None,
) -> np.ndarray:
    """Convolve (or correlate) with a separable kernel given as its 1-D factors.

    ``sepconvolve(x, [k0, k1])`` equals ``convolve(x, np.multiply.outer(k0, k1))`` (the
    outer-product kernel), computed as one 1-D pass per axis: ``O(N (M0 + M1))`` work
    instead of ``O(N M0 M1)``.

    Parameters
    ----------
    in1 : array_like
        The input (an image, a volume, a batch of them), at least ``len(kernels)``-D.
    kernels : sequence of array_like
        One 1-D kernel per convolved axis; ``kernels[i]`` runs along ``axes[i]``.
    mode : {'full', 'same', 'valid'}, optional
        As in `convolve`, for the outer-product kernel: ``'same'`` is centred as in
        scipy.signal on every axis; ``'valid'`` needs `in1` at least as long as the kernels
        on every convolved axis, or the kernels at least as long as `in1` on all of them.
    kind : {'convolve', 'correlate'}, optional
        ``'correlate'``: the correlation with the outer-product kernel (`correlate`).
    axes : int or sequence of int, optional
        The axis of each kernel, in the order of `kernels` (distinct; negative counts
        from the end). Default: the last ``len(kernels)`` axes, in order, so that
        ``[k_rows, k_cols]`` filters an image's rows axis (0) with ``k_rows`` and its
        columns axis (1) with ``k_cols``, as MATLAB's ``conv2(u, v, A)``, DSP.jl's
        ``conv(u, v, A)`` and the ``sigma`` sequence of `scipy.ndimage.gaussian_filter`;
        OpenCV's ``sepFilter2D(src, d, kernelX, kernelY)`` takes them the other way
        round. Other axes are a batch (every slice filtered alike).
    method : {'auto', 'direct', 'fft', 'oa'}, optional
        How each 1-D pass runs: ``'direct'`` by blocks of banded matrix products (BLAS),
        ``'fft'``/``'oa'`` as in `convolve` along one axis, ``'auto'`` the cheapest per
        pass by the cost model. Integer and boolean inputs always run exact direct passes.
    workers : int, optional
        FFT threads of the FFT passes, as in `convolve`. The BLAS passes use the BLAS
        library's own threads (``OPENBLAS_NUM_THREADS`` and the like).
    backend : {'pyfftw', 'scipy', 'numpy'}, optional
        FFT library of the FFT passes (default: the current one).

    Returns
    -------
    numpy.ndarray
        Of dtype ``numpy.result_type(in1, *kernels)``, the shape of ``convolve(in1,
        outer-product kernel, mode, axes=axes)``.

    Raises
    ------
    ValueError
        `kernels` empty or longer than `in1` has axes; a kernel not 1-D or empty; `axes`
        of another length than `kernels`, repeated or out of range; unknown `mode`,
        `kind` or `method`; `in1` empty along a convolved axis; ``mode='valid'`` with
        neither `in1` nor the kernels the longer on every convolved axis.
    TypeError
        Non-numeric inputs or masked arrays; `kernels` not a sequence; non-integer axes.
    OverflowError
        An integer result does not fit its dtype (never wrapped).

    See Also
    --------
    convolve : ``method='auto'`` splits a separable N-D kernel by itself when cheaper.
    separable_factors : The 1-D factors of a separable kernel.

    Notes
    -----
    **Precision.** Floating inputs are computed in the precision of the result (float32
    in single precision). Each pass is within SPEC.md §4's bound of its own 1-D call, and
    the errors add up to ``c * eps * log2(size) * ||in1|| * ||K||``, the bound of the
    outer-product call (``||K||_2 = ||k0|| ||k1|| ...``). Integers and booleans are
    exact: passes in float64 when every partial sum stays below 2**53 (``max|in1|`` times
    the product of the kernels' 1-norms), else in int64 or Python integers; only the
    final result must fit its dtype (an intermediate pass may exceed it).

    **Non-finite values** (real inputs) give the direct sum's answer with the
    outer-product kernel: each pass keeps the outputs of a NaN or infinity to its window,
    and the product of the windows is the N-D window.

    **Complexity.** ``O(N * sum(R + M_i - 1))`` multiply-adds by BLAS blocks of ``R`` (16
    or 32) outputs, or ``O(N log L)`` per FFT pass; against ``O(N * prod(M_i))`` for the
    direct sum and one N-D FFT for the unsplit kernel.

    Inputs are never modified.

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> smooth = np.array([1.0, 2.0, 1.0]) / 4
    >>> fc.sepconvolve(image, [smooth, smooth], mode='same')
    array([[ 0.9375,  1.75  ,  2.5   ,  2.25  ],
           [ 3.25  ,  5.    ,  6.    ,  5.    ],
           [ 6.25  ,  9.    , 10.    ,  8.    ],
           [ 6.1875,  8.75  ,  9.5   ,  7.5   ]])
    >>> np.allclose(_, fc.convolve(image, np.outer(smooth, smooth), mode='same'))
    True

    One kernel filters the last axis only; integers stay exact:

    >>> fc.sepconvolve(np.array([[1, 2, 3]]), [[1, -1]])
    array([[ 1,  1,  1, -3]])
    """
    kind = choice(kind, "kind", KINDS)
    method = cast(Method, choice(method, "method", METHODS))
    a1 = as_input_array(in1, "in1")
    factors = _as_kernels(kernels)
    conv_axes = _kernel_axes(axes, len(factors), a1.ndim)
    kdtype = np.result_type(*(k.dtype for k in factors))
    shape = [1] * a1.ndim
    for ax, k in zip(conv_axes, factors, strict=True):
        shape[ax] = k.shape[0]
    # The call this equals, with a placeholder of the outer-product kernel's shape and
    # dtype (no memory): validation, mode windows and the result dtype in one place.
    placeholder = np.broadcast_to(np.zeros((), dtype=kdtype), tuple(shape))
    spec = make_spec(
        a1, placeholder, kind=kind, mode=mode, axes=conv_axes, names=("in1", "kernels")
    )
    resolved = resolve_backend(backend)
    threads = _method.resolve_workers(workers)
    if 0 in spec.out_shape:
        return np.zeros(spec.out_shape, dtype=spec.result_dtype)
    by_axis = dict(zip(conv_axes, factors, strict=True))
    out = _separable(spec, by_axis, method, resolved, threads)
    assert out is not None  # (only finite_only gives None)
    return np.ascontiguousarray(out)


def _as_kernels(kernels: object) -> list[np.ndarray]:
    """`kernels` as a list of non-empty 1-D numeric arrays, or an error naming it."""
    if isinstance(kernels, np.ndarray):
        if kernels.ndim != 2:
            raise ValueError(
                "kernels must be a sequence of 1-D kernels (or a 2-D array, one kernel per "
                f"row); got an array of shape {kernels.shape}"
            )
        items: list[object] = list(kernels)
    elif isinstance(kernels, (str, bytes)) or not isinstance(kernels, Sequence):
        raise TypeError(
            f"kernels must be a sequence of 1-D kernels, one per convolved axis; got "
            f"{type(kernels).__name__}"
        )
    else:
        items = list(kernels)
    if not items:
        raise ValueError("kernels must hold at least one 1-D kernel; got an empty sequence")
    out = []
    for i, item in enumerate(items):
        k = as_input_array(item, f"kernels[{i}]")
        if k.ndim != 1:
            raise ValueError(f"kernels[{i}] must be 1-D (one kernel per axis); got shape {k.shape}")
        if k.shape[0] == 0:
            raise ValueError(f"kernels[{i}] is empty; a kernel needs at least one tap")
        out.append(k)
    return out


def _kernel_axes(axes: object, count: int, ndim: int) -> tuple[int, ...]:
    """The axis of each of `count` kernels, in their order (default: the last `count`)."""
    if count > ndim:
        raise ValueError(
            f"kernels has {count} kernels but in1 has only {ndim} dimension(s); give at "
            "most one kernel per axis of in1"
        )
    if axes is None:
        return tuple(range(ndim - count, ndim))
    items = [axes] if np.ndim(cast(Any, axes)) == 0 else list(cast(Sequence[object], axes))
    if len(items) != count:
        raise ValueError(
            f"axes must name one axis per kernel: got axes={axes!r} ({len(items)} axes) for "
            f"{count} kernel(s)"
        )
    result = []
    for item in items:
        if isinstance(item, (bool, np.bool_)):
            raise TypeError(f"axes must be integers; got {item!r} in axes={axes!r}")
        try:
            ax = operator.index(cast(Any, item))
        except TypeError:
            raise TypeError(f"axes must be integers; got {item!r} in axes={axes!r}") from None
        if not -ndim <= ax < ndim:
            raise ValueError(
                f"axes={axes!r} is out of range for in1 with {ndim} dimension(s); each axis "
                f"must be in [{-ndim}, {ndim - 1}]"
            )
        result.append(ax % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"axes must not repeat an axis; got axes={axes!r}")
    return tuple(result)


def _separable(
    spec: ConvSpec,
    factors: dict[int, np.ndarray],
    method: str,
    backend: FFTBackend,
    threads: int,
    *,
    finite_only: bool = False,
) -> np.ndarray | None:
    """The result of `spec` (whose kernel is the outer product of `factors`, one 1-D
    kernel per convolved axis) by one pass per axis; with `finite_only`, None instead
    of a result that is not all finite (the caller then runs an unsplit method)."""
    if spec.is_integer:
        return _separable_exact(spec, factors)
    dtype = compute_dtype(spec)
    # Before allocating: a BLAS pass holds its input and its output; an FFT pass about
    # five arrays of that size (`CircularPlan.estimate_bytes`).
    largest = max(spec.in1.size, math.prod(spec.out_shape))
    _memory.require(5 * largest * dtype.itemsize, "the separable passes")
    x = spec.in1.astype(dtype, copy=False)
    # Correlation is convolution with the kernel flipped and conjugated on every axis,
    # and flip/conj of an outer product is the outer product of the flipped factors.
    gs = {a: _convolution_form(k, spec.kind).astype(dtype, copy=False) for a, k in factors.items()}
    lengths = tuple((a, g.shape[0]) for a, g in gs.items())
    passes = [
        (a, m, _blas_pass if m == "blas" else fft_engine(m, backend, threads))
        for a, m in _plan(x.shape, lengths, spec, dtype, backend, threads, method)
    ]
    # Every pass straight through its engine, checked once at the end: a non-finite
    # input (or an overflow) leaves a non-finite result, since NaN and inf spread
    # through every product and sum.
    y = x
    with np.errstate(invalid="ignore", over="ignore"):
        for a, _, engine in passes:
            pass_spec = _pass_spec(y, gs[a], a, spec)
            y = engine(y, pass_spec.in2, pass_spec)
    if not all_finite(y):
        if finite_only:
            return None
        # Again pass by pass through `compute`, which gives non-finite inputs the
        # direct sum's answer (its fix-up), whatever the engine.
        y = x
        for a, pass_method, engine in passes:
            y = compute(_pass_spec(y, gs[a], a, spec), pass_method, engine)
    return y.astype(spec.result_dtype, copy=False)


def _convolution_form(k: np.ndarray, kind: str) -> np.ndarray:
    if kind == "convolve":
        return k
    g = k[::-1]
    return np.conjugate(g) if g.dtype.kind == "c" else g


def _pass_spec(x: np.ndarray, g: np.ndarray, axis: int, spec: ConvSpec) -> ConvSpec:
    """The one-axis convolution of `x` with `g` along `axis`, cropped to `spec`'s window
    on that axis (already validated: built directly, ~2 us instead of make_spec's ~15)."""
    shape = [1] * x.ndim
    shape[axis] = g.shape[0]
    out_shape = list(x.shape)
    out_shape[axis] = spec.out_shape[axis]
    starts = [0] * x.ndim
    starts[axis] = spec.starts[axis]
    return ConvSpec(
        in1=x,
        in2=g.reshape(shape),
        kind="convolve",
        mode=spec.mode,
        axes=(axis,),
        starts=tuple(starts),
        out_shape=tuple(out_shape),
        result_dtype=x.dtype,
    )


def _separable_exact(spec: ConvSpec, factors: dict[int, np.ndarray]) -> np.ndarray:
    """Integer and boolean inputs, exactly. Every partial sum of every pass is bounded
    by ``max|x| * prod(||k_a||_1)`` (each pass multiplies the largest magnitude by at
    most its kernel's 1-norm): below 2**53 float64 passes (BLAS) are exact, else the
    exact direct sum runs in int64 or Python integers."""
    x = spec.in1
    bound = (0 if x.size == 0 else max(-int(x.min()), int(x.max()))) if x.dtype.kind != "b" else 1
    for k in factors.values():
        bound *= int(np.abs(k.astype(object)).sum()) if k.dtype.kind != "b" else int(k.sum())
    if bound < 2**53:
        acc: np.dtype = np.dtype(np.float64)
    elif bound < 2**63:
        acc = np.dtype(np.int64)
    else:
        acc = np.dtype(object)
    values = x.astype(acc)
    for a, k in factors.items():
        g = _convolution_form(k, spec.kind).astype(acc)
        pass_spec = _pass_spec(values, g, a, spec)
        if acc.kind == "f":
            values = _blas_pass(values, pass_spec.in2, pass_spec)
        else:
            from ._direct import direct_convolve

            values = direct_convolve(values, pass_spec.in2, pass_spec)
    plan = ExactPlan(fft_exact=False, accumulator=acc, may_overflow=True)
    return finish_exact(values, spec, plan)


# --- the plan: pass order and per-pass method ------------------------------------------


def _plan(
    shape: tuple[int, ...],
    lengths: tuple[tuple[int, int], ...],
    spec: ConvSpec,
    dtype: np.dtype,
    backend: FFTBackend,
    threads: int,
    method: str,
) -> tuple[tuple[int, str], ...]:
    """The passes, in order, as (axis, method) for kernels of `lengths` ((axis, M) pairs)."""
    return _plan_cached(
        shape, lengths, spec.mode, dtype, backend.name, threads, method, _profile.generation()
    )[0]


@functools.lru_cache(maxsize=512)  # pure in its arguments (the profile by its generation)
def _plan_cached(
    shape: tuple[int, ...],
    lengths: tuple[tuple[int, int], ...],
    mode: Mode,
    dtype: np.dtype,
    backend_name: BackendName,
    threads: int,
    method: str,
    generation: object,
) -> tuple[tuple[tuple[int, str], ...], float]:
    """(passes, predicted ns). Order: a pass scales the array by ``r = out/in`` samples
    along its axis, and later passes pay for what earlier ones left, so with ``c`` a
    pass's cost per input sample the order of least total is by ``(r - 1) / c``
    ascending (exchange argument: a before b iff ``c_a + r_a c_b <= c_b + r_b c_a``):
    passes that shrink the array (``valid``) first, those that grow it (``full``) last,
    the dearest growth last of all."""
    backend = resolve_backend(backend_name)
    size = math.prod(shape)

    def key(item: tuple[int, int]) -> tuple[float, int]:
        axis, m = item
        _, length = mode_window(shape[axis], m, mode)
        cost = min(_pass_costs(shape, axis, m, mode, dtype, backend, threads, method).values())
        # Ties last axis first: a C-ordered array then comes back C-ordered (`_blas_pass`).
        return (length / shape[axis] - 1) / max(cost / max(size, 1), 1e-9), -axis

    passes = []
    total = 0.0
    current = list(shape)
    for axis, m in sorted(lengths, key=key):
        costs = _pass_costs(tuple(current), axis, m, mode, dtype, backend, threads, method)
        best = min(costs, key=costs.__getitem__)
        passes.append((axis, best))
        total += costs[best]
        current[axis] = mode_window(current[axis], m, mode)[1]
    return tuple(passes), total


def _pass_costs(
    shape: tuple[int, ...],
    axis: int,
    m: int,
    mode: Mode,
    dtype: np.dtype,
    backend: FFTBackend,
    threads: int,
    method: str,
) -> dict[str, float]:
    """Predicted ns of the one-axis pass by each allowed method: 'blas' (what
    ``method='direct'`` means here), 'fft', 'oa'. (The library's own direct engine, a sum
    of shifted slices, is never cheaper than 'blas': 45 against 5 ms per pass here.)"""
    x = np.broadcast_to(np.zeros((), dtype=dtype), shape)
    kernel_shape = tuple(m if a == axis else 1 for a in range(len(shape)))
    g = np.broadcast_to(np.zeros((), dtype=dtype), kernel_shape)
    start, length = mode_window(shape[axis], m, mode)
    spec = ConvSpec(
        in1=x,
        in2=g,
        kind="convolve",
        mode=mode,
        axes=(axis,),
        starts=tuple(start if a == axis else 0 for a in range(len(shape))),
        out_shape=tuple(length if a == axis else n for a, n in enumerate(shape)),
        result_dtype=dtype,
    )
    costs = {"blas": _method.blas_pass_cost(spec, dtype)}
    if method in ("auto", "fft", "oa"):
        fft = _method.predicted_costs(spec, dtype, backend, threads=threads)
        costs.update((k, v) for k, v in fft.items() if k != "direct")
    if method == "direct":
        return {"blas": costs["blas"]}
    if method != "auto":
        # Forced: that method on every pass ('oa' where it would not block is one FFT).
        return {method: costs.get(method, costs.get("fft", 0.0))}
    return costs


def separable_is_cheaper(spec: ConvSpec, backend: FFTBackend, *, threads: int = 1) -> bool:
    """Whether the passes with 1-D kernels of ``spec.in2``'s lengths (along the convolved
    axes where it has more than one tap) are predicted cheaper than the best unsplit
    method for `spec`. Shapes and dtypes only (remembered per shape): call it before
    looking at the kernel's values."""
    lengths = tuple((a, spec.in2.shape[a]) for a in spec.axes if spec.in2.shape[a] > 1)
    return _cheaper(
        spec.in1.shape,
        spec.in2.shape,
        lengths,
        spec.mode,
        compute_dtype(spec),
        backend.name,
        threads,
        _profile.generation(),
        spec,
    )


def _cheaper(
    shape1: tuple[int, ...],
    shape2: tuple[int, ...],
    lengths: tuple[tuple[int, int], ...],
    mode: Mode,
    dtype: np.dtype,
    backend_name: BackendName,
    threads: int,
    generation: object,
    spec: ConvSpec,
) -> bool:
    key = (shape1, shape2, lengths, mode, dtype, backend_name, threads, generation, spec.axes)
    found = _CHEAPER.get(key)
    if found is None:
        backend = resolve_backend(backend_name)
        unsplit = min(
            _method.predicted_costs(spec.without_inputs(), dtype, backend, threads=threads).values()
        )
        split = _plan_cached(
            shape1, lengths, mode, dtype, backend_name, threads, "auto", generation
        )[1]
        found = _CHEAPER[key] = split < unsplit
        while len(_CHEAPER) > 512:
            del _CHEAPER[next(iter(_CHEAPER))]  # the oldest
    return found


# Shape-level answers of `separable_is_cheaper` (dict reads are atomic; a race between
# two writers of one key writes the same value).
_CHEAPER: dict[tuple[object, ...], bool] = {}


# --- detection and the auto path -------------------------------------------------------


def separable_factors(
    kernel: np.ndarray, axes: Sequence[int] | None = None, *, dtype: object = None
) -> tuple[np.ndarray, ...] | None:
    """The 1-D factors of a kernel that is an outer product, within the precision of
    `dtype`; None if it is not (or splitting it cannot pay).

    Parameters
    ----------
    kernel : numpy.ndarray
        A float or complex kernel (integer and boolean kernels give None: their results
        must be exact, and a split found in floating point is not proof of that).
    axes : sequence of int, optional
        The axes to split (default: all); the kernel must have one sample along every
        other axis. A factor is returned per axis, in this order.
    dtype : dtype, optional
        The precision the convolution runs in (default: the kernel's): its eps sets the
        tolerance, and the factors are returned in it.

    Returns
    -------
    tuple of numpy.ndarray or None
        ``factors`` with ``kernel ≈ factors[0] ⊗ factors[1] ⊗ ...`` (arranged along
        `axes`), of equal norms; None when the kernel is not rank 1 within
        ``SEPARABLE_TOL_C * eps * ||kernel||_F`` (Frobenius norm of the residual of the
        returned factors, in float64), has fewer than two axes with more than one tap
        or fewer than `SEPARABLE_MIN_TAPS` taps, holds a non-finite value or is zero.

    Notes
    -----
    The factors come from the leading singular pair of the kernel unfolded along the
    first axis, then of the rest unfolded along the next, and so on (in 2-D, the best
    rank-1 approximation). The test is on the residual of the factors as rounded to
    `dtype`, so it bounds the error the split adds to each output by ``SEPARABLE_TOL_C
    * eps * ||x window||_2 * ||kernel||_F``, a fraction of SPEC.md §4's bound. Cost:
    one SVD of an ``M0 x (M1 ...)`` matrix (measured here: ~30 us for 15 x 15), after a
    cross-approximation test that turns most full-rank kernels away in ~10 us.

    Examples
    --------
    >>> import numpy as np
    >>> from fftconv._separable import separable_factors
    >>> g = np.array([1.0, 4.0, 6.0, 4.0, 1.0])
    >>> u, v = separable_factors(np.outer(g, [1.0, 0.0, -1.0]))
    >>> bool(np.allclose(np.outer(u, v), np.outer(g, [1.0, 0.0, -1.0])))
    True
    >>> separable_factors(np.eye(5)) is None  # rank 5
    True
    """
    k = np.asarray(kernel)
    if k.dtype.kind not in "fc":
        return None
    split = tuple(range(k.ndim)) if axes is None else tuple(a % k.ndim for a in axes)
    if any(k.shape[a] != 1 for a in range(k.ndim) if a not in split):
        return None  # a batch of kernels
    if k.size < SEPARABLE_MIN_TAPS or sum(k.shape[a] > 1 for a in split) < 2:
        return None
    out_dtype = np.dtype(k.dtype if dtype is None else cast(Any, dtype))
    if k.size > _FACTORS_KEY_MAX:
        return _factors(k, split, out_dtype)
    # Filtering many images with one kernel is the common case: its factors are
    # remembered by the kernel's bytes (an SVD and its checks cost ~150 us a call).
    found = _factors_cached(k.dtype.str, k.shape, k.tobytes(), split, out_dtype)
    return None if found is None else tuple(f.copy() for f in found)


# Kernels of at most this many samples have their factors remembered (the key holds
# their bytes).
_FACTORS_KEY_MAX = 4096


@functools.lru_cache(maxsize=64)
def _factors_cached(
    dtype: str, shape: tuple[int, ...], data: bytes, split: tuple[int, ...], out_dtype: np.dtype
) -> tuple[np.ndarray, ...] | None:
    k = np.frombuffer(data, dtype=dtype).reshape(shape)
    return _factors(k, split, out_dtype)


def _factors(
    k: np.ndarray, split: tuple[int, ...], out_dtype: np.dtype
) -> tuple[np.ndarray, ...] | None:
    """`separable_factors` of a float or complex kernel, its arguments checked."""
    work_dtype = np.result_type(k.dtype, out_dtype, np.float64)
    eps = float(np.finfo(out_dtype).eps)
    if split != tuple(range(len(split))):  # (moveaxis costs ~4 us, as much as the rest)
        k = np.moveaxis(k, split, tuple(range(len(split))))
    full = k.reshape([k.shape[a] for a in range(len(split))])
    full = full.astype(work_dtype)
    if not np.isfinite(full).all():
        return None
    norm = float(np.linalg.norm(full))
    if norm == 0.0:
        return None
    if _surely_not_rank_one(full.reshape(full.shape[0], -1), SEPARABLE_TOL_C * eps * norm):
        return None
    factors = []
    rest = full
    for _ in range(len(split) - 1):
        unfolded = rest.reshape(rest.shape[0], -1)
        u, sv, vh = np.linalg.svd(unfolded, full_matrices=False)
        factors.append(u[:, 0])
        rest = (sv[0] * vh[0]).reshape(rest.shape[1:])
    factors.append(rest.reshape(-1))
    # Equal norms, so that no pass scales the data far up or down.
    norms = [float(np.linalg.norm(f)) for f in factors]
    if 0.0 in norms:
        return None
    each = math.prod(norms) ** (1 / len(factors))
    rounded = [(f * (each / n)).astype(out_dtype) for f, n in zip(factors, norms, strict=True)]
    approx = functools.reduce(np.multiply.outer, [f.astype(work_dtype) for f in rounded])
    if float(np.linalg.norm(full - approx)) > SEPARABLE_TOL_C * eps * norm:
        return None
    return tuple(rounded)


def _surely_not_rank_one(a: np.ndarray, tol: float) -> bool:
    """Whether every rank-1 approximation of the matrix `a` misses it by more than `tol`
    (Frobenius norm), decided without an SVD: ~10 us where the SVD of a 31 x 31 kernel
    takes ~300 us, which a 1 ms call notices.

    The cross approximation ``C = a[:, j] a[i, :] / a[i, j]`` through the largest
    entry (i, j) (its 1 x 1 maximum-volume submatrix) satisfies ``max|a - C| <= 2
    sigma_2`` (Goreinov and Tyrtyshnikov, 2001), so ``||a - C||_F <= 2 sqrt(mn)
    sigma_2``, and the best rank-1 residual is at least ``sigma_2``. A cross residual
    above ``4 sqrt(mn) tol`` (a factor 2 for rounding) thus proves the best one is above
    `tol`. A kernel that is rank 1 within `tol` always passes on to the SVD.
    """
    i, j = divmod(int(np.argmax(np.abs(a))), a.shape[1])
    cross = np.multiply.outer(a[:, j], a[i, :] / a[i, j])
    return float(np.linalg.norm(a - cross)) > 4.0 * math.sqrt(a.size) * tol


def may_split(in1: object, in2: object) -> bool:
    """Whether ``method='auto'`` should look at `in2`'s values for a split: a cheap test
    of shapes and dtypes only (~1 us) that `_api` runs before its memo of prepared calls
    (the memo knows shapes, not values). True for ndarray kernels with at least two axes
    of two or more taps, `SEPARABLE_MIN_TAPS` in all, a floating result, and (when `in1`
    is an ndarray) at least `SEPARABLE_MIN_MACS` multiply-adds of the direct sum."""
    if type(in2) is not np.ndarray or in2.ndim < 2 or in2.size < SEPARABLE_MIN_TAPS:
        return False
    if sum(n > 1 for n in in2.shape) < 2:
        return False
    if type(in1) is np.ndarray:
        if in1.dtype.kind in "biu" and in2.dtype.kind in "biu":
            return False
        return in1.size * in2.size >= SEPARABLE_MIN_MACS
    return in2.dtype.kind not in "biu"


def try_separable(spec: ConvSpec, backend: FFTBackend, workers: object) -> np.ndarray | None:
    """The result of `spec` by one pass per axis, if its kernel is separable within the
    call's precision and the passes are predicted cheaper; else None (and nothing done
    but the checks). For ``method='auto'`` of `convolve`/`correlate`.

    None also for integer results (exactness comes first), a kernel that is a batch
    (more than one sample along a non-convolved axis), and inputs with a non-finite
    value: the factors reproduce the kernel's zeros only to within rounding, and
    ``inf * 0`` is NaN where ``inf * 1e-300`` is inf, so such calls keep the unsplit
    methods, which give the direct sum's answer exactly.

    Examples
    --------
    >>> import numpy as np
    >>> from fftconv._backends import resolve_backend
    >>> from fftconv._spec import make_spec
    >>> from fftconv._separable import try_separable
    >>> g = np.exp(-np.arange(-7, 8) ** 2 / 8)
    >>> image = np.random.default_rng(0).standard_normal((512, 512))
    >>> spec = make_spec(image, np.outer(g, g), kind='convolve', mode='same')
    >>> out = try_separable(spec, resolve_backend(None), None)
    >>> out.shape
    (512, 512)
    >>> try_separable(make_spec(image, np.eye(15), kind='convolve', mode='same'),
    ...               resolve_backend(None), None) is None
    True
    """
    threads = _method.resolve_workers(workers)
    found = split_choice(spec, backend, threads)
    if found is None:
        return None
    return run_split(spec, found[0], backend, threads)


def run_split(
    spec: ConvSpec, factors: dict[int, np.ndarray], backend: FFTBackend, threads: int
) -> np.ndarray | None:
    """The result of `spec` by one pass per axis with the kernel's `factors` (one 1-D
    kernel per split axis), C-contiguous; None if it is not all finite (the caller then
    runs an unsplit method). For ``method='auto'``, once the split is found to pay."""
    out = _separable(spec, factors, "auto", backend, threads, finite_only=True)
    return None if out is None else np.ascontiguousarray(out)


def split_shape(
    spec: ConvSpec, backend: FFTBackend, workers: object
) -> tuple[tuple[int, ...], np.dtype] | None:
    """(the axes to split, the dtype) for `separable_factors` when `spec`'s shapes are
    ones where ``method='auto'`` splits a separable kernel, else None: what `_api`
    remembers so that a repeated call tests the kernel's values and nothing else."""
    if spec.is_integer or len(spec.axes) < 2 or 0 in spec.out_shape:
        return None
    k = spec.in2
    if any(k.shape[a] != 1 for a in range(k.ndim) if a not in spec.axes):
        return None
    split = tuple(a for a in spec.axes if k.shape[a] > 1)
    if len(split) < 2 or k.size < SEPARABLE_MIN_TAPS:
        return None
    threads = _method.resolve_workers(workers)
    if not separable_is_cheaper(spec, backend, threads=threads):
        return None
    return split, compute_dtype(spec)


def split_choice(
    spec: ConvSpec, backend: FFTBackend, threads: int
) -> tuple[dict[int, np.ndarray], float] | None:
    """(the 1-D kernel per axis, the passes' predicted ns) when ``method='auto'`` splits
    `spec`'s kernel (separable and predicted cheaper than the best unsplit method), else
    None. `try_separable` runs it; `choose_method` reports it."""
    found = split_shape(spec, backend, threads)
    if found is None:
        return None
    split, dtype = found
    k = spec.in2
    factors = separable_factors(k, split, dtype=dtype)
    if factors is None:
        return None
    lengths = tuple((a, k.shape[a]) for a in split)
    cost = _plan_cached(
        spec.in1.shape, lengths, spec.mode, dtype, backend.name, threads, "auto",
        _profile.generation(),
    )[1]  # fmt: skip
    return dict(zip(split, factors, strict=True)), cost


# --- the BLAS pass ------------------------------------------------------------------------


def _blas_pass(x: np.ndarray, h: np.ndarray, spec: ConvSpec) -> np.ndarray:
    """The one-axis convolution `spec` of `x` with `h` (length M along ``spec.axes[0]``,
    1 elsewhere) by banded matrix products; an `_dispatch.FFTEngine`.

    Output block ``b`` (R outputs along the axis) is ``T (R x R+M-1) @ W_b``: a small
    Toeplitz matrix times the R + M - 1 input rows the block reads, each row holding
    every other sample of the array (``C`` of them). Both of `x`'s layouts feed BLAS in
    place: ``W_b`` is a strided view of `x`, row-major when the axis is not the
    contiguous one and column-major (BLAS transposes it for free) when it is, so no pass
    copies or transposes its input; only the blocks at the ends, which read zero
    padding, read a padded copy of their rows. The result is written ``(length, C)``
    row-major and returned as a view in `x`'s axis order: after a pass along the
    contiguous axis the array is laid out with that axis slowest, and the next pass
    reads it in place the same way (a 2-D image done last axis first comes back
    C-ordered)."""
    (axis,) = spec.axes
    g = h.reshape(-1)
    start, length = spec.starts[axis], spec.out_shape[axis]
    n = x.shape[axis]
    # The pass axis first, then the others slowest first in memory, so that they
    # flatten into one strided axis of C samples (a view) wherever they nest.
    others = sorted((a for a in range(x.ndim) if a != axis), key=lambda a: -x.strides[a])
    order = (axis, *others)
    xo = x.transpose(order)
    x2 = _flat_rows(xo)
    if x2 is None:
        xo = np.ascontiguousarray(xo)
        x2 = xo.reshape(n, -1)
    om = np.empty((length, x2.shape[1]), dtype=x.dtype)
    if x2.shape[1] < 16:
        # A few samples per row make tiny products: take each column as a 1-D signal.
        _im2col(x2, g, start, om)
    else:
        _banded(x2, g, start, om)
    return om.reshape((length, *xo.shape[1:])).transpose(np.argsort(order))


def _flat_rows(a: np.ndarray) -> np.ndarray | None:
    """``a`` (N, ...) as an (N, C) view whose row elements are equally spaced and one of
    whose strides is the item size (what BLAS takes), or None when it cannot be."""
    dims = [(k, s) for k, s in zip(a.shape[1:], a.strides[1:], strict=True) if k != 1]
    if any(s0 != s1 * k1 for (_, s0), (k1, s1) in zip(dims, dims[1:], strict=False)):
        return None
    step = dims[-1][1] if dims else a.itemsize
    row = a.strides[0] if a.shape[0] != 1 else step * math.prod(a.shape[1:])
    if a.itemsize not in (row, step) or row <= 0 or step <= 0:
        return None
    count = math.prod(a.shape[1:])
    return np.lib.stride_tricks.as_strided(a, (a.shape[0], count), (row, step), writeable=False)


def _banded(x2: np.ndarray, g: np.ndarray, start: int, om: np.ndarray) -> None:
    """``om[o] = sum_k g[k] x2[o + start - k]`` (zero outside `x2`) for every output row,
    by products of R + M - 1 rows at a time, in column chunks that keep each product
    single-threaded (`_method.BLAS_MAX_PRODUCT`)."""
    m, n, length = g.shape[0], x2.shape[0], om.shape[0]
    r = min(_method.blas_block(m), length)
    t = _toeplitz(g, r)
    # Output o reads rows o + shift ... o + shift + M - 1. Blocks lo..hi-1 lie inside
    # x2 (and are whole); the outputs before and after them read zero padding.
    shift = start - (m - 1)
    lo = min(-(-max(0, -shift) // r), length // r)
    hi = max(lo, min(length // r, (n - (m - 1) - r - shift) // r + 1))
    if hi > lo:
        _products(x2[lo * r + shift :], t, hi - lo, om[lo * r : hi * r])
    for o0, o1 in ((0, lo * r), (hi * r, length)):
        if o1 > o0:
            blocks = -(-(o1 - o0) // r)
            rows = _zero_padded(x2, o0 + shift, blocks * r + m - 1)
            part = np.empty((blocks * r, x2.shape[1]), dtype=x2.dtype)
            _products(rows, t, blocks, part)
            om[o0:o1] = part[: o1 - o0]


def _products(rows: np.ndarray, t: np.ndarray, blocks: int, out: np.ndarray) -> None:
    """``out[b R : b R + R] = T @ rows[b R : b R + R + M - 1]`` for every block: one
    stacked product per column chunk over overlapping windows viewed in place."""
    r, width = t.shape
    s0, s1 = rows.strides
    columns = rows.shape[1]
    windows = np.lib.stride_tricks.as_strided(
        rows, (blocks, width, columns), (r * s0, s0, s1), writeable=False
    )
    target = out.reshape(blocks, r, columns)
    chunk = max(16, _method.BLAS_MAX_PRODUCT // (r * width))
    for c0 in range(0, columns, chunk):
        c1 = min(columns, c0 + chunk)
        np.matmul(t, windows[:, :, c0:c1], out=target[:, :, c0:c1])


def _zero_padded(x2: np.ndarray, first: int, count: int) -> np.ndarray:
    """Rows ``first ... first + count - 1`` of `x2` (row-major), zero outside it."""
    rows = np.zeros((count, x2.shape[1]), dtype=x2.dtype)
    lo, hi = max(first, 0), min(first + count, x2.shape[0])
    if lo < hi:
        rows[lo - first : hi - first] = x2[lo:hi]
    return rows


def _im2col(x2: np.ndarray, g: np.ndarray, start: int, om: np.ndarray) -> None:
    """`_banded` for rows of a few samples: each column of `x2` is a 1-D signal, the
    windows of its blocks of R outputs are copied into one matrix (im2col), and that is
    multiplied by ``T.T`` in chunks of rows that keep each product single-threaded."""
    m, length = g.shape[0], om.shape[0]
    r = min(_method.IM2COL_BLOCK, length)
    blocks = -(-length // r)
    width = r + m - 1
    signals = _zero_padded(x2, start - (m - 1), blocks * r + m - 1).T
    windows = np.lib.stride_tricks.sliding_window_view(signals, width, axis=1)[:, ::r]
    flat = np.ascontiguousarray(windows).reshape(-1, width)
    prod = np.empty((flat.shape[0], r), dtype=x2.dtype)
    tt = _toeplitz(g, r).T
    chunk = max(1, _method.BLAS_MAX_PRODUCT // (r * width))
    for o0 in range(0, flat.shape[0], chunk):
        np.matmul(flat[o0 : o0 + chunk], tt, out=prod[o0 : o0 + chunk])
    om[:] = prod.reshape(x2.shape[1], blocks * r)[:, :length].T


def _toeplitz(g: np.ndarray, rows: int) -> np.ndarray:
    """``T[r, r + k] = g[M - 1 - k]``: row r of ``T @ window`` is output ``b R + r``."""
    m = g.shape[0]
    t = np.zeros((rows, rows + m - 1), dtype=g.dtype)
    r = np.arange(rows)[:, None]
    t[r, r + np.arange(m)[None, :]] = g[::-1]
    return t
