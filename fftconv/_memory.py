"""Working-set estimates and the memory check that runs before a call allocates.

A call whose working set would not fit in the memory available raises `MemoryError`
stating the bytes needed, before it allocates anything large, instead of swapping the
machine to a standstill or being killed by the kernel's OOM killer. ``method='auto'``
first tries the other methods, cheapest first, within `FALLBACK_SLOWDOWN` of the
fastest prediction.

**Working set.** The bytes a method holds at its peak, from the spec alone (`working_set`):

* every method: the result, the inputs converted to the compute dtype when they are
  not in it already, and the result in the compute dtype before its final cast;
* ``'direct'``: the output and, in N-D, one scratch array of the output's shape
  (`_direct`), in the compute dtype (or the exact accumulator of an integer call: int64, uint64, or
  Python integers at `_OBJECT_INT_BYTES` each);
* ``'fft'``: per batch element, the padded input, its spectrum, the padded kernel and its
  spectrum and the inverse transform, at the transform lengths the backend uses
  (`fast_lengths`);
* ``'oa'``: the same for all blocks at once (``blocks x transform length`` per axis:
  the blocks are transformed in one batched call), plus along one axis the zero-padded
  end segments and the uncropped outputs of overlap-save, along several the zero-padded
  copy of `in1` and the overlap-add sums.

Estimates leave out the FFT library's plans and small temporaries; `MARGIN` covers them.

**Available memory** (`available_bytes`): ``MemAvailable`` of ``/proc/meminfo`` (the
kernel's estimate of what can be allocated without swapping), or the free physical
pages from `os.sysconf` where that file does not exist, and no more than a control
group's (container's) limit less its usage. A call may use `MARGIN` of it.

Calls whose working set is below `CHECK_ABOVE` are not checked: reading
``/proc/meminfo`` takes ~50 us, more than such a call, and 16 MiB free is not the
situation this guards against.
"""

from __future__ import annotations

import math
import operator
import os
from collections.abc import Iterable

import numpy as np

from ._backends import FFTBackend
from ._fft import fast_lengths
from ._method import oa_plan
from ._spec import ConvSpec

#: Working sets below this many bytes are not checked (see the module docstring).
CHECK_ABOVE = 16 << 20

#: The fraction of the available memory one call may plan to use. The rest covers what
#: the estimate leaves out (plans, small temporaries) and what other threads allocate.
MARGIN = 0.9

#: ``method='auto'`` falls back to a method whose working set fits only if its predicted
#: time is at most this many times the fastest method's (the direct sum of a call that
#: needs an FFT can take hours: then the MemoryError, with advice, is the better answer).
FALLBACK_SLOWDOWN = 10.0

# Array headers, plans' bookkeeping, small copies: measured below 10 KiB a call here.
_SMALL_BYTES = 64 << 10

# An exact integer sum in Python integers: an 8-byte pointer and a ~32-byte int object.
_OBJECT_INT_BYTES = 40

# Full-result points (batch included) below which no method's working set can reach
# CHECK_ABOVE: the largest per-point figure, complex128 'oa' along three axes, is about
# 7 arrays x 16 bytes x 2**3 (padding to fast lengths at most doubles each axis).
_UNCHECKED_POINTS = CHECK_ABOVE // (7 * 16 * 8)


