"""`calibrate`: measure this machine's cost-model constants and save them as a profile.

Each measurement times the engine or backend call that the cost model predicts, on a
small grid, as the median of a few repeats of enough calls to last a few milliseconds.
The whole run takes well under a minute on two cores.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import _profile
from ._api import convolve
from ._backends import BACKENDS, FFTBackend, resolve_backend
from ._direct import direct_convolve, direct_macs
from ._fft import fast_lengths, fft_convolve
from ._method import BUILTIN, fft_cost, fft_key, oa_plan
from ._overlap import oa_convolve
from ._profile import Constants, FFTTable
from ._spec import ConvSpec, make_spec

# Dtype keys of the cost model and the dtype each is measured with.
_DIRECT_DTYPES = {
    "f4": "float32",
    "f8": "float64",
    "c8": "complex64",
    "c16": "complex128",
    "i8": "int64",
}
_FFT_DTYPES = ("float32", "float64", "complex64", "complex128")
# Transform sizes (log2 points) of the table; N-D entries are squares.
_LADDER = (8, 10, 12, 14, 16, 18, 20, 22)
# Overlap-add sizes (log2 points of all blocks, about).
_OA_LADDER = (10, 12, 14, 16, 18, 20, 22)
# numpy's backend (a fallback that is rarely the fastest) stops here: its 2**22 rungs took
# 8 of calibration's seconds.
_NUMPY_TOP = 20


def _rungs(ladder: tuple[int, ...], backend: FFTBackend) -> tuple[int, ...]:
    """The sizes to measure for one backend: `ladder`, less numpy's largest."""
    if backend.name == "numpy":
        return tuple(k for k in ladder if k <= _NUMPY_TOP)
    return ladder


def _median_time(call: Callable[[], object], repeat: int = 3, min_time: float = 0.005) -> float:
    """Median seconds per call over `repeat` runs of enough calls to last `min_time`."""
    call()
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            break
        number *= 2
    runs = [elapsed / number]
    for _ in range(repeat - 1):
        start = time.perf_counter()
        for _ in range(number):
            call()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


def _spec(n: tuple[int, ...], m: tuple[int, ...], dtype: str, mode: str = "full") -> ConvSpec:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n).astype(dtype)
    h = rng.standard_normal(m).astype(dtype)
    return make_spec(x, h, kind="convolve", mode=mode)


def _fit(rows: list[tuple[list[float], float]]) -> list[float]:
    """Least squares on relative error: minimise sum(((A c) - t) / t)**2, clipped >= 0."""
    a = np.array([[f / t for f in feats] for feats, t in rows])
    coef, *_ = np.linalg.lstsq(a, np.ones(len(rows)), rcond=None)
    return [max(float(c), 0.0) for c in coef]


def _direct_1d() -> tuple[dict[str, float], float, dict[str, float]]:
    per_mac, per_out, small = {}, [], {}
    for key, dtype in _DIRECT_DTYPES.items():
        rows = []
        for n, m in ((20_000, 31), (20_000, 400), (100_000, 16), (100_000, 100)):
            spec = _spec((n,), (m,), dtype)
            t = _median_time(functools.partial(direct_convolve, spec.in1, spec.in2, spec))
            rows.append(([float(direct_macs(spec)), float(spec.out_shape[0])], t * 1e9))
        mac, out = _fit(rows)
        per_mac[key] = round(mac, 4)
        per_out.append(out)
        if key in ("f4", "f8"):
            small_rows = []
            for n, m in ((100_000, 3), (100_000, 8), (20_000, 5)):
                spec = _spec((n,), (m,), dtype)
                t = _median_time(functools.partial(direct_convolve, spec.in1, spec.in2, spec))
                small_rows.append(([float(direct_macs(spec))], t * 1e9))
            small[key] = round(_fit(small_rows)[0], 4)
    per_mac["O"] = BUILTIN.direct_1d_ns["O"]  # Python ints: only when nothing else is exact
    return per_mac, round(statistics.median(per_out), 2), small


