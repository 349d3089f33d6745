"""Fuzz over the whole argument space of convolve/correlate: shapes (zeros included),
dtype pairs, modes, methods, axes (valid and not), backends, boundaries, fill values and
NaN policies. Every call returns the reference answer (tests/reference.py) or raises one
of the documented exceptions — ValueError or TypeError for a bad call, OverflowError
exactly when the exact integer result does not fit — and nothing else; inputs are never
written to. 5,000 examples, derandomised (tests/conftest.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fftconv as fc

from .reference import assert_matches, reference, tolerance

DTYPES = [
    np.bool_,
    np.int8,
    np.uint8,
    np.int16,
    np.int32,
    np.int64,
    np.uint64,
    np.float16,
    np.float32,
    np.float64,
    np.complex64,
    np.complex128,
]
BOUNDARIES = ["fill", "wrap", "symm", "mirror", "edge"]
NUMPY_PAD = {
    "fill": "constant",
    "wrap": "wrap",
    "symm": "symmetric",
    "mirror": "reflect",
    "edge": "edge",
}


def _array(draw, shape, dtype):
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        # mostly small values, sometimes the dtype's limits (overflow must raise)
        if draw(st.booleans()):
            return rng.integers(max(info.min, -9), 10, size=shape).astype(dtype)
        limits = np.array([info.min, info.max, 0, 1], dtype=dtype)
        return limits[rng.integers(0, 4, size=shape)]
    a = rng.standard_normal(shape)
    if dtype.kind == "c":
        a = a + 1j * rng.standard_normal(shape)
    a = a.astype(dtype)
    if a.size and draw(st.integers(0, 9)) == 0:  # a non-finite value, now and then
        a.flat[draw(st.integers(0, a.size - 1))] = draw(st.sampled_from([np.nan, np.inf]))
    return a


@st.composite
def calls(draw):
    ndim = draw(st.integers(0, 3))
    s1 = tuple(draw(st.lists(st.integers(0, 6), min_size=ndim, max_size=ndim)))
    s2 = tuple(draw(st.lists(st.integers(0, 5), min_size=ndim, max_size=ndim)))
    if draw(st.integers(0, 19)) == 0 and ndim:  # a mismatched ndim now and then
        s2 = s2[:-1]
    x = _array(draw, s1, draw(st.sampled_from(DTYPES)))
    h = _array(draw, s2, draw(st.sampled_from(DTYPES)))
    axes = None
    if ndim and draw(st.booleans()):
        axes = tuple(draw(st.lists(st.integers(-ndim - 1, ndim), min_size=0, max_size=ndim)))
        if len(axes) == 1 and draw(st.booleans()):
            axes = axes[0]
    kwargs = {
        "mode": draw(st.sampled_from(["full", "same", "valid"])),
        "method": draw(st.sampled_from(["auto", "direct", "fft", "oa"])),
        "axes": axes,
        "backend": draw(st.sampled_from([None, "pyfftw", "scipy", "numpy"])),
    }
    boundary = draw(st.sampled_from(BOUNDARIES + ["fill"] * 5))
    if boundary != "fill":
        kwargs["boundary"] = boundary
    elif draw(st.integers(0, 4)) == 0:
        kwargs["fillvalue"] = draw(st.sampled_from([1, -2, 0.5]))
    if draw(st.integers(0, 4)) == 0:
        kwargs["nan_policy"] = "raise"
    op = draw(st.sampled_from(["convolve", "correlate"]))
    return op, x, h, kwargs


def _overflows(want, x, h):
    if not isinstance(want, np.ndarray):
        return want is OverflowError
    info = np.iinfo(np.result_type(x, h))
    return not all(info.min <= int(v) <= info.max for v in want.ravel().tolist())


def _valid_axes(axes, ndim):
    if axes is None:
        return True
    items = [axes] if isinstance(axes, int) else list(axes)
    norm = [a % ndim for a in items if -ndim <= a < ndim]
    return bool(items) and len(norm) == len(items) and len(set(norm)) == len(norm)


def _expected(op, x, h, kwargs):
    """The reference answer, or the exception class the call must raise."""
    mode, axes = kwargs["mode"], kwargs["axes"]
    if x.ndim != h.ndim or not _valid_axes(axes, x.ndim):
        return ValueError
    if x.ndim == 0:
        invalid = _invalid_options(x, h, kwargs)
        return invalid if invalid is not None else reference(x, h, mode, kind=op)
    conv = (
        tuple(range(x.ndim))
        if axes is None
        else tuple(a % x.ndim for a in ([axes] if isinstance(axes, int) else axes))
    )
    if any(x.shape[a] == 0 or h.shape[a] == 0 for a in conv):
        return ValueError
    if any(
        x.shape[a] not in (1, h.shape[a]) and h.shape[a] != 1
        for a in range(x.ndim)
        if a not in conv
    ):
        return ValueError
    if mode == "valid" and not (
        all(x.shape[a] >= h.shape[a] for a in conv) or all(x.shape[a] <= h.shape[a] for a in conv)
    ):
        return ValueError
    invalid = _invalid_options(x, h, kwargs)
    if invalid is not None:
        return invalid
    fill = kwargs.get("fillvalue", 0)
    return reference(
        x, h, mode, kind=op, axes=axes, boundary=kwargs.get("boundary", "fill"), fillvalue=fill
    )


def _invalid_options(x, h, kwargs):
    """ValueError when fillvalue or nan_policy refuse the inputs, else None."""
    fill = np.asarray(kwargs.get("fillvalue", 0))
    rdt = np.result_type(x, h)
    with np.errstate(all="ignore"):
        if rdt.kind in "fc":
            # Rounded to a floating dtype is fine; an imaginary part dropped or an
            # overflow to inf is not.
            cast = (fill.real if rdt.kind == "f" else fill).astype(rdt)
            if (rdt.kind == "f" and np.imag(fill) != 0) or (
                np.isfinite(fill) and not np.isfinite(cast)
            ):
                return ValueError
        elif fill.astype(rdt) != fill:  # integers: held exactly, or an error
            return ValueError
    if kwargs.get("nan_policy") == "raise" and any(
        a.dtype.kind in "fc" and not np.isfinite(a).all() for a in (x, h)
    ):
        return ValueError
    return None


def _tolerance(x, h, kwargs):
    """SPEC §4's bound for x as extended by the boundary rule (its norm grows)."""
    axes = kwargs["axes"]
    conv = (
        tuple(range(x.ndim))
        if axes is None
        else tuple(a % x.ndim for a in ([axes] if isinstance(axes, int) else axes))
    )
    boundary = kwargs.get("boundary", "fill")
    widths = [(h.shape[a] - 1,) * 2 if a in conv else (0, 0) for a in range(x.ndim)]
    if kwargs["mode"] == "valid" or (boundary == "fill" and kwargs.get("fillvalue", 0) == 0):
        ext = x
    elif boundary == "fill":
        ext = np.pad(
            x.astype(np.complex128 if x.dtype.kind == "c" else np.float64),
            widths,
            constant_values=kwargs["fillvalue"],
        )
    else:
        ext = x
        for a, w in enumerate(widths):  # one axis at a time: reflect needs n > 1 per pass
            while w[0] and ext.shape[a] > 0:
                step = min(w[0], ext.shape[a] - (boundary == "mirror"))
                if step <= 0:
                    break
                pad = [(0, 0)] * x.ndim
                pad[a] = (step, step)
                ext = np.pad(ext, pad, mode=NUMPY_PAD[boundary])
                w = (w[0] - step, w[1] - step)
    return tolerance(ext, h, axes, dtype=np.result_type(x, h))


