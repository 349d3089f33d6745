"""boundary= and fillvalue= on convolve/correlate: every rule x mode x method x ndim against
the naive reference (which extends in1 by index arithmetic, independently of numpy.pad),
against scipy.signal.convolve2d/correlate2d and scipy.ndimage for their rules, the aliases,
the circular 'wrap' path, non-finite values, Dask, and the errors."""

import itertools

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import fftconv as fc
from fftconv import _api

from ._data import seed_of
from .reference import assert_matches, reference, tolerance

RULES = ("fill", "wrap", "symm", "mirror", "edge")
NUMPY_PAD = {"fill": "constant", "wrap": "wrap", "symm": "symmetric", "mirror": "reflect",
             "edge": "edge"}  # fmt: skip
MODES = ("full", "same", "valid")
KINDS = ("convolve", "correlate")
METHODS = ("auto", "direct", "fft", "oa")
# (in1 shape, in2 shape) per ndim: a kernel shorter than the input, one longer along an axis
# (its extension wraps/reflects more than once), and an even kernel length.
SHAPES = {
    1: [((17,), (4,)), ((5,), (9,))],
    2: [((9, 8), (3, 2)), ((4, 6), (5, 3))],
    3: [((5, 4, 6), (2, 3, 3))],
}
CASES = [(ndim, s1, s2) for ndim, pairs in SHAPES.items() for s1, s2 in pairs]


def _extended(x, h, boundary, fillvalue):
    """in1 extended by M - 1 per side (the most any mode reads): for the SPEC §4 bound."""
    widths = [(m - 1, m - 1) for m in h.shape]
    kw = {"constant_values": fillvalue} if boundary == "fill" else {}
    return np.pad(x, widths, mode=NUMPY_PAD[boundary], **kw)


def _valid_ok(s1, s2):
    return all(a >= b for a, b in zip(s1, s2, strict=True)) or all(
        a <= b for a, b in zip(s1, s2, strict=True)
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", RULES)
@pytest.mark.parametrize(("ndim", "s1", "s2"), CASES, ids=lambda v: str(v).replace(" ", ""))
@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.int64])
def test_every_rule_mode_method_ndim(dtype, ndim, s1, s2, boundary, mode, kind, method):
    if mode == "valid" and not _valid_ok(s1, s2):
        return
    rng = np.random.default_rng(seed_of("boundary", s1, s2, dtype, boundary, mode, kind))
    if np.dtype(dtype).kind == "i":
        x = rng.integers(-50, 50, s1).astype(dtype)
        h = rng.integers(-50, 50, s2).astype(dtype)
        fillvalue = 7
    else:
        x = rng.standard_normal(s1).astype(dtype)
        h = rng.standard_normal(s2).astype(dtype)
        if np.dtype(dtype).kind == "c":
            x = x + 1j * rng.standard_normal(s1)
        fillvalue = -1.5
    if boundary != "fill":
        fillvalue = 0
    x0, h0 = x.copy(), h.copy()
    op = getattr(fc, kind)
    got = op(x, h, mode, method, boundary=boundary, fillvalue=fillvalue)
    ref = reference(x, h, mode, kind=kind, boundary=boundary, fillvalue=fillvalue)
    ext = _extended(x, h, boundary, fillvalue)
    assert_matches(got, ref, x, h, tol=tolerance(ext, h))
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(h, h0)