def _read_meminfo(path: str = "/proc/meminfo") -> int | None:
    try:
        with open(path, encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # reported in kB
    except (OSError, ValueError):
        pass
    return None


def _read_int(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as f:
            text = f.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # cgroup v2 writes 'max' for no limit


def _cgroup_headroom() -> int | None:
    """A control group's limit less its usage (v2, then v1), or None without a limit."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        limit = _read_int(limit_file)
        usage = _read_int(usage_file)
        # v1 reports "no limit" as a number near 2**63.
        if limit is not None and usage is not None and limit < 1 << 60:
            return max(limit - usage, 0)
    return None


def available_bytes() -> int | None:
    """The bytes this process can allocate without swapping, or None if unknown.

    Returns
    -------
    int or None
        ``MemAvailable`` (or free physical pages), capped by a control group's headroom.

    Examples
    --------
    >>> from fftconv import _memory
    >>> _memory.available_bytes() > 0
    True
    """
    found = _read_meminfo()
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            found = None
    headroom = _cgroup_headroom()
    if headroom is not None:
        found = headroom if found is None else min(found, headroom)
    return found


def _batch(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    return math.prod(n for a, n in enumerate(shape) if a not in axes)


def _spectrum_points(lengths: Iterable[int], real: bool) -> int:
    """Points of a spectrum: a real transform keeps half of its last axis."""
    lengths = list(lengths)
    if real:
        lengths[-1] = lengths[-1] // 2 + 1
    return math.prod(lengths)


def working_set(
    spec: ConvSpec,
    method: str,
    backend: FFTBackend,
    compute: np.dtype,
    accumulator: np.dtype | None = None,
) -> int:
    """Estimated peak bytes of `spec` by `method` computed in `compute` (see the module
    docstring). `accumulator`: the exact direct sum's dtype of an integer call.

    Examples
    --------
    >>> import numpy as np
    >>> from fftconv import _memory
    >>> from fftconv._backends import resolve_backend
    >>> from fftconv._spec import make_spec
    >>> spec = make_spec(np.ones(1000), np.ones(10), kind='convolve', mode='full')
    >>> _memory.working_set(spec, 'direct', resolve_backend('numpy'), np.dtype('f8'))
    81680
    """
    out_points = math.prod(spec.out_shape)
    nbytes = out_points * spec.result_dtype.itemsize
    if method == "direct":
        acc = accumulator if accumulator is not None else compute
        item = _OBJECT_INT_BYTES if acc.kind == "O" else acc.itemsize
        converted = [a for a in (spec.in1, spec.in2) if a.dtype != acc]
        nbytes += sum(a.size for a in converted) * item
        # numpy.convolve (1-D) needs no scratch; the N-D engine one output-sized array.
        return nbytes + (1 if spec.ndim == 1 else 2) * out_points * item + _SMALL_BYTES
    item = compute.itemsize
    real = compute.kind != "c"
    spectral = 2 * item if real else item  # one complex value
    nbytes += sum(a.size for a in (spec.in1, spec.in2) if a.dtype != compute) * item
    if compute != spec.result_dtype:
        nbytes += out_points * item
    b1 = _batch(spec.in1.shape, spec.axes)
    b2 = _batch(spec.in2.shape, spec.axes)
    bout = _batch(spec.out_shape, spec.axes)
    if method == "oa":
        plan = oa_plan(spec, backend, real)
        blocks = math.prod(
            -(-spec.in1.shape[a] // b) for a, b in zip(spec.axes, plan.blocks, strict=True)
        )
        kernel_lengths = list(plan.lengths)
        if len(spec.axes) > 1:
            nbytes += b1 * blocks * math.prod(plan.blocks) * item  # in1 padded to blocks
            nbytes += bout * blocks * math.prod(plan.lengths) * item  # overlap-add sums
        else:
            # Overlap-save: the end segments copied with zeros (at most all of in1 and
            # two transform lengths) and the valid outputs before they are cropped.
            n = spec.in1.shape[spec.axes[0]]
            nbytes += b1 * (n + 2 * plan.lengths[0]) * item + out_points * item
        kernel_copies = 2  # the backend's spectrum buffer and the copy the caller owns
    else:
        blocks = 1
        kernel_lengths = fast_lengths(spec, backend, compute)
        kernel_copies = 1
    points = blocks * math.prod(kernel_lengths)  # of all blocks' transforms
    spectrum = blocks * _spectrum_points(kernel_lengths, real)
    kernel_points = math.prod(kernel_lengths)
    kernel_spectrum = _spectrum_points(kernel_lengths, real)
    nbytes += b1 * points * item  # in1 zero-padded to the transform lengths
    nbytes += max(b1, bout) * spectrum * spectral  # its spectrum, then times the kernel's
    # The kernel zero-padded, its spectrum, and (in N-D, pyfftw) the rows of its first pass.
    nbytes += b2 * kernel_points * item
    nbytes += b2 * kernel_spectrum * spectral * (kernel_copies + (len(spec.axes) > 1))
    nbytes += bout * points * item  # the inverse transform
    return nbytes + _SMALL_BYTES


def worth_checking(spec: ConvSpec) -> bool:
    """False when no method's working set for `spec` can reach `CHECK_ABOVE`; well under
    a microsecond, so that small calls pay nothing for the check."""
    # N + M per axis bounds the full result's N + M - 1 (and a batch axis's max(N, M)).
    return math.prod(map(operator.add, spec.in1.shape, spec.in2.shape)) >= _UNCHECKED_POINTS


def fits(nbytes: int) -> bool:
    """Whether `nbytes` fits in `MARGIN` of the available memory (True if unknown)."""
    if nbytes < CHECK_ABOVE:
        return True
    available = available_bytes()
    return available is None or nbytes <= MARGIN * available


def _size(nbytes: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if nbytes < 1024 or unit == "TiB":
            return f"{nbytes:.0f} bytes" if unit == "bytes" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    raise AssertionError("unreachable")


def check(
    spec: ConvSpec,
    method: str,
    backend: FFTBackend,
    compute: np.dtype,
    *,
    accumulator: np.dtype | None = None,
    costs: dict[str, float] | None = None,
) -> tuple[str, int]:
    """The method to run `spec` with and its working set, or MemoryError.

    `method` runs if its working set fits. With `costs` (``method='auto'`` chose
    `method` from them), otherwise the cheapest method in `costs` within
    `FALLBACK_SLOWDOWN` of the fastest whose working set fits. MemoryError, stating the
    bytes needed, when none fits. `accumulator`: the exact direct sum's dtype of an
    integer call (an integer call whose FFT would not be exact passes 'direct').
    """
    needed = working_set(spec, method, backend, compute, accumulator)
    if fits(needed):
        return method, needed
    sets = {method: needed}
    if costs is not None:
        best = min(costs.values())
        for other in sorted(costs, key=costs.__getitem__):
            if other != method:
                sets[other] = working_set(spec, other, backend, compute, accumulator)
                if costs[other] <= FALLBACK_SLOWDOWN * best and fits(sets[other]):
                    return other, sets[other]
    for other in ("direct", "fft", "oa") if accumulator is None else ("direct",):
        if other not in sets:  # quoted in the message
            sets[other] = working_set(spec, other, backend, compute, accumulator)
    available = available_bytes() or 0
    alternatives = "; ".join(
        f"method={m!r} needs {_size(b)}" for m, b in sets.items() if m != method
    )
    raise MemoryError(
        f"{spec.kind} of in1 shape {spec.in1.shape} and in2 shape {spec.in2.shape} "
        f"({spec.result_dtype} result, mode={spec.mode!r}) by method={method!r} needs about "
        f"{needed} bytes ({_size(needed)}) of working memory; {available} bytes "
        f"({_size(available)}) are available and one call may use {MARGIN:.0%} of that "
        f"({alternatives}). Nothing was allocated. Process the signal in pieces with "
        "fftconv.StreamConvolver or fftconv.convolve_file (constant memory), or pass a "
        "dask array."
    )


def require(nbytes: int, what: str) -> None:
    """MemoryError, before allocating, if `what` needs more than `nbytes` fits (see
    `fits`): for the entry points that size their own transforms (time series, template
    matching, separable passes) and so cannot use `working_set`.

    Examples
    --------
    >>> from fftconv import _memory
    >>> _memory.require(1024, 'a small transform')  # below CHECK_ABOVE: never refused
    """
    if fits(nbytes):
        return
    available = available_bytes() or 0
    raise MemoryError(
        f"{what} needs about {nbytes} bytes ({_size(nbytes)}) of working memory; "
        f"{available} bytes ({_size(available)}) are available and one call may use "
        f"{MARGIN:.0%} of that. Nothing was allocated."
    )
