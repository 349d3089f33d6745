"""`Convolver`: one kernel, many inputs of one shape, the kernel's spectrum computed once."""

from __future__ import annotations

import dataclasses
import functools
import math
import operator
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import _memory, _method
from ._backends import BackendName, resolve_backend
from ._boundary import NUMPY_PAD, Boundary, fill_value, resolve_boundary, widths
from ._dispatch import compute, compute_dtype
from ._exact import plan_exact
from ._fft import fast_lengths, fft_convolve
from ._nonfinite import all_finite, zero_nonfinite
from ._overlap import oa_convolve, oa_spectrum
from ._spec import (
    KINDS,
    METHODS,
    Kind,
    Method,
    Mode,
    as_input_array,
    choice,
    make_spec,
    numeric_dtype,
)


class Convolver:
    """Convolve (or correlate) any number of inputs of one shape with one kernel.

    The kernel's spectrum, the method, the transform lengths and the FFT plans are worked
    out once, at construction; each call then costs one forward and one inverse transform
    (a one-shot `convolve` also transforms the kernel, and validates and plans again).
    ``conv(x)`` equals ``fftconv.convolve(x, kernel, mode, axes=axes)`` (or
    `fftconv.correlate`) to within SPEC.md §4's precision, exactly for integers.

    Parameters
    ----------
    kernel : array_like
        The second operand (`in2` of `convolve`), with as many dimensions as `shape`.
        Copied: later changes to the caller's array do not affect the instance.
    shape : int or sequence of int
        The shape of every input ``x``. Along axes that are not convolved, `kernel` and
        `shape` broadcast, so a batch of frames or windows is one call.
    mode : {'full', 'same', 'valid'}, optional
        The output window, as in `convolve`.
    kind : {'convolve', 'correlate'}, optional
        The operation. A correlation multiplies by the kernel's conjugated spectrum.
    axes : int or sequence of int, optional
        Axes to convolve along (default: all).
    dtype : dtype, optional
        The dtype of the inputs, for which spectra and plans are made at construction
        (default: the kernel's dtype if it is floating or complex, else float64). Inputs
        of another dtype also work; their spectra are made on first use.
    method : {'auto', 'direct', 'fft', 'oa'}, optional
        ``'auto'`` (default) picks the fastest by the cost model, counting no kernel
        transform per call. All methods give the same result to SPEC.md §4's precision.
    workers : int, optional
        FFT threads. Default None: one (as `convolve`).
    backend : {'pyfftw', 'scipy', 'numpy'}, optional
        FFT library (default: the current one, `get_backend`).
    boundary : {'fill', 'wrap', 'symm', 'mirror', 'edge'}, optional
        How each input continues past its edges, as in `convolve` (scipy's names too).
    fillvalue : scalar, optional
        The value of ``boundary='fill'`` (default 0).

    Attributes
    ----------
    shape, out_shape : tuple of int
        The input shape and the output shape.
    method : str
        The method every call runs: ``'direct'``, ``'fft'`` or ``'oa'``.
    costs : dict
        Predicted ns per call of every candidate method (for ``method='auto'``).

    Raises
    ------
    ValueError, TypeError
        As `convolve`, for the kernel, `shape`, mode, axes, kind, method and dtype.

    See Also
    --------
    convolve, correlate : One-shot versions.
    StreamConvolver : A signal that arrives in chunks.

    Notes
    -----
    **Threads.** One instance may be called from several threads at once: the kernel's
    spectrum is only read, and every thread gets its own FFT buffers and plans.

    **Non-finite values and integers** are handled as in `convolve`: a NaN affects only
    the outputs whose window covers it, and integer results are exact (an input whose
    magnitudes are too large for an exact FFT runs the exact direct sum).

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> rng = np.random.default_rng(0)
    >>> kernel = np.hanning(255)
    >>> conv = fc.Convolver(kernel, 10_000, mode='same')
    >>> frames = rng.standard_normal((3, 10_000))
    >>> smoothed = [conv(frame) for frame in frames]
    >>> np.allclose(smoothed[1], fc.convolve(frames[1], kernel, mode='same'))
    True

    A batch of frames along the first axis, written into a preallocated array:

    >>> batch = fc.Convolver(kernel[np.newaxis], (3, 10_000), mode='same', axes=-1)
    >>> out = np.empty(batch.out_shape)
    >>> _ = batch(frames, out=out)
    >>> np.allclose(out[1], smoothed[1])
    True
    """

    def __init__(
        self,
        kernel: ArrayLike,
        shape: int | Sequence[int],
        mode: Mode = "full",
        *,
        kind: Kind = "convolve",
        axes: int | Sequence[int] | None = None,
        dtype: DTypeLike | None = None,
        method: Method = "auto",
        workers: int | None = None,
        backend: BackendName | None = None,
        boundary: str = "fill",
        fillvalue: object = 0,
    ) -> None:
        self.kind: Kind = choice(kind, "kind", KINDS)
        requested = cast(Method, choice(method, "method", METHODS))
        # A private copy: the spec, the direct sum and the non-finite fix-ups read it.
        h = np.array(as_input_array(kernel, "kernel"))
        self.shape = _as_shape(shape)
        if h.ndim == 0 or not self.shape:
            raise ValueError(
                f"kernel and shape need at least one dimension; got kernel shape {h.shape} "
                f"and shape {self.shape}"
            )
        self.dtype = _input_dtype(dtype, h)
        placeholder = np.broadcast_to(np.zeros((), self.dtype), self.shape)  # no memory
        self._spec = make_spec(
            placeholder, h, kind=self.kind, mode=mode, axes=axes, names=("x", "kernel")
        )
        self._mode = self._spec.mode
        self.boundary = resolve_boundary(boundary)
        # The boundary extension, applied to each input before the 'valid' operation of
        # the extended shape (see `_boundary`); none for zero fill or mode 'valid'.
        self._pads: list[tuple[int, int]] | None = None
        fill, extended_dtype = fill_value(fillvalue, self._spec)
        self._fill = fill
        if (self.boundary != "fill" or fill.any()) and any(
            w for p in widths(self._spec) for w in p
        ):
            self._pads = widths(self._spec)
            self.dtype = extended_dtype
            shape = tuple(n + a + b for n, (a, b) in zip(self.shape, self._pads, strict=True))
            placeholder = np.broadcast_to(np.zeros((), self.dtype), shape)
            self._spec = make_spec(
                placeholder, h, kind=self.kind, mode="valid", axes=axes, names=("x", "kernel")
            )
        self._kernel = h
        self._kernel_finite = h.dtype.kind not in "fc" or bool(np.isfinite(h).all())
        self._backend = resolve_backend(backend)
        self._threads = _method.resolve_workers(workers)
        dtype0 = compute_dtype(self._spec)
        if requested == "auto":
            # The choice counts one FFT thread, whatever `workers`.
            self.costs = _method.predicted_costs(
                self._spec, dtype0, self._backend, kernel_known=True
            )
            self.method = _method.fastest(self.costs)
        else:
            self.costs = {}
            self.method = requested
        if _memory.worth_checking(self._spec):  # one call's working set, before allocating
            self.method, _ = _memory.check(
                self._spec, self.method, self._backend, dtype0, costs=self.costs or None
            )
        # The engine per compute dtype: the kernel's spectrum bound to an FFT method.
        self._engines: dict[np.dtype, functools.partial[np.ndarray]] = {}
        if self.method != "direct" and 0 not in self.out_shape:
            self._engine(dtype0)

    @property
    def out_shape(self) -> tuple[int, ...]:
        """The shape of every result."""
        return self._spec.out_shape

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def axes(self) -> tuple[int, ...]:
        """The convolved axes (non-negative, sorted)."""
        return self._spec.axes

    def __repr__(self) -> str:
        return (
            f"Convolver(kernel shape {self._kernel.shape}, shape {self.shape}, "
            f"mode={self.mode!r}, kind={self.kind!r}, axes={self.axes}, "
            f"dtype={self.dtype}, method={self.method!r})"
        )

    def __call__(self, x: ArrayLike, *, out: np.ndarray | None = None) -> np.ndarray:
        """Convolve (or correlate) `x` with the kernel.

        Parameters
        ----------
        x : array_like
            An input of shape `shape`. Never modified.
        out : numpy.ndarray, optional
            Where to write the result: shape `out_shape`, dtype
            ``numpy.result_type(x, kernel)``, writeable.

        Returns
        -------
        numpy.ndarray
            The result (`out` when given).

        Raises
        ------
        ValueError
            `x` of another shape; `out` of the wrong shape, dtype or read-only.
        TypeError
            Non-numeric `x`; `out` that is not an ndarray.
        OverflowError
            An integer result does not fit its dtype.
        """
        a = as_input_array(x, "x")
        if a.shape != self.shape:
            raise ValueError(
                f"x has shape {a.shape}; this Convolver was made for inputs of shape {self.shape}"
            )
        if self._pads is not None:
            a = _extend(a, self._pads, self.boundary, self._fill)
        if a.dtype == self.dtype:  # the spec's own dtypes: ~1 us where replace() takes ~5
            spec = self._spec.with_inputs(a, self._spec.in2)
        else:
            spec = dataclasses.replace(
                self._spec, in1=a, result_dtype=np.result_type(a.dtype, self._kernel.dtype)
            )
        if out is not None:
            _check_out(out, spec.out_shape, spec.result_dtype)
            if np.may_share_memory(out, a):  # write only after x has been read
                np.copyto(out, self(a))
                return out
        if 0 in spec.out_shape:
            result = np.zeros(spec.out_shape, dtype=spec.result_dtype)
        else:
            if (
                self.method != "direct"
                and a.dtype == spec.result_dtype
                and a.dtype.kind in "fc"
                and a.dtype.itemsize >= 4
                and self._kernel_finite
            ):
                # The common case, without conversions, straight into `out`. A
                # non-finite result (x held NaN or inf) is computed again below, the
                # general way, which keeps each non-finite value inside its window.
                with np.errstate(invalid="ignore", over="ignore"):
                    fast = self._engine(a.dtype)(a, self._kernel, spec, out=out)
                if all_finite(fast):
                    return fast
            engine = None if self.method == "direct" else self._engine(compute_dtype(spec))
            exact = None
            if spec.is_integer:
                exact = plan_exact(spec, math.prod(spec.full_shape[a] for a in spec.axes))
            result = compute(spec, self.method, engine, exact, kernel_finite=self._kernel_finite)
        if out is None:
            return result
        np.copyto(out, result)
        return out

    def _engine(self, dtype: np.dtype) -> functools.partial[np.ndarray]:
        """The FFT engine for inputs computed in `dtype`, with the kernel's spectrum.

        Made on first use per dtype; a race between threads only makes it twice.
        """
        engine = self._engines.get(dtype)
        if engine is not None:
            return engine
        spec, backend, threads = self._spec, self._backend, self._threads
        # Non-finite kernel values are zeroed here and added back per call (`compute`).
        h = zero_nonfinite(self._kernel.astype(dtype))
        real = dtype.kind != "c"
        correlate = self.kind == "correlate"
        if self.method == "oa":
            plan = _method.oa_plan(spec, backend, real)
            engine = functools.partial(
                oa_convolve,
                blocks=plan.blocks,
                lengths=plan.lengths,
                backend=backend,
                workers=threads,
                spectrum=oa_spectrum(h, spec, plan.blocks, plan.lengths, backend),
            )
        else:
            lengths = fast_lengths(spec, backend, dtype)
            spectrum = backend.spectrum(h, lengths, spec.axes, 1, correlate)  # once
            engine = functools.partial(
                fft_convolve, backend=backend, workers=threads, spectrum=spectrum
            )
        self._engines[dtype] = engine
        return engine