@pytest.mark.parametrize("op", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
@pytest.mark.parametrize("kshape", [(3, 5), (4, 2), (7, 7)])
def test_equals_scipy_signal_2d(op, mode, boundary, kshape):
    """fc.convolve/correlate with boundary= equal scipy.signal.convolve2d/correlate2d in every
    mode; correlate2d's 'same' is centred at M // 2 (one sample later than correlate's for an
    even M), so fc.correlate is compared with it there on odd kernel lengths only."""
    rng = np.random.default_rng(seed_of("scipy2d", op, mode, boundary, kshape))
    x = rng.standard_normal((12, 10))
    h = rng.standard_normal(kshape)
    want = getattr(scipy.signal, op + "2d")(x, h, mode, boundary=boundary, fillvalue=0.25)
    got = getattr(fc, op)(x, h, mode, boundary=boundary, fillvalue=0.25)
    tol = tolerance(_extended(x, h, boundary, 0.25), h)
    if op == "correlate" and mode == "same" and any(m % 2 == 0 for m in kshape):
        full = fc.correlate(x, h, "full", boundary=boundary, fillvalue=0.25)
        window = tuple(slice(m // 2, m // 2 + n) for n, m in zip(x.shape, kshape, strict=True))
        got = full[window]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=tol)


NDIMAGE = [("symm", "reflect"), ("mirror", "mirror"), ("edge", "nearest"),
           ("wrap", "grid-wrap"), ("fill", "constant")]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("ours", "theirs"), NDIMAGE)
@pytest.mark.parametrize("kshape", [(5, 3), (4, 6), (2, 2, 3)])
def test_equals_scipy_ndimage(kind, ours, theirs, kshape):
    """scipy.ndimage.convolve/correlate (mode 'same'). For an even kernel length M,
    ndimage.correlate's default origin centres where scipy.signal.correlate's 'same' does;
    ndimage.convolve flips the kernel about index M // 2, one sample away from
    scipy.signal.convolve's 'same' window: origin -1 matches it."""
    rng = np.random.default_rng(seed_of("ndimage", kind, ours, kshape))
    x = rng.standard_normal((11, 13, 6)[: len(kshape)])
    h = rng.standard_normal(kshape)
    flip = kind == "convolve"
    origin = [-1 if flip and m % 2 == 0 else 0 for m in kshape]
    want = getattr(scipy.ndimage, kind)(x, h, mode=theirs, cval=0.5, origin=origin)
    got = getattr(fc, kind)(x, h, "same", boundary=ours, fillvalue=0.5)
    np.testing.assert_allclose(got, want, rtol=0, atol=tolerance(_extended(x, h, ours, 0.5), h))


ALIASES = {
    "pad": "fill",
    "constant": "fill",
    "grid-constant": "fill",
    "circular": "wrap",
    "grid-wrap": "wrap",
    "symmetric": "symm",
    "grid-mirror": "symm",
    "nearest": "edge",
}


@pytest.mark.parametrize(("alias", "rule"), ALIASES.items())
def test_aliases(alias, rule):
    x = np.arange(10.0)
    h = np.array([1.0, 2.0, 4.0])
    assert np.array_equal(
        fc.convolve(x, h, "same", boundary=alias, fillvalue=3.0),
        fc.convolve(x, h, "same", boundary=rule, fillvalue=3.0),
    )


def test_rules_on_a_ramp():
    """The extension of a b c d under each rule, read through a 1-sample shift kernel."""
    x = np.array([1, 2, 3, 4])
    shift_right = np.array([0, 0, 0, 1])  # full output i reads x_ext[i - 3]
    extended = {
        "fill": [9, 9, 9, 1],
        "wrap": [2, 3, 4, 1],
        "symm": [3, 2, 1, 1],
        "mirror": [4, 3, 2, 1],
        "edge": [1, 1, 1, 1],
    }
    for rule, front in extended.items():
        got = fc.convolve(x, shift_right, "full", boundary=rule, fillvalue=9)
        assert got[:4].tolist() == front[:3] + [1], rule


def test_reflect_is_ambiguous():
    with pytest.raises(ValueError, match=r"boundary='reflect' is ambiguous.*'mirror'.*'symm'"):
        fc.convolve(np.ones(4), np.ones(2), boundary="reflect")


@pytest.mark.parametrize("bad", ["periodic", "", None, 3])
def test_unknown_boundary(bad):
    with pytest.raises(ValueError, match=r"boundary must be one of 'fill', 'wrap', 'symm'.*got"):
        fc.correlate(np.ones(4), np.ones(2), boundary=bad)


@pytest.mark.parametrize(
    ("x", "fillvalue", "message"),
    [
        (np.ones(4, dtype=int), 0.5, r"fillvalue=0.5 cannot be represented in .*int64"),
        (np.ones(4, dtype=np.uint8), -1, r"fillvalue=-1 cannot be represented in .*uint8"),
        (np.ones(4), 1j, r"fillvalue=1j cannot be represented in .*float64"),
        (np.ones(4, np.float32), 1e300, r"fillvalue=1e\+300 cannot be represented in .*float32"),
        (np.ones(4), [1, 2], r"fillvalue must be a numeric scalar; got \[1, 2\]"),
        (np.ones(4), "0", r"fillvalue must be a numeric scalar; got '0'"),
    ],
)
def test_bad_fillvalue(x, fillvalue, message):
    with pytest.raises(ValueError, match=message):
        fc.convolve(x, np.ones(2, dtype=x.dtype), boundary="fill", fillvalue=fillvalue)


def test_fillvalue_rounded_in_float32():
    """A float fill value is rounded to a float32 input as any float literal is."""
    x = np.zeros(3, np.float32)
    got = fc.convolve(x, np.array([0, 0, 1], np.float32), "full", boundary="fill", fillvalue=0.1)
    assert got.dtype == np.float32
    assert got[:2].tolist() == [np.float32(0.1)] * 2


def test_fillvalue_kept_in_wider_result_dtype():
    """A value in1's dtype cannot hold but the result dtype can is applied, not rounded."""
    x = np.array([1, 2], dtype=np.int8)
    h = np.array([1], dtype=np.int64)
    got = fc.convolve(x, np.array([1, 0, 0], dtype=np.int64), "full", boundary="fill",
                      fillvalue=1000)  # fmt: skip
    assert got.dtype == np.int64
    assert got.tolist() == [1, 2, 1000, 1000][:4]
    del h


def test_wrap_uses_the_circular_transform(monkeypatch):
    """Floating 'wrap' with a kernel large enough for a transform and a fast period takes
    the circular path (no extension), and agrees with the extended path."""
    calls = []
    real = _api.circular

    def spy(*args):
        out = real(*args)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(_api, "circular", spy)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 48))
    h = rng.standard_normal((21, 17))
    for kind, mode in itertools.product(KINDS, ("full", "same")):
        got = getattr(fc, kind)(x, h, mode, boundary="wrap")
        extended = getattr(fc, kind)(x, h, mode, "direct", boundary="wrap")
        np.testing.assert_allclose(got, extended, rtol=0, atol=tolerance(np.tile(x, (2, 2)), h))
    assert calls == [True] * 4


