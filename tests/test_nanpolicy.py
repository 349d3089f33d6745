"""nan_policy= on convolve/correlate: 'propagate' (the direct method's non-finite pattern and
finite values in every method, with boundaries too), 'raise' (count and first position) and
'omit' (normalised convolution) against a naive loop written from the definition."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fftconv as fc

from ._data import seed_of
from .reference import assert_matches, reference, tolerance

METHODS = ("auto", "direct", "fft", "oa")
KINDS = ("convolve", "correlate")
NUMPY_PAD = {"fill": "constant", "wrap": "wrap", "symm": "symmetric", "mirror": "reflect",
             "edge": "edge"}  # fmt: skip


def omit_reference(x, h, mode, kind, boundary="fill", fillvalue=0.0):
    """Normalised convolution by explicit loops over output positions and kernel offsets:
    in1 extended by numpy.pad, NaNs missing; each output is the kernel-weighted sum over the
    present samples of its window times sum(kernel) / (kernel weight on present samples);
    NaN when no sample of the window is present or their weight is 0."""
    k = h if kind == "correlate" else h[tuple(slice(None, None, -1) for _ in h.shape)]
    k = k.conj() if kind == "correlate" else k
    full_shape = tuple(n + m - 1 for n, m in zip(x.shape, h.shape, strict=True))
    widths = [(m - 1, m - 1) for m in h.shape]
    kw = {"constant_values": fillvalue} if boundary == "fill" else {}
    ext = np.pad(x, widths, mode=NUMPY_PAD[boundary], **kw)
    full = np.empty(full_shape, dtype=np.result_type(x, h))
    for i in np.ndindex(*full_shape):
        total = weight = 0.0
        present = False
        for j in np.ndindex(*h.shape):  # full index i reads ext at i + j (window orientation)
            v = ext[tuple(a + b for a, b in zip(i, j, strict=True))]
            if np.isnan(v):
                continue
            present = True
            total += k[j] * v
            weight += k[j]
        full[i] = total * k.sum() / weight if present and weight != 0 else np.nan
    n, m = x.shape, h.shape
    if mode == "full":
        return full
    if mode == "same":
        window = tuple(slice((b - 1) // 2, (b - 1) // 2 + a) for a, b in zip(n, m, strict=True))
    else:
        window = tuple(slice(b - 1, a) for a, b in zip(n, m, strict=True))
    return full[window]


def _image_with_nans(shape, count, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    flat = rng.choice(x.size, size=count, replace=False)
    x.flat[flat] = np.nan
    return x


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("boundary", ["fill", "symm", "wrap"])
@pytest.mark.parametrize(("s1", "s2"), [((30,), (5,)), ((9, 10), (3, 4))])
def test_omit_matches_definition(s1, s2, boundary, mode, kind, method):
    x = _image_with_nans(s1, 4, seed_of("omit", s1, boundary, mode, kind))
    rng = np.random.default_rng(1)
    h = rng.uniform(0.5, 1.5, s2)  # positive weights: a weighted mean, well conditioned
    x0 = x.copy()
    got = getattr(fc, kind)(x, h, mode, method, boundary=boundary, nan_policy="omit")
    want = omit_reference(x, h, mode, kind, boundary)
    assert got.dtype == want.dtype
    assert np.array_equal(np.isnan(got), np.isnan(want))
    scale = np.abs(h).sum() / h.min()  # the rescaling amplifies the sums' error at most so
    tol = scale * tolerance(np.nan_to_num(x), h)
    np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=0, atol=tol)
    np.testing.assert_array_equal(x, x0)


def test_omit_window_without_samples_is_nan():
    x = np.ones(20)
    x[5:12] = np.nan
    got = fc.convolve(x, np.ones(3), "same", nan_policy="omit")
    assert np.isnan(got[6:11]).all()  # windows 5..7 ... 10..12 hold no present sample
    np.testing.assert_allclose(got[~np.isnan(got)][1:-1], 3.0)


def test_omit_mean_filter_fills_holes():
    """A box mean over an image with missing pixels: the mean of the present neighbours."""
    x = np.full((8, 8), 2.0)
    x[3, 3] = x[4, 5] = np.nan
    got = fc.correlate(x, np.full((3, 3), 1 / 9), "same", boundary="edge", nan_policy="omit")
    np.testing.assert_allclose(got, 2.0, rtol=1e-12)


def test_omit_without_nan_is_plain():
    rng = np.random.default_rng(2)
    x, h = rng.standard_normal(50), rng.standard_normal(7)
    assert np.array_equal(fc.convolve(x, h, nan_policy="omit"), fc.convolve(x, h))
    xi = np.arange(10)
    assert np.array_equal(fc.convolve(xi, xi, nan_policy="omit"), fc.convolve(xi, xi))


def test_omit_inf_propagates():
    x = np.ones(10)
    x[2], x[6] = np.inf, np.nan
    got = fc.convolve(x, np.ones(3), "same", "fft", nan_policy="omit")
    assert np.isinf(got[1:4]).all()
    assert np.isfinite(got[4:]).all()


def test_omit_kernel_nan_is_an_error():
    with pytest.raises(ValueError, match=r"in2 holds NaN; nan_policy='omit'"):
        fc.convolve(np.ones(5), np.array([1.0, np.nan]), nan_policy="omit")


def test_omit_float32_stays_single():
    x = _image_with_nans((40, 40), 10, 3, np.float32)
    h = np.ones((5, 5), np.float32)
    got = fc.convolve(x, h, "same", "fft", nan_policy="omit")
    assert got.dtype == np.float32
    want = omit_reference(x.astype(np.float64), h.astype(np.float64), "same", "convolve")
    assert np.array_equal(np.isnan(got), np.isnan(want))
    tol = (h.sum() / h.min()) * tolerance(np.nan_to_num(x), h, dtype=np.float32)
    np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=0, atol=tol)


def test_omit_dask_equals_in_memory():
    da = pytest.importorskip("dask.array")
    x = _image_with_nans((30, 20), 12, 4)
    h = np.random.default_rng(5).uniform(0.5, 1, (4, 3))
    for mode, boundary in itertools.product(["full", "same", "valid"], ["fill", "mirror"]):
        want = fc.correlate(x, h, mode, boundary=boundary, nan_policy="omit")
        got = fc.correlate(da.from_array(x, chunks=(8, 7)), h, mode, boundary=boundary,
                           nan_policy="omit").compute(scheduler="sync")  # fmt: skip
        assert np.array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, equal_nan=True)
    # mode 'valid' with the kernel the larger input: the zeros past in1 are no samples
    big = np.random.default_rng(6).uniform(0.5, 1, (40, 25))
    want = fc.correlate(x, big, "valid", nan_policy="omit")
    got = fc.correlate(da.from_array(x, chunks=(8, 7)), big, "valid", nan_policy="omit")
    np.testing.assert_allclose(got.compute(scheduler="sync"), want, rtol=0, atol=1e-12)


@pytest.mark.parametrize("which", ["in1", "in2"])
def test_raise_names_count_and_first_position(which):
    x = np.ones((4, 5))
    h = np.ones((2, 2))
    bad = x if which == "in1" else h
    bad[1, 1] = np.nan
    bad[1, 0] = np.inf
    with pytest.raises(
        ValueError, match=rf"{which} holds 2 non-finite values \(NaN or inf\), the first at "
        r"index \(1, 0\); nan_policy='raise'"
    ):  # fmt: skip
        fc.correlate(x, h, nan_policy="raise")


def test_raise_passes_finite_and_integer_inputs():
    assert fc.convolve([1, 2], [3], nan_policy="raise").tolist() == [3, 6]
    np.testing.assert_array_equal(fc.convolve(np.ones(3), np.ones(1), nan_policy="raise"), 1.0)


def test_unknown_policy():
    with pytest.raises(ValueError, match=r"nan_policy must be one of .*'omit'.*got 'ignore'"):
        fc.convolve(np.ones(3), np.ones(2), nan_policy="ignore")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm"])
def test_propagate_random_nonfinite_is_the_direct_pattern(method, boundary):
    """NaN and inf at random places: the direct method's non-finite pattern (class by class)
    and the same finite values, with boundary extensions too."""
    rng = np.random.default_rng(seed_of("propagate", method, boundary))
    x = rng.standard_normal((40, 36))
    spots = rng.choice(x.size, 6, replace=False)
    x.flat[spots] = [np.nan, np.inf, -np.inf, np.nan, np.inf, np.nan]
    h = rng.standard_normal((7, 6))
    got = fc.convolve(x, h, "same", method, boundary=boundary)
    ref = reference(x, h, "same", boundary=boundary)
    tol = tolerance(np.nan_to_num(np.tile(x, (3, 3)), posinf=0, neginf=0), h)
    assert_matches(got, ref, x, h, tol=tol)


@given(
    n=st.integers(1, 40),
    m=st.integers(1, 9),
    nans=st.integers(0, 6),
    kind=st.sampled_from(KINDS),
    mode=st.sampled_from(["full", "same"]),
    seed=st.integers(0, 2**16),
)
def test_property_omit(n, m, nans, kind, mode, seed):
    x = _image_with_nans((n,), min(nans, n), seed)
    h = np.random.default_rng(seed + 1).uniform(0.2, 1.0, m)
    got = getattr(fc, kind)(x, h, mode, nan_policy="omit")
    want = omit_reference(x, h, mode, kind)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    tol = (h.sum() / h.min()) * tolerance(np.nan_to_num(x), h)
    np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=0, atol=tol)
