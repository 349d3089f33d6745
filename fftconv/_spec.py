"""Validate and normalise the arguments of a call once, into a frozen `ConvSpec`.

Everything after this module trusts the spec: shapes, axes, mode and dtypes are never
checked again. This is also the one place that knows how a mode crops the full result.

Coordinates: every engine works in *full-result coordinates*. Along a convolved axis with
input lengths N (in1) and M (in2) the full result has N + M - 1 samples; index ``i`` holds
``sum_m x[m] h[i - m]`` for a convolution and lag ``k = i - (M - 1)`` for a correlation
(SPEC.md §1). A mode is a window ``[start, start + length)`` of that range:

==========  ====================  ===================
mode        start                 length
==========  ====================  ===================
``full``    0                     N + M - 1
``same``    (M - 1) // 2          N
``valid``   min(N, M) - 1         abs(N - M) + 1
==========  ====================  ===================

These reproduce scipy.signal, including its ``valid`` swap rule (when in2 is the larger
input the window is the same, and for a correlation it holds the negative lags).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard, cast

import numpy as np

Kind = Literal["convolve", "correlate"]
Mode = Literal["full", "same", "valid"]
Method = Literal["auto", "direct", "fft", "oa"]

MODES: tuple[Mode, ...] = ("full", "same", "valid")
METHODS: tuple[Method, ...] = ("auto", "direct", "fft", "oa")
KINDS: tuple[Kind, ...] = ("convolve", "correlate")

# dtype kinds the engines compute with: bool, signed, unsigned, float, complex.
_NUMERIC_KINDS = "biufc"


def choice(value: object, name: str, allowed: Sequence[str]) -> Any:
    """Return `value` if it is one of `allowed`, else raise a ValueError naming `name`."""
    if isinstance(value, str) and value in allowed:
        return value
    listed = ", ".join(repr(a) for a in allowed)
    raise ValueError(f"{name} must be one of {listed}; got {value!r}")


def as_input_array(value: object, name: str) -> np.ndarray:
    """Convert an array-like argument to an ndarray the engines accept, without copying
    when it is already one; reject what would lose information or has no arithmetic."""
    if _is_ready(value):
        return value  # already converted (the public functions convert before make_spec)
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array; fftconv does not honour masks and would silently "
            f"drop it. Pass {name}.filled(value) or a plain ndarray."
        )
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise TypeError(f"{name} could not be converted to a numeric array: {exc}") from exc
    if arr.dtype.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"{name} has dtype {arr.dtype} ({_dtype_family(arr.dtype)}); accepted dtypes are "
            "bool, integers, floats and complex numbers"
        )
    if not arr.dtype.isnative:
        # Engines and FFT libraries want native byte order; the caller's array is untouched.
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return arr


def numeric_dtype(dtype: object, name: str = "dtype") -> np.dtype:
    """`dtype` as a native-order numpy dtype, if numeric; else a TypeError naming `name`."""
    try:
        resolved = np.dtype(cast(Any, dtype))
    except TypeError as exc:
        raise TypeError(f"{name} must be a numeric dtype; got {dtype!r}") from exc
    if resolved.kind not in _NUMERIC_KINDS:
        raise TypeError(
            f"{name} must be bool, an integer, a float or a complex dtype; got {resolved}"
        )
    return resolved.newbyteorder("=")


def _is_ready(value: object) -> TypeGuard[np.ndarray]:
    """An ndarray `as_input_array` would return unchanged."""
    return type(value) is np.ndarray and value.dtype.kind in _NUMERIC_KINDS and value.dtype.isnative


def _dtype_family(dtype: np.dtype) -> str:
    return {
        "O": "object",
        "U": "string",
        "S": "bytes",
        "M": "datetime",
        "m": "timedelta",
        "V": "structured/void",
    }.get(dtype.kind, dtype.kind)


def normalize_axes(axes: object, ndim: int) -> tuple[int, ...]:
    """Return the convolved axes as sorted non-negative ints (all axes when None)."""
    if axes is None:
        return tuple(range(ndim))
    items = [axes] if np.ndim(cast(Any, axes)) == 0 else list(cast(Sequence[object], axes))
    if not items:
        raise ValueError("axes, when given, must name at least one axis; got an empty sequence")
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
                f"axes={axes!r} is out of range for inputs with {ndim} dimension(s); "
                f"each axis must be in [{-ndim}, {ndim - 1}]"
            )
        result.append(ax % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"axes must not repeat an axis; got axes={axes!r}")
    return tuple(sorted(result))


@dataclass(frozen=True)
class ConvSpec:
    """A validated call: inputs, operation, mode window and dtypes.

    ``in1``/``in2`` are the caller's arrays in native byte order (never written to).
    ``starts``/``out_shape`` are the mode window in full-result coordinates, per axis;
    along non-convolved axes the start is 0 and the length the broadcast size.
    """

    in1: np.ndarray
    in2: np.ndarray
    kind: Kind
    mode: Mode
    axes: tuple[int, ...]
    starts: tuple[int, ...]
    out_shape: tuple[int, ...]
    result_dtype: np.dtype

    @property
    def ndim(self) -> int:
        return self.in1.ndim

    @property
    def full_shape(self) -> tuple[int, ...]:
        """Shape of the full result (broadcast size along non-convolved axes)."""
        return tuple(
            n + m - 1 if a in self.axes else max(n, m)
            for a, (n, m) in enumerate(zip(self.in1.shape, self.in2.shape, strict=True))
        )

    @property
    def is_integer(self) -> bool:
        """Exact arithmetic needed: the result dtype is bool or an integer."""
        return self.result_dtype.kind in "biu"

    def window(self) -> tuple[slice, ...]:
        """The mode window as slices of the full result."""
        return tuple(slice(s, s + n) for s, n in zip(self.starts, self.out_shape, strict=True))

    def with_inputs(self, in1: np.ndarray, in2: np.ndarray) -> ConvSpec:
        """This spec for other inputs of the same shapes and dtypes (not checked: the
        caller matched them). ~1 us where `dataclasses.replace` takes ~5 us, which
        matters on calls of a few microseconds."""
        spec = object.__new__(ConvSpec)
        spec.__dict__.update(self.__dict__, in1=in1, in2=in2)  # frozen: bypass __setattr__
        return spec

    def without_inputs(self) -> ConvSpec:
        """This spec holding no reference to the caller's arrays (placeholders of the
        same shapes and dtypes that own no memory), for keeping beyond the call."""
        return self.with_inputs(_placeholder(self.in1), _placeholder(self.in2))


def _placeholder(a: np.ndarray) -> np.ndarray:
    """A read-only array of `a`'s shape and dtype backed by a single element."""
    return np.broadcast_to(np.zeros((), dtype=a.dtype), a.shape)