def test_wrap_with_nan_stays_local():
    """The circular path would smear a NaN; the result is the direct method's instead."""
    x = np.ones((32, 32))
    x[10, 10] = np.nan
    h = np.ones((15, 15))
    got = fc.convolve(x, h, "same", boundary="wrap")
    want = fc.convolve(x, h, "same", "direct", boundary="wrap")
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.isnan(got).sum() == 15 * 15
    np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)])


def test_batched_axes():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 20))
    h = rng.standard_normal((1, 5))
    got = fc.correlate(x, h, "same", axes=-1, boundary="symm")
    for row in range(3):
        want = fc.correlate(x[row], h[0], "same", boundary="symm")
        np.testing.assert_allclose(got[row], want, rtol=0, atol=1e-12)


def test_dask_boundary_equals_in_memory():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(7)
    x = rng.standard_normal((30, 26))
    h = rng.standard_normal((5, 4))
    for rule, mode in itertools.product(RULES, MODES):
        lazy = fc.convolve(da.from_array(x, chunks=(7, 9)), h, mode, boundary=rule, fillvalue=2.0)
        want = fc.convolve(x, h, mode, boundary=rule, fillvalue=2.0)
        np.testing.assert_allclose(lazy.compute(scheduler="sync"), want, rtol=0, atol=1e-12)


@given(
    n=st.lists(st.integers(1, 9), min_size=1, max_size=2),
    m=st.lists(st.integers(1, 6), min_size=2, max_size=2),
    rule=st.sampled_from(RULES),
    mode=st.sampled_from(("full", "same")),
    kind=st.sampled_from(KINDS),
    method=st.sampled_from(METHODS),
    seed=st.integers(0, 2**16),
)
def test_property_matches_reference(n, m, rule, mode, kind, method, seed):
    m = m[: len(n)]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    h = rng.standard_normal(m)
    got = getattr(fc, kind)(x, h, mode, method, boundary=rule, fillvalue=0.5)
    ref = reference(x, h, mode, kind=kind, boundary=rule, fillvalue=0.5)
    assert_matches(got, ref, x, h, tol=tolerance(_extended(x, h, rule, 0.5), h))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", RULES)
def test_convolver_boundary(boundary, mode, kind, method):
    """Convolver(boundary=...) equals the one-shot call, for frames and integer inputs."""
    rng = np.random.default_rng(seed_of("convolver-boundary", boundary, mode, kind, method))
    h = rng.standard_normal((5, 4))
    conv = fc.Convolver(h, (20, 17), mode, kind=kind, method=method, boundary=boundary,
                        fillvalue=0.5)  # fmt: skip
    assert conv.mode == mode
    for _ in range(2):
        x = rng.standard_normal((20, 17))
        want = getattr(fc, kind)(x, h, mode, boundary=boundary, fillvalue=0.5)
        assert conv.out_shape == want.shape
        np.testing.assert_allclose(conv(x), want, rtol=0, atol=tolerance(np.tile(x, (2, 2)), h))
    xi = rng.integers(-9, 9, (12, 11))
    hi = rng.integers(-9, 9, (3, 4))
    exact = fc.Convolver(hi, xi.shape, mode, kind=kind, method=method, boundary=boundary,
                         dtype=np.int64, fillvalue=3)  # fmt: skip
    want = getattr(fc, kind)(xi, hi, mode, boundary=boundary, fillvalue=3)
    assert np.array_equal(exact(xi), want)
