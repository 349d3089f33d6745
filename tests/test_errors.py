"""Bad input gets a ValueError or TypeError naming the argument, what was given and what is
accepted (SPEC §5, docs/design.rst "Errors" and the dtype rules)."""

import datetime
import os

import numpy as np
import pytest

import fftconv as fc

X1 = np.arange(8.0)
H1 = np.array([1.0, -1.0, 2.0])
X2 = np.arange(20.0).reshape(4, 5)
H2 = np.ones((2, 3))

# (name, call(in1, in2, **kw)) for every function taking a mode
MODE_FUNCS = {
    "convolve": lambda a, b, **kw: fc.convolve(a, b, **kw),
    "correlate": lambda a, b, **kw: fc.correlate(a, b, **kw),
    "fftconvolve": lambda a, b, **kw: fc.fftconvolve(a, b, **kw),
    "oaconvolve": lambda a, b, **kw: fc.oaconvolve(a, b, **kw),
    "convolve2d": lambda a, b, **kw: fc.convolve2d(a, b, **kw),
    "correlate2d": lambda a, b, **kw: fc.correlate2d(a, b, **kw),
    "choose_conv_method": lambda a, b, **kw: fc.choose_conv_method(a, b, **kw),
}
AXES_FUNCS = {k: MODE_FUNCS[k] for k in ("convolve", "correlate", "fftconvolve", "oaconvolve")}


def _message(excinfo):
    return str(excinfo.value)


# --- mode, method, backend ------------------------------------------------------------------
@pytest.mark.parametrize("func", MODE_FUNCS)
@pytest.mark.parametrize("mode", ["bogus", "Full", "", None, 1])
def test_unknown_mode(func, mode):
    with pytest.raises(ValueError, match="mode") as excinfo:
        MODE_FUNCS[func](X2, H2, mode=mode)
    for valid in ("'full'", "'same'", "'valid'"):
        assert valid in _message(excinfo)


@pytest.mark.parametrize("mode", ["bogus", None])
def test_unknown_mode_correlation_lags(mode):
    with pytest.raises(ValueError, match="mode") as excinfo:
        fc.correlation_lags(5, 3, mode)
    for valid in ("'full'", "'same'", "'valid'"):
        assert valid in _message(excinfo)


@pytest.mark.parametrize("op", ["convolve", "correlate"])
@pytest.mark.parametrize("method", ["bogus", "FFT", "overlap-add", "", None, 0])
def test_unknown_method(op, method):
    with pytest.raises(ValueError, match="method") as excinfo:
        getattr(fc, op)(X1, H1, "full", method)
    for valid in ("'auto'", "'direct'", "'fft'", "'oa'"):
        assert valid in _message(excinfo)
    if isinstance(method, str) and method:
        assert repr(method) in _message(excinfo)  # what was given


@pytest.mark.parametrize("op", ["convolve", "correlate"])
@pytest.mark.parametrize("backend", ["fftw", "Scipy", "", 0])
def test_unknown_backend_per_call(op, backend):
    with pytest.raises(ValueError, match="backend") as excinfo:
        getattr(fc, op)(X1, H1, method="fft", backend=backend)
    for valid in ("'pyfftw'", "'scipy'", "'numpy'"):
        assert valid in _message(excinfo)


@pytest.mark.parametrize("backend", ["fftw", None, 3])
def test_unknown_backend_set_backend(backend):
    before = fc.get_backend()
    with pytest.raises(ValueError, match="backend") as excinfo:
        with fc.set_backend(backend):
            pass
    for valid in ("'pyfftw'", "'scipy'", "'numpy'"):
        assert valid in _message(excinfo)
    assert fc.get_backend() == before


# --- axes ------------------------------------------------------------------------------------
BAD_AXES = {
    "out-of-range": (2, ValueError),
    "out-of-range-negative": (-3, ValueError),
    "out-of-range-in-seq": ((0, 5), ValueError),
    "repeated": ((0, 0), ValueError),
    "repeated-negative": ((1, -1), ValueError),
    "float": (1.0, TypeError),
    "float-in-seq": ((0, 1.5), TypeError),
    "string": ("0", TypeError),
    "empty-tuple": ((), ValueError),
    "empty-list": ([], ValueError),
}


@pytest.mark.parametrize("func", AXES_FUNCS)
@pytest.mark.parametrize("case", BAD_AXES)
def test_bad_axes(func, case):
    axes, _ = BAD_AXES[case]
    # docs/design.rst: "ValueError/TypeError mentioning axes"
    with pytest.raises((ValueError, TypeError), match="axes"):
        AXES_FUNCS[func](X2, H2, axes=axes)


@pytest.mark.parametrize("op", ["convolve", "correlate"])
@pytest.mark.parametrize("case", BAD_AXES)
@pytest.mark.parametrize("method", ["direct", "fft", "oa", "auto"])
def test_bad_axes_every_method(op, case, method):
    axes, _ = BAD_AXES[case]
    with pytest.raises((ValueError, TypeError), match="axes"):
        getattr(fc, op)(X2, H2, "full", method, axes=axes)


@pytest.mark.parametrize("func", AXES_FUNCS)
def test_non_broadcastable_batch_axes(func):
    with pytest.raises(ValueError, match="axes"):
        AXES_FUNCS[func](np.ones((3, 8)), np.ones((2, 3)), axes=1)


# --- shapes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("func", AXES_FUNCS)
@pytest.mark.parametrize(
    ("s1", "s2"), [((3,), (3, 3)), ((3, 3), (3,)), ((), (3,)), ((2, 2, 2), (2, 2))], ids=str
)
def test_ndim_mismatch(func, s1, s2):
    with pytest.raises(ValueError, match="in1") as excinfo:
        AXES_FUNCS[func](np.ones(s1), np.ones(s2))
    msg = _message(excinfo)
    assert "in2" in msg
    assert str(len(s1)) in msg
    assert str(len(s2)) in msg


