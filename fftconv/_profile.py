"""The cost model's constants: built-in, or a machine profile saved by `calibrate`.

A profile is a JSON file in the user cache directory (``$FFTCONV_CACHE_DIR`` overrides
it): the constants of `fftconv._method` plus a fingerprint of the machine and library
versions it was measured with. It is loaded once per process, on the first ``auto``
call. A profile that cannot be read, is malformed, or was measured elsewhere (another
fingerprint) is ignored with a `RuntimeWarning`, and the built-in constants are used.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import math
import os
import platform
import sys
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import scipy

SCHEMA = 1
PROFILE_NAME = "profile.json"

# Transform-cost table: backend -> "<dtype key>/<1 or n>" -> ((log2 points, ns), ...) where
# ns is the time of one transform divided by points * log2(points), measured through the
# backend as the engines call it (so it includes the backend's buffer handling).
FFTTable = dict[str, dict[str, tuple[tuple[float, float], ...]]]


@dataclass(frozen=True)
class Constants:
    """Every constant the cost model uses (nanoseconds per unit of work)."""

    direct_1d_ns: dict[str, float]
    direct_1d_out_ns: float
    direct_1d_small_ns: dict[str, float]
    direct_nd_ns: dict[str, float]
    direct_nd_step_ns: float
    fft_call_ns: float
    # Single-FFT method, per point of the padded transform: padding, the spectrum
    # product and the output copy, beyond the transforms themselves.
    fft_pass_ns: float
    fft_table: FFTTable = field(default_factory=dict)
    # Overlap-add, per backend and dtype: rows of (log2 of all blocks' points, ns per unit
    # of block work nblocks * L * log2(L)), measured end to end (transforms, padding,
    # products and overlap-add passes).
    oa_table: FFTTable = field(default_factory=dict)
    source: str = "built-in"
    # Per-instance cache of derived values (the constants themselves never change).
    _memo: dict[tuple[str, str, str], float | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    def fastest(self, table_name: str, backend: str, key: str) -> float | None:
        """The smallest value in `table_name` ('fft_table' or 'oa_table') for this backend
        and dtype key (a speed bound), or None when there is no such entry."""
        memo_key = (table_name, backend, key)
        if memo_key not in self._memo:
            table = getattr(self, table_name).get(backend, {}).get(key)
            self._memo[memo_key] = min(row[1] for row in table) if table else None
        return self._memo[memo_key]

    def transform_ns(self, backend: str, key: str, points: int) -> float | None:
        """ns per points*log2(points) for one transform, interpolated linearly in
        log2(points) and constant beyond the ends of the table; None when the table has
        no entry for this backend and dtype. Pure Python: it runs on every auto call."""
        return _interpolate(self.fft_table.get(backend, {}).get(key), points)

    def oa_ns(self, backend: str, key: str, points: int) -> float | None:
        """Overlap-add ns per unit of block work at `points` points of blocks in all."""
        return _interpolate(self.oa_table.get(backend, {}).get(key), points)


def _interpolate(table: tuple[tuple[float, float], ...] | None, points: int) -> float | None:
    """Linear in log2(points) between rows, constant beyond the ends; None if no table."""
    if not table:
        return None
    x = math.log2(max(points, 2))
    if x <= table[0][0]:
        return table[0][1]
    i = bisect.bisect_left(table, (x,))
    if i == len(table):
        return table[-1][1]
    (x0, y0), (x1, y1) = table[i - 1], table[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def fingerprint() -> dict[str, Any]:
    """What a profile must match to be used: this machine and these library versions."""
    try:
        import pyfftw

        pyfftw_version = str(pyfftw.__version__)
    except ImportError:
        pyfftw_version = None
    from . import __version__

    return {
        "machine": platform.machine(),
        "node": platform.node(),
        "cpus": os.cpu_count(),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pyfftw": pyfftw_version,
        "fftconv": __version__,
    }


def cache_dir() -> Path:
    """The directory for the calibration profile: ``$FFTCONV_CACHE_DIR``, else the
    platform's user cache directory (``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux)."""
    override = os.environ.get("FFTCONV_CACHE_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "fftconv"


class ForeignFile(ValueError):
    """A cache file written on another machine or with other library versions."""


def write_stamped(path: Path, schema: int, body: dict[str, Any]) -> Path:
    """Write `body` as JSON with `schema` and this machine's fingerprint; atomically
    (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"schema": schema, "fingerprint": fingerprint(), **body}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)
    return path


def read_stamped(path: Path, schema: int) -> dict[str, Any]:
    """The JSON written by `write_stamped`; ValueError if it is not of `schema`,
    `ForeignFile` if it was written with another fingerprint."""
    data = json.loads(path.read_text())
    if data.get("schema") != schema:
        raise ValueError(f"schema {data.get('schema')!r}, expected {schema}")
    if data.get("fingerprint") != fingerprint():
        raise ForeignFile("saved on another machine or with other library versions")
    return cast(dict[str, Any], data)


def save(constants: Constants, path: Path | None = None) -> Path:
    """Write `constants` with this machine's fingerprint; atomically (rename)."""
    fields = {
        f.name: getattr(constants, f.name)
        for f in dataclasses.fields(constants)
        if f.name not in ("source", "_memo")
    }
    return write_stamped(path or cache_dir() / PROFILE_NAME, SCHEMA, {"constants": fields})


def load(path: Path | None = None) -> Constants | None:
    """The profile at `path` (default: the cache directory), or None if there is none.

    A profile that is unreadable, malformed or foreign gives a warning and None.
    """
    path = path or cache_dir() / PROFILE_NAME
    if not path.exists():
        return None
    try:
        raw = read_stamped(path, SCHEMA)["constants"]
        fft_table = _table_from_json(raw.pop("fft_table"))
        oa_table = _table_from_json(raw.pop("oa_table"))
        constants = Constants(**raw, fft_table=fft_table, oa_table=oa_table, source=str(path))
        _check(constants)
        return constants
    except ForeignFile:
        warnings.warn(
            f"fftconv ignores the calibration profile {path}: it was measured on another "
            "machine or with other library versions; using built-in constants. Run "
            "fftconv.calibrate() to measure this one.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        warnings.warn(
            f"fftconv ignores the calibration profile {path}, which cannot be used ({exc}); "
            "using built-in constants. Run fftconv.calibrate() to write a new one.",
            RuntimeWarning,
            stacklevel=2,
        )
        return None


def _table_from_json(raw: dict[str, dict[str, list[list[float]]]]) -> FFTTable:
    return {
        backend: {key: tuple((float(a), float(b)) for a, b in rows) for key, rows in kinds.items()}
        for backend, kinds in raw.items()
    }


def _check(c: Constants) -> None:
    """Reject profiles whose numbers would break the cost model."""
    numbers = [c.direct_1d_out_ns, c.direct_nd_step_ns, c.fft_call_ns, c.fft_pass_ns]
    for d in (c.direct_1d_ns, c.direct_1d_small_ns, c.direct_nd_ns):
        numbers += list(d.values())
    for kinds in [*c.fft_table.values(), *c.oa_table.values()]:
        for rows in kinds.values():
            numbers += [v for row in rows for v in row]
    if not all(isinstance(v, float | int) and math.isfinite(v) and v >= 0 for v in numbers):
        raise ValueError("a constant is negative, not finite or not a number")


_active: Constants | None = None
_generation = 0  # bumped whenever the active constants change (keys memoised choices)
_lock = threading.Lock()


def generation() -> int:
    """A number that changes whenever the active constants do."""
    active()
    return _generation


def active() -> Constants:
    """The constants in use: the saved profile if one fits this machine, else built-in."""
    global _active, _generation
    if _active is None:
        with _lock:
            if _active is None:
                from ._method import BUILTIN

                _active = load() or BUILTIN
                _generation += 1
    return _active


def set_active(constants: Constants | None) -> None:
    """Use `constants` from now on (None: reload the profile on next use)."""
    global _active, _generation
    with _lock:
        _active = constants
        _generation += 1
