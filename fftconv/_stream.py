"""`StreamConvolver`: convolution of a signal that arrives in chunks, by overlap-save."""

from __future__ import annotations

import math
import operator
from typing import Any, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import _method
from ._api import convolve, correlate
from ._backends import resolve_backend
from ._boundary import NUMPY_PAD, Boundary, fill_value, resolve_boundary
from ._dispatch import choose, compute, compute_dtype, run
from ._exact import plan_exact
from ._nonfinite import zero_nonfinite
from ._overlap import axis_index, axis_slice, overlap_save_window, stream_kernel_layout
from ._spec import (
    KINDS,
    MODES,
    ConvSpec,
    Kind,
    Mode,
    as_input_array,
    choice,
    make_spec,
    numeric_dtype,
)

# New samples per internal step: the temporaries of a step hold about this many samples
# per channel, whatever the chunk size (memory O(block + kernel), not O(chunk)).
STEP_SAMPLES = 1 << 17


class StreamConvolver:
    """Convolve (or correlate) a signal that arrives in chunks, with constant memory.

    ``process(chunk)`` returns every output sample that is final so far; ``flush()``
    returns the rest. Concatenated along `axis`, the outputs equal
    ``fftconv.convolve(signal, kernel, mode)`` (or `fftconv.correlate`) of the whole
    signal, to within SPEC.md §4's precision (exactly for integers), for any chunking.

    Parameters
    ----------
    kernel : array_like
        1-D: applied to every channel. N-D: as many dimensions as the chunks, its
        `axis` the time axis; other axes broadcast with the channels (one kernel per
        channel, say). Copied at construction.
    kind : {'convolve', 'correlate'}, optional
        The operation.
    mode : {'full', 'same', 'valid'}, optional
        The output window of the whole signal, as in `convolve`. 'same' and 'valid'
        depend on the signal length, so their last samples (or, for 'valid' with a
        signal shorter than the kernel, all of them) come from `flush`.
    block_size : int, optional
        New samples per overlap-save block: the transform length is the fast length
        >= ``block_size + M - 1``. Default: the block the cost model finds fastest for a
        long signal. Larger blocks cost fewer operations per sample and more latency
        between a `process` call and the FFT work it triggers, never more output delay.
    dtype : dtype, optional
        The dtype every chunk must have (default: that of the first chunk).
    axis : int, optional
        The time axis of the chunks (and of an N-D kernel). Default -1.
    boundary : {'fill', 'symm', 'mirror', 'edge'}, optional
        How the signal continues past its ends, as in `convolve` (scipy's names too):
        ``'fill'`` with `fillvalue` (default), ``'symm'`` (d c b a | a b c d),
        ``'mirror'`` (d c b | a b c d), ``'edge'`` (a a a | a b c d). ``'wrap'`` is a
        ValueError in modes 'full' and 'same' with a kernel longer than one sample: its
        extension in front of the signal is the signal's end, unknown until `flush`.
        Mode 'valid' never reads the extension (any rule, 'wrap' included, is accepted
        and changes nothing).
    fillvalue : scalar, optional
        The value of ``boundary='fill'`` (default 0), cast exactly to the result dtype
        (checked on the first chunk, as `convolve` checks it).

    Raises
    ------
    ValueError, TypeError
        Bad kernel, kind, mode, block_size, dtype, axis, boundary or fillvalue.

    See Also
    --------
    convolve, correlate : The whole signal at once.
    Convolver : Many inputs of one shape.
    convolve_file : A signal in a `.npy` file.

    Notes
    -----
    **Final samples.** Output ``n`` of a convolution in mode 'full' depends on inputs
    ``n - M + 1 ... n``, so after ``t`` input samples outputs ``0 ... t - 1`` are final,
    and `process` returns all of them: whole blocks by overlap-save, a partial block's
    outputs by the direct sum or a zero-padded block, whichever the cost model finds
    cheaper. Chunks of one sample work (at a direct sum's cost per sample).

    **Boundaries.** Output ``i`` of the full result reads the extended signal at
    ``i - M + 1 ... i``, so the extension in front (``M - 1`` samples in mode 'full',
    ``M // 2`` in 'same') is needed before the first output and the one behind (``M - 1``,
    ``(M - 1) // 2``) only at `flush`. 'fill' knows both at once. 'symm' and 'mirror'
    reflect the first ``M - 1`` ('full') or ``M // 2`` ('same') samples, plus one for
    'mirror', and 'edge' repeats the first: until that many samples have arrived
    `process` holds them and returns nothing, then returns every final output. A signal
    shorter than that (whose extension reflects more than once, as `numpy.pad` does)
    is convolved in one call by `flush`.

    **Memory.** The instance holds the last ``M - 1`` input samples per channel (and,
    in mode 'valid', the first ``M - 1`` outputs until the signal is known to be longer
    than the kernel; with 'symm', 'mirror' or 'edge', the first and last at most ``M``
    samples for the extensions); a chunk is processed in steps of about `STEP_SAMPLES`
    samples, so temporaries do not grow with the chunk.

    After `flush` the instance is ready for a new signal. After an exception from
    `process` (a chunk of the wrong dtype or channel shape, an integer overflow) its
    state is as before the call.

    Examples
    --------
    >>> import numpy as np
    >>> import fftconv as fc
    >>> rng = np.random.default_rng(0)
    >>> signal, kernel = rng.standard_normal(10_000), np.hanning(101)
    >>> stream = fc.StreamConvolver(kernel, mode='same')
    >>> parts = [stream.process(chunk) for chunk in np.array_split(signal, 7)]
    >>> parts.append(stream.flush())
    >>> np.allclose(np.concatenate(parts), fc.convolve(signal, kernel, mode='same'))
    True

    Two channels along the first axis, time along the last:

    >>> stereo = fc.StreamConvolver(kernel, kind='correlate')
    >>> stereo.process(np.ones((2, 300))).shape
    (2, 300)

    A boundary rule: the signal mirrored about its end samples, as in `convolve`:

    >>> stream = fc.StreamConvolver(kernel, mode='same', boundary='symm')
    >>> parts = [stream.process(chunk) for chunk in np.array_split(signal, 40)]
    >>> parts.append(stream.flush())
    >>> whole = fc.convolve(signal, kernel, mode='same', boundary='symm')
    >>> np.allclose(np.concatenate(parts), whole)
    True
    """

    def __init__(
        self,
        kernel: ArrayLike,
        *,
        kind: Kind = "convolve",
        mode: Mode = "full",
        block_size: int | None = None,
        dtype: DTypeLike | None = None,
        axis: int = -1,
        boundary: str = "fill",
        fillvalue: object = 0,
    ) -> None:
        self.kind: Kind = choice(kind, "kind", KINDS)
        self.mode: Mode = choice(mode, "mode", MODES)
        self.boundary: Boundary = resolve_boundary(boundary)
        value = np.asarray(fillvalue)
        if value.ndim != 0 or value.dtype.kind not in "biufc":
            raise ValueError(
                f"fillvalue must be a numeric scalar; got {fillvalue!r} of type "
                f"{type(fillvalue).__name__}"
            )
        self.fillvalue = fillvalue
        h = as_input_array(kernel, "kernel")
        if h.ndim == 0 or 0 in h.shape:
            raise ValueError(f"kernel must have at least one sample; got shape {h.shape}")
        if isinstance(axis, (bool, np.bool_)):
            raise TypeError(f"axis must be an integer; got {axis!r}")
        try:
            self.axis = operator.index(axis)
        except TypeError:
            raise TypeError(f"axis must be an integer; got {axis!r}") from None
        if h.ndim > 1 and not -h.ndim <= self.axis < h.ndim:
            raise ValueError(f"axis={axis} is out of range for a kernel of shape {h.shape}")
        if block_size is not None:
            if isinstance(block_size, (bool, np.bool_)):
                raise TypeError(f"block_size must be an integer; got {block_size!r}")
            try:
                block_size = operator.index(block_size)
            except TypeError:
                raise TypeError(f"block_size must be an integer; got {block_size!r}") from None
            if block_size < 1:
                raise ValueError(f"block_size must be at least 1; got {block_size}")
        self.block_size = block_size
        self.dtype = None if dtype is None else numeric_dtype(dtype)
        self._kernel = h.copy()
        if self.boundary == "wrap" and self.mode != "valid" and self.taps > 1:
            raise ValueError(
                f"boundary={boundary!r} (periodic) cannot stream in mode {self.mode!r}: "
                "the extension in front of the signal is the signal's last samples, so "
                "no output is known before the whole signal is (it would take O(signal) "
                "memory); use fftconv.convolve/correlate on the whole signal with "
                "boundary='wrap', mode='valid' (which never reads the extension), or "
                "boundary 'fill', 'symm', 'mirror' or 'edge'"
            )
        self._backend = resolve_backend(None)
        self._reset()

    def _reset(self) -> None:
        self._started = False  # the first chunk fixes dtype, ndim and channel shape
        self._chunk_dtype = self.dtype
        self._seen = 0  # input samples so far

    @property
    def taps(self) -> int:
        """M: the kernel's length along the time axis."""
        return self._kernel.shape[self.axis if self._kernel.ndim > 1 else 0]

    def _start(self, chunk: np.ndarray) -> None:
        """Fix the stream's layout from its first chunk and prepare the kernel."""
        if chunk.ndim == 0:
            raise ValueError("chunk must have at least one dimension (the time axis)")
        if not -chunk.ndim <= self.axis < chunk.ndim:
            raise ValueError(
                f"axis={self.axis} is out of range for chunks with {chunk.ndim} dimension(s)"
            )
        axis = self.axis % chunk.ndim
        h = self._kernel
        if h.ndim == 1:
            h = np.expand_dims(h, [a for a in range(chunk.ndim) if a != axis])
        elif h.ndim != chunk.ndim:  # here, not from make_spec, which sees a probe's shape
            raise ValueError(
                f"chunk and kernel must have the same number of dimensions; got "
                f"chunk.ndim={chunk.ndim} (shape {chunk.shape}) and kernel.ndim={h.ndim} "
                f"(shape {h.shape})"
            )
        m = h.shape[axis]
        # Validate the broadcast of kernel and channels as `convolve` would.
        probe = np.broadcast_to(np.zeros((), chunk.dtype), _with(chunk.shape, axis, m))
        spec = make_spec(
            probe, h, kind=self.kind, mode="valid", axes=axis, names=("chunk", "kernel")
        )
        self._h, self._m, self._ax = h, m, axis
        self._channels = _with(chunk.shape, axis, 0)
        self._out_channels = _with(spec.out_shape, axis, 0)  # kernel axes broadcast too
        self._chunk_dtype = chunk.dtype
        self._result_dtype = spec.result_dtype
        self._kernel_finite = h.dtype.kind not in "fc" or bool(np.isfinite(h).all())
        dtype = compute_dtype(spec)
        real = dtype.kind != "c"
        if self.block_size is None:
            _, length = _method.oa_block(1 << 24, m, self._backend, real)
        else:
            length = self._backend.next_fast_len(self.block_size + m - 1, real)
        self._length = length
        self._block = length - m + 1
        self._step = max(self._block, STEP_SAMPLES // self._block * self._block, m)
        self._spectra: dict[tuple[np.dtype, int], np.ndarray] = {}
        # The last M - 1 inputs (zeros before the signal) and, in mode 'valid', the
        # first M - 1 outputs, which belong to the result only if the signal turns out
        # shorter than the kernel.
        self._head = np.zeros(self._out_channels, dtype=self._result_dtype)
        self._start_boundary(spec)
        self._started = True

    def _start_boundary(self, spec: ConvSpec) -> None:
        """The boundary extension's widths, dtype and first state (see `_boundary`).

        Mode window ``[s, s + L)`` of the full result: the extension is ``M - 1 - s``
        samples in front and ``s + L - N`` behind: ``M - 1`` and ``M - 1`` in 'full',
        ``M // 2`` and ``(M - 1) // 2`` in 'same', none read in 'valid'.
        """
        m, ax, rule = self._m, self._ax, self.boundary
        # Validated here, as `convolve` does, whatever the rule and mode.
        fill, dtype = fill_value(self.fillvalue, spec)
        self._fill = fill
        # Zero fill is no extension: a zero outside the signal is not a term (inf * 0).
        self._active = self.mode != "valid" and m > 1 and (rule != "fill" or bool(fill.any()))
        start = (m - 1) // 2 if self.mode == "same" else 0
        self._front = m - 1 - start if self._active else 0
        self._back = (m - 1 if self.mode == "full" else start) if self._active else 0
        # The extension's dtype: the chunks' unless the fill value needs the result's.
        self._work: np.dtype = dtype if self._active else spec.in1.dtype

        def reads(width: int) -> int:
            """Signal samples an extension of `width` reads by one reflection (numpy.pad's
            result for a signal at least this long): 'mirror' skips the edge sample."""
            if rule == "fill" or not width:
                return 0
            return {"symm": width, "mirror": width + 1, "edge": 1}[rule]

        # The first samples the extension in front reads, the last ones the one behind
        # reads (never more: the front is at least as wide as the back).
        self._need_front, self._keep_back = reads(self._front), reads(self._back)
        channels = _with(self._channels, ax, 0)
        self._tail = np.zeros(channels, dtype=spec.in1.dtype)
        # The last M - 1 inputs of the extended signal: zeros (not read by any output in
        # the mode window), then the extension in front once it is known.
        self._history = np.zeros(_with(self._channels, ax, m - 1), dtype=self._work)
        self._pending: np.ndarray | None = None
        if self._need_front:
            # The first samples, held until the extension in front can be made.
            self._pending = np.zeros(channels, dtype=spec.in1.dtype)
        elif self._front:
            self._history[axis_index(self._history.ndim, ax, m - 1 - self._front, m - 1)] = fill

    def _extension(self, samples: np.ndarray, width: int, *, front: bool) -> np.ndarray:
        """`width` samples of the extension in front of (or behind) `samples`, the
        signal's first (last) samples: as many as one reflection reads."""
        ax = self._ax
        if self.boundary == "fill":
            return np.full(_with(self._channels, ax, width), self._fill, dtype=self._work)
        pads = [(0, 0)] * samples.ndim
        pads[ax] = (width, 0) if front else (0, width)
        extended = np.pad(samples, pads, mode=cast(Any, NUMPY_PAD[self.boundary]))
        start = 0 if front else samples.shape[ax]
        return axis_slice(extended, ax, start, start + width).astype(self._work)

    def process(self, chunk: ArrayLike) -> np.ndarray:
        """Feed the next chunk; return every output sample that became final.

        Parameters
        ----------
        chunk : array_like
            The next samples, along `axis`; the other axes (channels) as in the first
            chunk, and the same dtype. May be empty along `axis`.

        Returns
        -------
        numpy.ndarray
            The new output samples along `axis` (possibly none), of dtype
            ``numpy.result_type(chunk, kernel)``.

        Raises
        ------
        ValueError
            A chunk whose dtype or channel shape differs from the first chunk's (or from
            `dtype`), or with the wrong number of dimensions.
        TypeError
            A non-numeric chunk.
        OverflowError
            An integer output does not fit its dtype.
        """
        a = as_input_array(chunk, "chunk")
        first_chunk = not self._started
        if first_chunk:
            if self.dtype is not None and a.dtype != self.dtype:
                raise ValueError(f"chunk has dtype {a.dtype}; this stream expects {self.dtype}")
            self._start(a)
        self._check(a)
        # The state the call replaces (never writes into), restored on an exception.
        state = (self._history, self._tail, self._pending, self._head, self._seen)
        try:
            if self._pending is not None:
                return self._collect(a)
            return self._feed(a)
        except BaseException:
            if first_chunk:
                self._reset()
            else:
                self._history, self._tail, self._pending, self._head, self._seen = state
            raise

    def _feed(self, a: np.ndarray) -> np.ndarray:
        """The outputs of the next samples `a` once the extension in front is known."""
        full = self._outputs(self._history, a, self._real_history())
        self._history = _keep_last(self._history, a, self._m - 1, self._ax, self._work)
        if self._keep_back:
            self._tail = _keep_last(self._tail, a, self._keep_back, self._ax, a.dtype)
        first = self._seen
        self._seen += a.shape[self._ax]
        return self._window(full, first, final=False)

    def _collect(self, a: np.ndarray) -> np.ndarray:
        """Hold the first samples until the extension in front can be made from them;
        then feed them and `a` (which is not copied whole: it may be long)."""
        ax, need = self._ax, self._need_front
        held = cast(np.ndarray, self._pending)
        n, have = a.shape[ax], held.shape[ax]
        first = np.concatenate([held, axis_slice(a, ax, 0, min(need - have, n))], axis=ax)
        if first.shape[ax] < need:
            self._pending = first  # a copy: never keep the caller's chunk
            return np.zeros(_with(self._out_channels, ax, 0), dtype=self._result_dtype)
        self._pending = None
        front = self._extension(first, self._front, front=True)
        index = axis_index(self._history.ndim, ax, self._m - 1 - self._front, self._m - 1)
        self._history = self._history.copy()
        self._history[index] = front
        return np.concatenate([self._feed(held), self._feed(a)], axis=ax)

    def flush(self) -> np.ndarray:
        """Return the remaining output samples and reset the stream for a new signal.

        Returns
        -------
        numpy.ndarray
            The outputs not returned by `process` yet.

        Raises
        ------
        ValueError
            If no sample was processed (a convolution of an empty signal).
        """
        held = None if not self._started else self._pending
        if not self._started or (self._seen == 0 and (held is None or not held.shape[self._ax])):
            self._reset()
            raise ValueError("flush: no samples were processed (the signal is empty)")
        if held is not None:
            # A signal too short to make the extension in front from one reflection: the
            # whole of it is here, and `convolve` extends it as numpy.pad does.
            operate = convolve if self.kind == "convolve" else correlate
            whole = operate(
                held, self._h, self.mode, axes=self._ax, boundary=self.boundary,
                fillvalue=self.fillvalue,
            )  # fmt: skip
            self._reset()
            return whole.astype(self._result_dtype, copy=False)
        if self._active:
            behind = self._extension(self._tail, self._back, front=False)
            tail = self._outputs(self._history, behind, self._real_history())
        else:
            zeros = np.zeros(_with(self._channels, self._ax, self._m - 1), dtype=self._work)
            tail = self._outputs(self._history, zeros, self._real_history(), fake_new=True)
        try:
            return self._window(tail, self._seen, final=True)
        finally:
            self._reset()

    def _check(self, a: np.ndarray) -> None:
        if a.ndim != len(self._channels):
            raise ValueError(
                f"chunk has {a.ndim} dimension(s); the first chunk had {len(self._channels)}"
            )
        if a.dtype != self._chunk_dtype:
            raise ValueError(
                f"chunk has dtype {a.dtype}; the first chunk had {self._chunk_dtype} "
                "(convert the chunks to one dtype)"
            )
        if _with(a.shape, self._ax, 0) != self._channels:
            raise ValueError(
                f"chunk has shape {a.shape}; its channel axes (all but axis {self._ax}) "
                f"must match the first chunk's {_with(self._channels, self._ax, '*')}"
            )

    def _real_history(self) -> int:
        """How many of the history's samples are the extended signal's (the rest are
        zeros, which are not terms of the sum)."""
        return min(self._seen + self._front, self._m - 1)

    def _outputs(
        self, history: np.ndarray, new: np.ndarray, real: int, *, fake_new: bool = False
    ) -> np.ndarray:
        """The full-result outputs at the positions of the `new` inputs: the 'valid'
        outputs of ``history + new``, computed in steps of `_step` new samples.

        `real`: how many of the history's last samples are the signal's; `fake_new`: the
        new samples are the zeros after the signal (`flush`). The outputs next to the
        signal's ends are computed from the signal's samples alone at the end (`flush`:
        a one-shot 'full' convolution of the last M - 1 samples, which is also far
        cheaper than padding when the signal is short and the channels many) and at the
        start when the kernel holds NaN or inf: a zero outside the signal is not a term
        of the definition, and inf * 0 would be NaN.
        """
        m, ax = self._m, self._ax
        n = new.shape[ax]
        if n and (fake_new or (not self._kernel_finite and real < m - 1)):
            signal = axis_slice(history, ax, m - 1 - real, m - 1)
            edge = n if fake_new else min(n, m - 1 - real)
            if not fake_new:
                signal = np.concatenate([signal, axis_slice(new, ax, 0, edge)], axis=ax)
            spec = make_spec(signal, self._h, kind=self.kind, mode="full", axes=ax)
            outputs = axis_slice(run(spec, "auto", self._backend, 1), ax, real, real + edge)
            if edge == n:
                return outputs
            rest = self._outputs(
                np.concatenate([history, axis_slice(new, ax, 0, edge)], axis=ax)[
                    axis_index(history.ndim, ax, edge, edge + m - 1)
                ],
                axis_slice(new, ax, edge, n),
                m - 1,
            )
            return np.concatenate([outputs, rest], axis=ax)
        out = np.empty(_with(self._out_channels, ax, n), dtype=self._result_dtype)
        for start in range(0, n, self._step):
            stop = min(n, start + self._step)
            if start >= m - 1:
                data = axis_slice(new, ax, start - (m - 1), stop)  # a view: no copy
            else:
                head = axis_slice(history, ax, start, m - 1)
                data = np.concatenate([head, axis_slice(new, ax, 0, stop)], axis=ax)
            out[axis_index(out.ndim, ax, start, stop)] = self._valid(data)
        return out

    def _valid(self, data: np.ndarray) -> np.ndarray:
        """The 'valid' outputs of `data` (at least M samples along the time axis)."""
        spec = make_spec(data, self._h, kind=self.kind, mode="valid", axes=self._ax)
        exact = None
        if spec.is_integer:
            exact = plan_exact(spec, math.prod(spec.full_shape[a] for a in spec.axes))
        method = choose(spec, self._backend, quick=True, exact=exact).method
        return compute(spec, method, self._overlap_save, exact, kernel_finite=self._kernel_finite)

    def _overlap_save(self, x: np.ndarray, h: np.ndarray, spec: ConvSpec) -> np.ndarray:
        """`_dispatch.compute`'s FFT engine for one step: overlap-save with the kernel's
        spectrum (`h`, with its non-finite values zeroed by `compute`, is not read)."""
        # A step with fewer outputs than whole blocks (a short chunk, flush) may use a
        # shorter transform, 2**k or 3 * 2**k (so at most 2 log2(block) spectra are
        # kept): with many channels a block-long one cost up to 50x more.
        outputs = x.shape[self._ax] - self._m + 1
        length = _method.overlap_save_length(outputs, self._m, self._length)
        return overlap_save_window(
            x,
            h,
            spec,
            spectrum=self._spectrum(x.dtype, length),
            length=length,
            backend=self._backend,
            workers=1,
        )

    def _spectrum(self, dtype: np.dtype, length: int) -> np.ndarray:
        spectrum = self._spectra.get((dtype, length))
        if spectrum is None:
            h = stream_kernel_layout(zero_nonfinite(self._h.astype(dtype)), self._ax)
            spectrum = self._backend.spectrum(
                h, [length], [h.ndim - 1], 1, self.kind == "correlate"
            )
            self._spectra[(dtype, length)] = spectrum
        return spectrum

    def _window(self, full: np.ndarray, first: int, *, final: bool) -> np.ndarray:
        """The part of the full-result outputs ``first ...`` (in `full`) that lies in
        the mode's window; at the end of the signal (`final`) the window is known."""
        m, ax, total = self._m, self._ax, self._seen
        count = full.shape[ax]
        if self.mode == "full":
            return full
        if self.mode == "same":
            lo, hi = (m - 1) // 2, ((m - 1) // 2 + total if final else first + count)
            return axis_slice(full, ax, max(lo - first, 0), max(min(hi - first, count), 0))
        # valid: [min(N, M) - 1, max(N, M)), N only known at the end. Outputs below
        # M - 1 are held in `_head` until then.
        if not final:
            below = max(min(m - 1 - first, count), 0)
            self._head = np.concatenate([self._head, axis_slice(full, ax, 0, below)], axis=ax)
            return axis_slice(full, ax, below, count)
        if total >= m:
            return axis_slice(full, ax, 0, 0)  # every valid output came from process()
        # A signal shorter than the kernel: outputs [N - 1, M) of the full result.
        both = np.concatenate([self._head, full], axis=ax)
        return axis_slice(both, ax, total - 1, m)


def _keep_last(held: np.ndarray, a: np.ndarray, k: int, axis: int, dtype: np.dtype) -> np.ndarray:
    """The last (at most) `k` samples of `held` followed by `a`, in `dtype` (a copy:
    never keep the caller's chunk)."""
    n = a.shape[axis]
    if n >= k:
        return np.array(axis_slice(a, axis, n - k, n), dtype=dtype)
    both = np.concatenate([held, a], axis=axis).astype(dtype, copy=False)
    total = both.shape[axis]
    return axis_slice(both, axis, max(total - k, 0), total)


def _with(shape: tuple[Any, ...], axis: int, value: Any) -> tuple[Any, ...]:
    return shape[:axis] + (value,) + shape[axis + 1 :]