def _direct_nd() -> tuple[dict[str, float], float]:
    per_mac, steps = {}, []
    for key, dtype in _DIRECT_DTYPES.items():
        rows = []
        for n, m in (
            ((512, 512), (3, 3)),
            ((256, 256), (9, 9)),
            ((64, 64), (15, 15)),
            ((32, 32), (9, 9)),
        ):
            spec = _spec(n, m, dtype, "same")
            t = _median_time(functools.partial(direct_convolve, spec.in1, spec.in2, spec))
            rows.append(([float(direct_macs(spec)), float(math.prod(m))], t * 1e9))
        mac, step = _fit(rows)
        per_mac[key] = round(mac, 4)
        steps.append(step)
    per_mac["O"] = BUILTIN.direct_nd_ns["O"]
    return per_mac, round(statistics.median(steps), -1)


def _transform_seconds(backend: FFTBackend, dtype: str, shape: tuple[int, ...]) -> float:
    """Seconds of one transform of `shape`: a third of the backend's circular convolution
    of that size (two forward transforms, the product, one inverse), as the FFT methods
    call it."""
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    h = x[(slice(0, 1),) * x.ndim]
    axes = list(range(len(shape)))
    call = functools.partial(backend.circular_convolve, x, h, shape, axes, 1)
    return _median_time(call, repeat=_repeats(x.size)) / 3


def _repeats(points: int) -> int:
    """Timed runs per size: one from 2**20 points up (calls of 20-300 ms, steady enough
    after the warm-up call; three took calibration to 69 s here), else three."""
    return 1 if points >= 2**20 else 3


def _table(
    backends: tuple[str, ...],
    rows_for: Callable[[FFTBackend, str, int], tuple[tuple[float, float], ...]],
) -> FFTTable:
    """A table over the importable `backends`, the FFT dtypes and 1-D/2-D."""
    table: FFTTable = {}
    for name in backends:
        try:
            backend = resolve_backend(name)
        except ImportError:
            continue
        table[name] = {
            fft_key(np.dtype(dtype), ndim): rows_for(backend, dtype, ndim)
            for dtype in _FFT_DTYPES
            for ndim in (1, 2)
        }
    return table