@pytest.mark.slow
@settings(max_examples=5000)
@given(calls())
def test_fuzz(call):
    op, x, h, kwargs = call
    x0, h0 = x.copy(), h.copy()
    try:
        want = _expected(op, x, h, kwargs)
    except OverflowError:
        want = OverflowError
    if isinstance(want, np.ndarray) and np.result_type(x, h).kind in "iu":
        if _overflows(want, x, h):  # raw exact sums that the result dtype cannot hold
            want = OverflowError
    try:
        got = getattr(fc, op)(x, h, **kwargs)
    except (ValueError, TypeError, OverflowError) as exc:
        assert isinstance(want, type), f"raised {exc!r}; the reference has an answer"
        if want is OverflowError:
            assert isinstance(exc, OverflowError), exc
        else:
            assert isinstance(exc, (ValueError, TypeError)), exc
    else:
        assert not isinstance(want, type), f"returned, but {want.__name__} was due"
        rdt = np.result_type(x, h)
        if rdt.kind in "biu" and x.ndim:
            # the reference's raw integer sums, cast exactly (OverflowError if they do not
            # fit, which the call must then have raised)
            assert_matches(got, want, x, h, axes=kwargs["axes"])
        else:
            assert_matches(
                got,
                want,
                x,
                h,
                axes=kwargs["axes"],
                tol=_tolerance(x, h, kwargs) if x.ndim else None,
            )
    assert np.array_equal(x, x0, equal_nan=x.dtype.kind in "fc")
    assert np.array_equal(h, h0, equal_nan=h.dtype.kind in "fc")


def test_0d_nonfinite_does_not_warn():
    assert np.isnan(fc.convolve(np.float64(0.0), np.float64(np.inf)))


def test_0d_nan_policy_raise():
    with pytest.raises(ValueError, match="nan_policy"):
        fc.convolve(np.float64(np.nan), np.float64(1.0), nan_policy="raise")