@pytest.mark.parametrize("func", MODE_FUNCS)
@pytest.mark.parametrize(("s1", "s2"), [((3, 5), (5, 3)), ((4, 4), (5, 3))], ids=str)
def test_valid_neither_larger(func, s1, s2):
    with pytest.raises(ValueError, match="valid"):
        MODE_FUNCS[func](np.ones(s1), np.ones(s2), mode="valid")


@pytest.mark.parametrize("method", ["direct", "fft", "oa", "auto"])
def test_valid_neither_larger_every_method(method):
    for op in ("convolve", "correlate"):
        with pytest.raises(ValueError, match="valid"):
            getattr(fc, op)(np.ones((2, 6, 3)), np.ones((3, 2, 3)), "valid", method)


@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize(("s1", "s2"), [((4,), (2,)), ((2, 2, 2), (2, 2, 2)), ((4, 4), (2,))])
def test_2d_needs_2d_inputs(op, s1, s2):
    with pytest.raises(ValueError, match=r"in1|in2|2-D|2d|two"):
        getattr(fc, op)(np.ones(s1), np.ones(s2))


# --- dtypes ----------------------------------------------------------------------------------
BAD_ARRAYS = {
    "object": lambda: np.array([1.0, 2.0, 3.0], dtype=object),
    "object-mixed": lambda: np.array([1, "a", None], dtype=object),
    "string": lambda: np.array(["a", "b", "c"]),
    "string-list": lambda: ["a", "b", "c"],
    "bytes": lambda: np.array([b"a", b"b", b"c"]),
    "datetime64": lambda: np.array(["2020-01-01", "2020-01-02", "2020-01-03"], "datetime64[D]"),
    "timedelta64": lambda: np.array([1, 2, 3], dtype="timedelta64[s]"),
    "datetime-objects": lambda: [datetime.date(2020, 1, d) for d in (1, 2, 3)],
    "void": lambda: np.zeros(3, dtype="V8"),
    "structured": lambda: np.zeros(3, dtype=[("a", "f8"), ("b", "i4")]),
}

DTYPE_FUNCS = {
    **AXES_FUNCS,
    "choose_conv_method": MODE_FUNCS["choose_conv_method"],
    "convolve2d": lambda a, b: fc.convolve2d(np.atleast_2d(a), np.atleast_2d(b)),
    "correlate2d": lambda a, b: fc.correlate2d(np.atleast_2d(a), np.atleast_2d(b)),
}


@pytest.mark.parametrize("func", DTYPE_FUNCS)
@pytest.mark.parametrize("bad", BAD_ARRAYS)
@pytest.mark.parametrize("position", ["in1", "in2"])
def test_unsupported_dtypes(func, bad, position):
    good = np.array([1.0, 2.0, 3.0])
    args = (BAD_ARRAYS[bad](), good) if position == "in1" else (good, BAD_ARRAYS[bad]())
    with pytest.raises(TypeError, match=position):
        DTYPE_FUNCS[func](*args)


@pytest.mark.parametrize("func", DTYPE_FUNCS)
@pytest.mark.parametrize("position", ["in1", "in2"])
@pytest.mark.parametrize("masked", ["with-mask", "no-mask"])
def test_masked_arrays(func, position, masked):
    """A mask would be silently dropped: TypeError naming the argument."""
    mask = [False, True, False] if masked == "with-mask" else np.ma.nomask
    bad = np.ma.array([1.0, 2.0, 3.0], mask=mask)
    good = np.array([1.0, 2.0, 3.0])
    args = (bad, good) if position == "in1" else (good, bad)
    with pytest.raises(TypeError, match=position):
        DTYPE_FUNCS[func](*args)


def test_ragged_list():
    with pytest.raises((TypeError, ValueError), match="in1"):
        fc.convolve([[1.0, 2.0], [3.0]], [[1.0]])


# --- workers -----------------------------------------------------------------------------------
_CPUS = os.cpu_count() or 1


@pytest.mark.parametrize("op", ["convolve", "correlate"])
@pytest.mark.parametrize("method", ["direct", "fft", "oa", "auto"])
@pytest.mark.parametrize(
    ("workers", "error"),
    [
        (0, ValueError),
        (-(_CPUS + 1), ValueError),
        (1.5, TypeError),
        ("2", TypeError),
        ([2], TypeError),
    ],
    ids=str,
)
def test_bad_workers(op, method, workers, error):
    # docs/design.rst: ValueError/TypeError mentioning "workers" (every method validates it, also
    # those that run no transform)
    with pytest.raises((ValueError, TypeError), match="workers"):
        getattr(fc, op)(X1, H1, "full", method, workers=workers)


@pytest.mark.parametrize("workers", [1, 2, -1, None])
def test_good_workers(workers):
    got = fc.convolve(X1, H1, "full", "fft", workers=workers)
    np.testing.assert_allclose(got, np.convolve(X1, H1), rtol=0, atol=1e-12)


# --- convolve2d / correlate2d ------------------------------------------------------------------
@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("boundary", ["reflect", "", "FILL", None, 0])
def test_bad_boundary(op, boundary):
    with pytest.raises(ValueError, match="boundary") as excinfo:
        getattr(fc, op)(X2, H2, "same", boundary)
    for valid in ("fill", "wrap", "symm"):
        assert valid in _message(excinfo)


@pytest.mark.parametrize("op", ["convolve2d", "correlate2d"])
def test_bad_fillvalue(op):
    with pytest.raises(ValueError, match="fillvalue"):
        getattr(fc, op)(X2, H2, "same", "fill", np.array([1.0, 2.0]))