def _transform_rows(backend: FFTBackend, dtype: str, ndim: int) -> tuple[tuple[float, float], ...]:
    """(log2 points, ns per points*log2(points) of one transform) on the size ladder."""
    rows = []
    for k in _rungs(_LADDER, backend):
        shape = (2 ** (k // ndim),) * ndim
        points = math.prod(shape)
        ns = _transform_seconds(backend, dtype, shape) * 1e9
        rows.append((math.log2(points), round(ns / (points * math.log2(points)), 4)))
    return tuple(rows)


def _oa_rows(backend: FFTBackend, dtype: str, ndim: int) -> tuple[tuple[float, float], ...]:
    """(log2 points of all blocks, overlap-add ns per unit of block work nblocks*L*log2 L),
    end to end, on signals whose blocks hold 2**10 ... 2**22 points in all. The small
    sizes (with a small kernel, so that they are still cut into blocks) capture the fixed
    cost of the method's dozen array operations, which dominates below ~2**14 points."""
    rows = []
    for k in _rungs(_OA_LADDER, backend):
        shape = (2 ** (k // ndim),) * ndim
        if k < 14:
            kernel = (15,) if ndim == 1 else (3, 3)
        else:
            kernel = (255,) if ndim == 1 else (15, 15)
        spec = _spec(shape, kernel, dtype)
        plan = oa_plan(spec, backend, real=np.dtype(dtype).kind != "c")
        nblocks = math.prod(-(-n // b) for n, b in zip(shape, plan.blocks, strict=True))
        size = math.prod(plan.lengths)
        seconds = _median_time(
            functools.partial(
                oa_convolve, spec.in1, spec.in2, spec, plan.blocks, plan.lengths, backend, 1
            ),
            repeat=_repeats(spec.in1.size),
        )
        work = nblocks * size * math.log2(size)
        rows.append((math.log2(nblocks * size), round(seconds * 1e9 / work, 4)))
    return tuple(sorted(rows))


def _fft_pass(table: FFTTable, call_ns: float) -> float:
    """ns per padded point that the single-FFT method spends beyond its three transforms
    (padding, product, output copy): the median residual over a few 1-D and 2-D cases."""
    backend = resolve_backend(None)
    partial = Constants(
        **{
            **BUILTIN.__dict__,
            "fft_table": table,
            "fft_pass_ns": 0.0,
            "fft_call_ns": call_ns,
            "_memo": {},
        }
    )
    residuals = []
    for n, m in (
        ((100_000,), (5000,)),
        ((1_000_000,), (50_000,)),
        ((256, 256), (3, 3)),
        ((1024, 1024), (31, 31)),
    ):
        spec = _spec(n, m, "float64")
        lengths = fast_lengths(spec, backend, np.dtype(np.float64))
        size = math.prod(lengths)
        seconds = _median_time(
            functools.partial(fft_convolve, spec.in1, spec.in2, spec, backend, 1)
        )
        previous = _profile.active()
        _profile.set_active(partial)
        try:
            predicted = fft_cost(spec, np.dtype(np.float64), lengths, backend)
        finally:
            _profile.set_active(previous)
        residuals.append((seconds * 1e9 - predicted) / size)
    return round(max(statistics.median(residuals), 0.0), 3)


def measure(backends: tuple[str, ...] = BACKENDS) -> Constants:
    """Measure every constant of the cost model on this machine (no saving)."""
    d1, d1_out, d1_small = _direct_1d()
    dnd, step = _direct_nd()
    # The FFT methods' fixed cost, measured through the public function: validation and
    # the non-finite scan are part of what an FFT-method call costs over a direct one.
    tiny_x, tiny_h = np.ones(32), np.ones(4)
    call = _median_time(lambda: convolve(tiny_x, tiny_h, method="fft"))
    fft_table = _table(backends, _transform_rows)
    return Constants(
        direct_1d_ns=d1,
        direct_1d_out_ns=d1_out,
        direct_1d_small_ns=d1_small,
        direct_nd_ns=dnd,
        direct_nd_step_ns=step,
        fft_call_ns=round(call * 1e9, -2),
        fft_pass_ns=_fft_pass(fft_table, round(call * 1e9, -2)),
        fft_table=fft_table,
        # numpy's backend is rarely used for speed: its overlap-add cost is estimated
        # from its transform table, which saves a third of the calibration time.
        oa_table=_table(tuple(b for b in backends if b != "numpy"), _oa_rows),
        source="measured",
    )


def calibrate(*, save: bool = True, path: str | Path | None = None) -> Constants:
    """Measure this machine for the ``method='auto'`` cost model and use the result.

    Times the direct engines and the FFT backends on a small grid (about 30 s on two
    cores), makes the result the active constants of this process and, by default,
    saves it as a profile that later processes load. A profile is only used on the
    machine and library versions it was measured with.

    Parameters
    ----------
    save : bool, optional
        Write the profile (default True).
    path : str or pathlib.Path, optional
        Where to write it. Default: ``profile.json`` in ``$FFTCONV_CACHE_DIR`` or, when
        that is unset, the user cache directory (``~/.cache/fftconv`` on Linux).

    Returns
    -------
    Constants
        The measured constants (``.source`` names the profile file when saved).

    See Also
    --------
    choose_method : The choice these constants drive.

    Notes
    -----
    Run it again after upgrading numpy, scipy, pyfftw or fftconv: a profile measured
    with other versions is ignored (with a warning) in favour of the built-in constants.

    Examples
    --------
    >>> import fftconv as fc
    >>> constants = fc.calibrate(save=False)  # doctest: +SKIP
    """
    constants = measure()
    if save:
        written = _profile.save(constants, Path(path) if path is not None else None)
        constants = dataclasses.replace(constants, source=str(written))
    _profile.set_active(constants)
    return constants