def mode_window(n: int, m: int, mode: Mode) -> tuple[int, int]:
    """(start, length) of `mode` in full-result coordinates for lengths `n` and `m`."""
    if mode == "full":
        return 0, n + m - 1
    if mode == "same":
        return (m - 1) // 2, n
    return min(n, m) - 1, abs(n - m) + 1


def make_spec(
    in1: object,
    in2: object,
    *,
    kind: Kind,
    mode: object,
    axes: object = None,
    result_dtype: np.dtype | None = None,
    names: tuple[str, str] = ("in1", "in2"),
) -> ConvSpec:
    """Validate a call and return its spec. 0-d inputs are the caller's business.

    `names`: what the error messages call the two inputs (the caller's argument names).
    """
    mode = cast(Mode, choice(mode, "mode", MODES))
    n1, n2 = names
    a1 = as_input_array(in1, n1)
    a2 = as_input_array(in2, n2)
    if a1.ndim != a2.ndim:
        raise ValueError(
            f"{n1} and {n2} must have the same number of dimensions; got {n1}.ndim={a1.ndim} "
            f"(shape {a1.shape}) and {n2}.ndim={a2.ndim} (shape {a2.shape})"
        )
    conv_axes = normalize_axes(axes, a1.ndim)
    for a in range(a1.ndim):
        n, m = a1.shape[a], a2.shape[a]
        if a in conv_axes:
            for name, arr in ((n1, a1), (n2, a2)):
                if arr.shape[a] == 0:
                    raise ValueError(
                        f"{name} is empty along convolved axis {a} (shape "
                        f"{arr.shape}); convolution needs at least "
                        "one sample along every convolved axis"
                    )
        elif n != m and n != 1 and m != 1:
            raise ValueError(
                f"{n1} shape {a1.shape} and {n2} shape {a2.shape} do not broadcast along axis "
                f"{a}, which is not convolved (axes={conv_axes}); non-convolved axes must have "
                "equal sizes or size 1"
            )
    if mode == "valid":
        larger1 = all(a1.shape[a] >= a2.shape[a] for a in conv_axes)
        larger2 = all(a2.shape[a] >= a1.shape[a] for a in conv_axes)
        if not (larger1 or larger2):
            raise ValueError(
                f"mode='valid' needs one input at least as large as the other along every "
                f"convolved axis; got {n1} shape {a1.shape} and {n2} shape {a2.shape}"
            )
    starts, out_shape = [], []
    for a in range(a1.ndim):
        n, m = a1.shape[a], a2.shape[a]
        if a in conv_axes:
            start, length = mode_window(n, m, mode)
        else:
            start, length = 0, (0 if 0 in (n, m) else max(n, m))
        starts.append(start)
        out_shape.append(length)
    dtype = np.result_type(a1.dtype, a2.dtype) if result_dtype is None else result_dtype
    return ConvSpec(
        in1=a1,
        in2=a2,
        kind=kind,
        mode=mode,
        axes=conv_axes,
        starts=tuple(starts),
        out_shape=tuple(out_shape),
        result_dtype=np.dtype(dtype),
    )