def _extend(
    x: np.ndarray, pads: list[tuple[int, int]], rule: Boundary, fill: np.ndarray
) -> np.ndarray:
    """`x` extended by `rule` (in the fill value's dtype where `x`'s cannot hold it)."""
    if rule == "fill":
        return np.pad(x.astype(np.result_type(x, fill), copy=False), pads, constant_values=fill)
    return np.pad(x, pads, mode=cast(Any, NUMPY_PAD[rule]))


def _as_shape(shape: object) -> tuple[int, ...]:
    items = [shape] if np.ndim(cast(Any, shape)) == 0 else list(cast(Sequence[object], shape))
    if any(isinstance(n, (bool, np.bool_)) for n in items):
        raise TypeError(f"shape must be an int or a sequence of ints; got {shape!r}")
    try:
        dims = tuple(operator.index(cast(Any, n)) for n in items)
    except TypeError:
        raise TypeError(f"shape must be an int or a sequence of ints; got {shape!r}") from None
    if any(n < 0 for n in dims):
        raise ValueError(f"shape must not have negative sizes; got {shape!r}")
    return dims


def _input_dtype(dtype: object, kernel: np.ndarray) -> np.dtype:
    if dtype is None:
        return kernel.dtype if kernel.dtype.kind in "fc" else np.dtype(np.float64)
    return numeric_dtype(dtype)


def _check_out(out: object, shape: tuple[int, ...], dtype: np.dtype) -> None:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray; got {type(out).__name__}")
    if out.shape != shape or out.dtype != dtype:
        raise ValueError(
            f"out must have shape {shape} and dtype {dtype}; got shape {out.shape} and "
            f"dtype {out.dtype}"
        )
    if not out.flags.writeable:
        raise ValueError("out is read-only")
