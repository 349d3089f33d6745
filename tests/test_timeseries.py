"""Time series (issue 6): `fc.xcorr`, `fc.autocorr`, `fc.estimate_delay`.

xcorr and autocorr against naive loops written from the definitions (SPEC §1 lags, MATLAB's
zero-padding to the longer input and its scalings), for every scale, maxlag, length
mismatch, dtype, batch shape and axis, through every engine (direct, blocked, full
correlation, power spectrum), within SPEC §4's norm-wise bound; against statsmodels'
acf/acovf; properties under hypothesis. Delays: integer delays exact, fractional delays of
band-limited noise within 0.05 samples at 20 dB SNR for both methods, GCC-PHAT separating a
direct path from a strong echo where plain cross-correlation cannot. Errors name their
argument; inputs are never written to; the benchmark's quick mode runs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import fftconv as fc
from fftconv import _timeseries as ts

from ._data import seed_of
from .reference import compute_eps, tolerance

SCALES = ("none", "biased", "unbiased", "coeff", "normalized")
CROSS_ENGINES = ("direct", "blocked", "full")
AUTO_ENGINES = ("direct", "blocked", "full", "spectrum")
DTYPES = (np.float64, np.float32, np.complex128, np.complex64, np.int16, np.bool_)

# (len(x), len(y)): equal, x longer, y longer, length 1 on either side.
LENGTHS = ((17, 17), (23, 9), (6, 19), (1, 5), (8, 1), (1, 1))


# --------------------------------------------------------------------------- references


def _ext(a):
    a = np.asarray(a)
    return a.astype(np.clongdouble if a.dtype.kind == "c" else np.longdouble)


def naive_raw(x, y, lags):
    """``sum_n x[n + k] conj(y[n])`` for each lag k, by a loop over n (1-D)."""
    xe, ye = _ext(x), _ext(y)
    out = []
    for k in lags:
        acc = xe.dtype.type(0)
        for n in range(len(ye)):
            if 0 <= n + k < len(xe):
                acc += xe[n + k] * np.conj(ye[n])
        out.append(acc)
    return np.array(out, dtype=np.result_type(xe, ye))


def naive_factor(x, y, lags, scale):
    """MATLAB's divisor per lag (1 / factor), for series padded to the longer length n."""
    n = max(len(x), len(y))
    lags = np.asarray(lags)
    if scale == "none":
        return np.ones(lags.shape, dtype=np.longdouble)
    if scale == "biased":
        return np.full(lags.shape, 1 / np.longdouble(n))
    if scale == "unbiased":
        terms = np.maximum(n - np.abs(lags), 0).astype(np.longdouble)
        return np.where(terms > 0, 1 / np.where(terms > 0, terms, 1), 0)
    energy = np.sqrt(np.sum(np.abs(_ext(x)) ** 2) * np.sum(np.abs(_ext(y)) ** 2))
    return np.full(lags.shape, 1 / energy)


def naive_xcorr(x, y, maxlag, scale):
    """(lags, c) of MATLAB's xcorr for 1-D x, y, from the definition."""
    n = max(len(x), len(y))
    L = n - 1 if maxlag is None else maxlag
    lags = np.arange(-L, L + 1)
    return lags, naive_raw(x, y, lags) * naive_factor(x, y, lags, scale)


def naive_batched(x, y, maxlag, scale, axis):
    """naive_xcorr applied pair by pair over the broadcast batch axes."""
    xm, ym = np.moveaxis(np.asarray(x), axis, -1), np.moveaxis(np.asarray(y), axis, -1)
    batch = np.broadcast_shapes(xm.shape[:-1], ym.shape[:-1])
    xb = np.broadcast_to(xm, batch + xm.shape[-1:])
    yb = np.broadcast_to(ym, batch + ym.shape[-1:])
    n = max(xm.shape[-1], ym.shape[-1])
    lags = np.arange(-(n - 1 if maxlag is None else maxlag), (n if maxlag is None else maxlag + 1))
    out = np.empty(batch + lags.shape, dtype=np.result_type(_ext(x), _ext(y)))
    for idx in np.ndindex(*batch):
        out[idx] = naive_xcorr(xb[idx], yb[idx], maxlag, scale)[1]
    return lags, np.moveaxis(out, -1, axis)


def expected_dtype(*arrays):
    """Floating result dtype: float64 for integers and booleans, float32 for float16."""
    kinds = []
    for a in arrays:
        dt = np.asarray(a).dtype
        kinds.append(np.float64 if dt.kind in "biu" else np.float32 if dt == np.float16 else dt)
    return np.result_type(*kinds)


def assert_close(got, want, x, y, factor, axis=-1):
    """Same shape and dtype as the reference, the same NaN/+inf/-inf entries, and elsewhere
    within SPEC §4's bound on the raw sums times each lag's scale `factor` (given with the
    lag axis last; it broadcasts over the batch axes)."""
    x, y = np.asarray(x), np.asarray(y)
    dtype = expected_dtype(x, y)
    assert got.dtype == dtype, (got.dtype, dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    tol = tolerance(x, y, axes=(axis % x.ndim,), dtype=dtype)
    lag_last = np.moveaxis(want, axis, -1).shape
    factor = np.broadcast_to(np.abs(np.asarray(factor, dtype=np.longdouble)), lag_last)
    factor = np.moveaxis(factor, -1, axis)
    ext = np.clongdouble if got.dtype.kind == "c" else np.longdouble
    gl, wl = got.astype(ext), np.asarray(want).astype(ext)
    finite = np.isfinite(wl)
    parts = (lambda a: (a.real, a.imag)) if got.dtype.kind == "c" else (lambda a: (a,))
    for g, w in zip(parts(gl), parts(wl), strict=True):
        for test in (np.isnan, np.isposinf, np.isneginf):
            assert np.array_equal(test(g), test(w)), f"{test.__name__} pattern differs"
    with np.errstate(invalid="ignore"):  # inf - inf where both are inf: masked out
        err = np.abs(np.where(finite, gl - wl, 0))
    limit = tol * factor + 4 * compute_eps(dtype) * np.abs(np.where(finite, wl, 0))
    bad = err > limit  # 4 eps |c|: the rounding of the scaling's division
    assert not np.any(bad), f"max error {float(err.max())} at {np.argwhere(bad)[:5].tolist()}"


def series(rng, n, dtype, batch=()):
    shape = (*batch, n)
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        return rng.integers(-50, 50, size=shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.fixture
def force(monkeypatch):
    """force(engine): every xcorr/autocorr call computes its window with that engine."""

    def apply(engine):
        choose = ts._choose

        def forced(x, y, lo, hi):
            _, costs, length = choose(x, y, lo, hi)
            return engine, costs, length

        monkeypatch.setattr(ts, "_choose", forced)

    return apply


# --------------------------------------------------------------------------- xcorr


@pytest.mark.parametrize("engine", CROSS_ENGINES)
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("lengths", LENGTHS, ids=lambda p: f"{p[0]}x{p[1]}")
@pytest.mark.parametrize("maxlag", [None, 0, 3, 30])
def test_xcorr_matches_definition(engine, scale, lengths, maxlag, force):
    force(engine)
    rng = np.random.default_rng(seed_of("xcorr", scale, lengths, maxlag))
    x = rng.standard_normal(lengths[0])
    y = rng.standard_normal(lengths[1])
    lags, c = fc.xcorr(x, y, maxlag=maxlag, scale=scale)
    want_lags, want = naive_xcorr(x, y, maxlag, scale)
    np.testing.assert_array_equal(lags, want_lags)
    assert lags.dtype == np.int64
    assert_close(c, want, x, y, naive_factor(x, y, lags, scale))


@pytest.mark.parametrize("engine", CROSS_ENGINES)
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("scale", ["none", "unbiased", "coeff"])
def test_xcorr_dtypes(engine, dtype, scale, force):
    force(engine)
    rng = np.random.default_rng(seed_of("dtypes", dtype, scale))
    x = series(rng, 21, dtype)
    y = series(rng, 14, np.complex128 if dtype == np.bool_ else dtype)  # bool with complex
    lags, c = fc.xcorr(x, y, maxlag=9, scale=scale)
    _, want = naive_xcorr(x, y, 9, scale)
    assert_close(c, want, x, y, naive_factor(x, y, lags, scale))


def test_xcorr_mixed_dtypes():
    x = np.arange(6, dtype=np.int64)
    y = np.array([1, 0.5, 2], dtype=np.float32)
    lags, c = fc.xcorr(x, y)
    assert c.dtype == np.float64
    _, want = naive_xcorr(x, y, None, "none")
    assert_close(c, want, x, y, np.ones(lags.shape))


def test_xcorr_float16_is_single_precision():
    x = np.array([1, 2, 3, 4], dtype=np.float16)
    lags, c = fc.xcorr(x, scale="coeff")
    assert c.dtype == np.float32
    assert c[lags == 0][0] == 1.0


BATCHES = {
    # name: (shape of x, shape of y, axis)
    "rows": ((3, 20), (3, 15), -1),
    "broadcast-y": ((4, 18), (1, 18), 1),
    "broadcast-both": ((3, 1, 16), (1, 2, 11), -1),
    "axis0": ((19, 3), (12, 3), 0),
    "middle-axis": ((2, 13, 3), (1, 9, 3), 1),
    "empty-batch": ((0, 10), (1, 10), -1),
}


@pytest.mark.parametrize("engine", CROSS_ENGINES)
@pytest.mark.parametrize("case", BATCHES)
@pytest.mark.parametrize("scale", ["none", "biased", "coeff"])
@pytest.mark.parametrize("maxlag", [None, 4])
def test_xcorr_batches(engine, case, scale, maxlag, force):
    force(engine)
    sx, sy, axis = BATCHES[case]
    rng = np.random.default_rng(seed_of("batch", case, scale, maxlag))
    x = rng.standard_normal(sx) + 1j * rng.standard_normal(sx)
    y = rng.standard_normal(sy)
    lags, c = fc.xcorr(x, y, maxlag=maxlag, scale=scale, axis=axis)
    want_lags, want = naive_batched(x, y, maxlag, scale, axis)
    np.testing.assert_array_equal(lags, want_lags)
    n = max(sx[axis], sy[axis])
    if scale == "coeff":  # per pair: the energies differ along the batch axes
        xm, ym = np.moveaxis(x, axis, -1), np.moveaxis(y, axis, -1)
        factor = 1 / (np.linalg.norm(xm, axis=-1) * np.linalg.norm(ym, axis=-1))[..., None]
    else:
        factor = naive_factor(np.zeros(n), np.zeros(n), lags, scale)
    assert_close(c, want, x, y, factor, axis=axis)


@pytest.mark.parametrize("engine", CROSS_ENGINES)
def test_y_none_is_xcorr_x_x(engine, force):
    force(engine)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 40)) + 1j * rng.standard_normal((2, 40))
    for scale in SCALES:
        for maxlag in (None, 5, 60):
            lags1, c1 = fc.xcorr(x, maxlag=maxlag, scale=scale)
            lags2, c2 = fc.xcorr(x, x, maxlag=maxlag, scale=scale)
            np.testing.assert_array_equal(lags1, lags2)
            _, want = naive_batched(x, x, maxlag, scale, -1)
            factor = naive_factor(x[0], x[0], lags1, scale)
            if scale in ("coeff", "normalized"):
                factor = 1 / np.sum(np.abs(x) ** 2, axis=-1, keepdims=True)
            assert_close(c1, want, x, x, factor)
            assert_close(c2, want, x, x, factor)


def test_autocorrelation_lag0_and_symmetry():
    rng = np.random.default_rng(4)
    x = rng.standard_normal(300) + 1j * rng.standard_normal(300)
    lags, c = fc.xcorr(x, maxlag=50, scale="coeff")
    assert c[lags == 0][0] == 1.0  # exactly
    np.testing.assert_array_equal(c[::-1], c.conj())  # c[-k] == conj(c[k]), exactly


def test_maxlag_beyond_the_series_gives_zeros():
    lags, c = fc.xcorr([1.0, 2.0], [3.0], maxlag=4, scale="unbiased")
    np.testing.assert_array_equal(lags, np.arange(-4, 5))
    # n = 2 after padding y: lag 0 has 2 terms, lag 1 has 1, the rest none.
    np.testing.assert_allclose(c, [0, 0, 0, 0, 3 / 2, 6 / 1, 0, 0, 0])


def test_lag_convention_delayed_copy():
    """SPEC §1: x a copy of y delayed by d peaks at lag +d."""
    rng = np.random.default_rng(5)
    y = rng.standard_normal(200)
    x = np.concatenate([np.zeros(13), y])[:200]
    lags, c = fc.xcorr(x, y, maxlag=20)
    assert lags[np.argmax(c)] == 13
    lags, c = fc.xcorr(y, x, maxlag=20)
    assert lags[np.argmax(c)] == -13


def test_matches_scipy_correlate_and_lags():
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal(50), rng.standard_normal(50)
    lags, c = fc.xcorr(x, y)
    np.testing.assert_array_equal(lags, scipy.signal.correlation_lags(50, 50))
    np.testing.assert_allclose(c, scipy.signal.correlate(x, y), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32])
@pytest.mark.parametrize("window", [(-3, 3), (-1, 6), (-7, 0), (0, 0), (-20, 15)])
@pytest.mark.parametrize("length_extra", [0, 1, 2, 7, 40])
@pytest.mark.parametrize("group", ["one", "three", "all"])
def test_blocked_engine_many_blocks(dtype, window, length_extra, group, monkeypatch):
    """The overlap-save engine with short blocks (many of them), transformed one, three or
    all blocks at a time (groups at the edges of the inputs are padded copies, the others
    views), against the definition."""
    lo, hi = window
    points = {"one": 1, "three": 3 * (hi - lo + 1 + length_extra), "all": 10**9}[group]
    monkeypatch.setattr(ts, "GROUP_POINTS", points)
    rng = np.random.default_rng(seed_of("blocked", dtype, window, length_extra))
    x, y = series(rng, 97, dtype), series(rng, 61, dtype)
    length = hi - lo + 1 + length_extra  # blocks of length_extra + 1 samples
    got = ts._blocked(x, y, lo, hi, length)
    want = naive_raw(x, y, range(lo, hi + 1))
    assert_close(got, want, x, y, np.ones(want.shape))
    auto = ts._blocked(x, None, 0, hi, hi + 1 + length_extra)
    assert_close(auto, naive_raw(x, x, range(0, hi + 1)), x, x, np.ones(hi + 1))


def test_nonfinite_values_stay_on_their_lags(force):
    """A NaN or inf reaches exactly the lags whose sums contain it, as in the definition,
    whichever engine the window would take (series with them use `fc.correlate`)."""
    force("blocked")
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal(60), rng.standard_normal(25)
    x[40] = np.nan
    y[3] = np.inf
    lags, c = fc.xcorr(x, y, maxlag=45)
    want = naive_raw(x, y, lags)
    assert np.array_equal(np.isnan(c), np.isnan(want.astype(np.float64)))
    assert_close(c, want, x, y, np.ones(want.shape))


# --------------------------------------------------------------------------- autocorr


def naive_autocorr(x, maxlag, scale, demean):
    x = np.asarray(x)
    x = x.astype(np.result_type(x, np.float64))
    xd = x - x.mean() if demean else x
    lags, c = naive_xcorr(xd, xd, maxlag, scale)
    if scale in ("coeff", "normalized"):
        c = naive_raw(xd, xd, lags) / naive_raw(xd, xd, [0])[0].real
    return lags, c, xd


@pytest.mark.parametrize("engine", AUTO_ENGINES)
@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("maxlag", [None, 0, 5, 40])
@pytest.mark.parametrize("demean", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32, np.int32])
def test_autocorr_matches_definition(engine, scale, maxlag, demean, dtype, force):
    force(engine)
    rng = np.random.default_rng(seed_of("autocorr", scale, maxlag, demean, dtype))
    x = series(rng, 33, dtype) + (3 if dtype != np.complex128 else 3 + 1j)
    lags, c = fc.autocorr(x, maxlag=maxlag, scale=scale, demean=demean)
    want_lags, want, xd = naive_autocorr(x, maxlag, scale, demean)
    np.testing.assert_array_equal(lags, want_lags)
    factor = naive_factor(xd, xd, lags, scale)
    assert_close(c, want, xd.astype(expected_dtype(x)), xd.astype(expected_dtype(x)), factor)
    if scale in ("coeff", "normalized"):
        assert c[lags == 0][0] == 1.0
    np.testing.assert_array_equal(c[::-1], c.conj())


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_autocorr_batched_along_axis(axis):
    rng = np.random.default_rng(seed_of("autocorr-axis", axis))
    x = rng.standard_normal((12, 14))
    lags, c = fc.autocorr(x, maxlag=6, scale="coeff", axis=axis)
    assert c.shape[axis] == 13
    for i in range(x.shape[1 - axis % 2]):
        row = np.take(x, i, axis=1 - axis % 2)
        _, want = fc.autocorr(row, maxlag=6, scale="coeff")
        np.testing.assert_allclose(np.take(c, i, axis=1 - axis % 2), want, atol=1e-13)


@pytest.mark.parametrize("scale", SCALES)
def test_autocorr_without_demean_is_xcorr(scale):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 50)) + 2
    lags1, c1 = fc.autocorr(x, maxlag=10, scale=scale, demean=False)
    lags2, c2 = fc.xcorr(x, maxlag=10, scale=scale)
    np.testing.assert_array_equal(lags1, lags2)
    np.testing.assert_allclose(c1, c2, rtol=1e-13, atol=1e-12)


def test_constant_series_coeff_is_nan():
    """A series that is zero after demeaning has no normalised autocorrelation (0/0)."""
    lags, c = fc.autocorr(np.full(10, 4.0), maxlag=2, scale="coeff")
    assert np.all(np.isnan(c))
    lags, c = fc.autocorr(np.full(10, 4.0), maxlag=2)  # biased: zeros
    np.testing.assert_array_equal(c, np.zeros(5))


@pytest.mark.parametrize("n", [50, 1001])
@pytest.mark.parametrize("nlags", [1, 10, 40])
def test_autocorr_agrees_with_statsmodels(n, nlags):
    from statsmodels.tsa.stattools import acf, acovf

    rng = np.random.default_rng(seed_of("statsmodels", n, nlags))
    # An AR(1) series, so that the autocorrelations are far from zero.
    x = scipy.signal.lfilter([1.0], [1.0, -0.8], rng.standard_normal(n)) + 5.0
    xd = x - x.mean()
    # Both sides are approximate: twice SPEC §4's bound on the raw sums, times the scaling.
    bound = 2 * tolerance(xd, xd)
    lags, c = fc.autocorr(x, maxlag=nlags, scale="coeff")
    for fft in (True, False):
        want = acf(x, nlags=nlags, fft=fft)
        np.testing.assert_allclose(c[nlags:], want, rtol=0, atol=bound / np.dot(xd, xd))
    _, cov = fc.autocorr(x, maxlag=nlags)  # 'biased'
    np.testing.assert_allclose(cov[nlags:], acovf(x, nlag=nlags, fft=True), rtol=0, atol=bound / n)
    _, unb = fc.autocorr(x, maxlag=nlags, scale="unbiased")
    terms = n - np.arange(nlags + 1)
    want = acovf(x, adjusted=True, nlag=nlags)
    assert np.all(np.abs(unb[nlags:] - want) <= bound / terms)
    sunspots = np.asarray(_sunspots(), dtype=np.float64)
    sd = sunspots - sunspots.mean()
    _, c = fc.autocorr(sunspots, maxlag=nlags, scale="coeff")
    want = acf(sunspots, nlags=nlags, fft=True)
    np.testing.assert_allclose(c[nlags:], want, rtol=0, atol=2 * tolerance(sd, sd) / np.dot(sd, sd))


def _sunspots():
    from statsmodels.datasets import sunspots

    return sunspots.load_pandas().data["SUNACTIVITY"].to_numpy()


def test_sunspot_cycle():
    """The yearly sunspot numbers (shipped in statsmodels) repeat every ~11 years."""
    x = _sunspots()
    lags, c = fc.autocorr(x, maxlag=20, scale="coeff")
    later = lags >= 5
    assert lags[later][np.argmax(c[later])] in (10, 11)


# --------------------------------------------------------------------------- engine choice


def test_small_window_never_pays_for_the_full_correlation(monkeypatch):
    """maxlag=1000 on a long series is computed over its window, not by fc.correlate."""

    def no_full(*args, **kwargs):
        raise AssertionError("the full correlation was computed")

    monkeypatch.setattr(ts, "correlate", no_full)
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal(200_000), rng.standard_normal(200_000)
    lags, c = fc.xcorr(x, y, maxlag=1000)
    assert c.shape == (2001,)
    # Spot-check a few lags against plain dot products.
    for k in (-1000, -1, 0, 7, 1000):
        want = np.dot(x[max(k, 0) : len(x) + min(k, 0)], y[max(-k, 0) : len(y) - max(k, 0)])
        assert abs(c[lags == k][0] - want) <= tolerance(x, y)


def test_cost_model_picks():
    x = np.zeros(10**6)
    assert ts._choose(x, x, -1, 1)[0] == "direct"
    assert ts._choose(x, x, -1000, 1000)[0] == "blocked"
    assert ts._choose(x, None, 0, 1)[0] == "direct"
    assert ts._choose(x, None, 0, 10**6 - 1)[0] == "spectrum"
    small = np.zeros(10)
    assert ts._choose(small, small, -9, 9)[0] in ("direct", "full")


# --------------------------------------------------------------------------- delays


def bandlimited_pair(n, delay, snr_db, *, band=0.4, seed=0, ny=None, complex_=False):
    """y: noise band-limited to |f| < band (cycles/sample); x: y delayed by `delay` samples,
    made in the frequency domain (a linear-phase factor on a longer record, then the
    middle cut out, so nothing wraps); both with independent white noise at `snr_db`."""
    rng = np.random.default_rng(seed)
    ny = n if ny is None else ny
    m = 4 * max(n, ny)
    white = rng.standard_normal(m) + (1j * rng.standard_normal(m) if complex_ else 0)
    spec = np.fft.fft(white)
    f = np.fft.fftfreq(m)
    spec[np.abs(f) > band] = 0
    src = np.fft.ifft(spec)
    shifted = np.fft.ifft(spec * np.exp(-2j * np.pi * f * delay))
    if not complex_:
        src, shifted = src.real, shifted.real
    start = m // 4
    y, x = src[start : start + ny], shifted[start : start + n]
    sigma = np.sqrt(np.mean(np.abs(y) ** 2) / 10 ** (snr_db / 10))

    def noise(k):
        w = rng.standard_normal(k) + (1j * rng.standard_normal(k) if complex_ else 0)
        return sigma * w / (np.sqrt(2) if complex_ else 1)

    return x + noise(n), y + noise(ny)


@pytest.mark.parametrize("method", ["cc", "phat"])
@pytest.mark.parametrize("delay", [0, 1, 17, -42, 250])
def test_integer_delays_exact(method, delay):
    rng = np.random.default_rng(seed_of("integer", method, delay))
    y = rng.standard_normal(3000)
    x = np.zeros_like(y)
    if delay >= 0:
        x[delay:] = y[: len(y) - delay]
    else:
        x[:delay] = y[-delay:]
    assert fc.estimate_delay(x, y, method=method, interpolate=False) == delay
    refined = fc.estimate_delay(x, y, method=method)
    assert round(refined) == delay and abs(refined - delay) < 0.01
    assert fc.estimate_delay(x, y, method=method, fs=8000.0, interpolate=False) == delay / 8000


@pytest.mark.parametrize("method", ["cc", "phat"])
@pytest.mark.parametrize("delay", [0.25, -0.5, 3.3, -17.71, 40.08, 123.456], ids=lambda d: f"d{d}")
@pytest.mark.parametrize("seed", range(3))
def test_fractional_delay_20db(method, delay, seed):
    x, y = bandlimited_pair(4096, delay, 20, seed=seed_of("frac", delay, seed))
    got = fc.estimate_delay(x, y, method=method)
    assert abs(got - delay) < 0.05, got
    # The same in seconds, and with a window that contains the delay.
    got_s = fc.estimate_delay(x, y, method=method, fs=48_000.0, max_delay=200 / 48_000)
    assert abs(got_s * 48_000 - delay) < 0.05


@pytest.mark.parametrize("method", ["cc", "phat"])
def test_fractional_delay_unequal_lengths_and_complex(method):
    x, y = bandlimited_pair(3000, -7.4, 20, seed=11, ny=5000)
    assert abs(fc.estimate_delay(x, y, method=method) + 7.4) < 0.05
    x, y = bandlimited_pair(4000, 9.62, 20, seed=12, complex_=True)
    assert abs(fc.estimate_delay(x, y, method=method) - 9.62) < 0.05


def test_parabolic_refinement_alone_would_miss():
    """The interpolant's maximum, not a parabola's: a sharp (PHAT) peak at a quarter
    sample is where a parabola through three samples is biased by ~0.1 sample."""
    x, y = bandlimited_pair(4096, 10.25, 60, band=0.45, seed=13)
    assert abs(fc.estimate_delay(x, y, method="phat") - 10.25) < 0.01
    weighted = np.fft.irfft(
        (lambda s: s / np.abs(s))(np.fft.rfft(x, 8192) * np.fft.rfft(y, 8192).conj()), 8192
    )
    k = 10
    left, mid, right = weighted[k - 1], weighted[k], weighted[k + 1]
    parabola = k + 0.5 * (left - right) / (left - 2 * mid + right)
    assert abs(parabola - 10.25) > 0.05


def test_phat_finds_the_direct_path_under_a_strong_echo():
    """A coloured (low-pass) source received directly after 20 samples and as a 0.9 echo
    4 samples later: the plain correlation's broad peak merges the two paths and lands in
    between; GCC-PHAT whitens the spectrum, so the paths are two sharp peaks."""
    rng = np.random.default_rng(14)
    n = 8192
    b, a = scipy.signal.butter(2, 0.1)  # cutoff at 0.05 cycles/sample
    src = scipy.signal.lfilter(b, a, rng.standard_normal(n + 1000))[500:]
    y = src[100 : 100 + n]
    x = src[80 : 80 + n] + 0.9 * src[76 : 76 + n]  # delays 20 and 24
    sigma = np.std(x) * 10 ** (-30 / 20)
    x = x + sigma * rng.standard_normal(n)
    y = y + sigma * rng.standard_normal(n)
    phat = fc.estimate_delay(x, y, method="phat")
    cc = fc.estimate_delay(x, y, method="cc")
    assert abs(phat - 20) < 0.1, phat
    assert abs(cc - 20) > 1.0, cc  # between the two paths


def test_delay_batched_and_along_axis():
    rng = np.random.default_rng(15)
    y = rng.standard_normal(2000)
    delays = np.array([[-3, 0, 12], [5, 7, -30]])
    x = np.stack([[np.roll(y, d) for d in row] for row in delays])  # (2, 3, 2000)
    for method in ("cc", "phat"):
        got = fc.estimate_delay(x, y[None, None], method=method, interpolate=False)
        np.testing.assert_array_equal(got, delays)
        got_t = fc.estimate_delay(
            np.moveaxis(x, -1, 0), y[:, None, None], method=method, axis=0, max_delay=40
        )
        assert got_t.shape == (2, 3)
        np.testing.assert_allclose(got_t, delays, atol=0.05)
        single = fc.estimate_delay(x[1, 2], y, method=method)
        assert isinstance(single, float)
        assert got_t[1, 2] == pytest.approx(single, abs=1e-6)


def test_max_delay_limits_the_search():
    rng = np.random.default_rng(16)
    y = rng.standard_normal(1000)
    x = np.roll(y, 50)
    assert fc.estimate_delay(x, y, interpolate=False) == 50
    limited = fc.estimate_delay(x, y, max_delay=10)
    assert -10 <= limited <= 10
    assert fc.estimate_delay(x, y, max_delay=0) == 0.0
    # fs=10, max_delay=5.0 s: 50 samples, the true delay, just inside (no rounding loss).
    assert fc.estimate_delay(x, y, fs=10.0, max_delay=5.0, interpolate=False) == 5.0


def test_all_zero_series_has_no_delay():
    assert np.isnan(fc.estimate_delay(np.zeros(10), np.ones(10)))
    got = fc.estimate_delay(np.stack([np.zeros(8), np.arange(8.0)]), np.arange(8.0)[None])
    assert np.isnan(got[0]) and got[1] == pytest.approx(0.0, abs=1e-9)


def test_single_sample_series():
    assert fc.estimate_delay([2.0], [1.0]) == 0.0
    assert fc.estimate_delay([0, 0, 1.0], [1.0], interpolate=False) == 2.0


# --------------------------------------------------------------------------- properties


@given(
    nx=st.integers(1, 24),
    ny=st.integers(1, 24),
    maxlag=st.one_of(st.none(), st.integers(0, 30)),
    scale=st.sampled_from(SCALES),
    complex_=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_xcorr_is_the_definition(nx, ny, maxlag, scale, complex_, seed):
    rng = np.random.default_rng(seed)
    dtype = np.complex128 if complex_ else np.float64
    x, y = series(rng, nx, dtype), series(rng, ny, dtype)
    lags, c = fc.xcorr(x, y, maxlag=maxlag, scale=scale)
    _, want = naive_xcorr(x, y, maxlag, scale)
    assert_close(c, want, x, y, naive_factor(x, y, lags, scale))
    # Swapping the inputs reverses and conjugates the sequence (SPEC §1's flip identity).
    _, c2 = fc.xcorr(y, x, maxlag=maxlag, scale=scale)
    bound = 4 * tolerance(x, y) * float(naive_factor(x, y, lags, scale).max())
    np.testing.assert_allclose(c2, c[::-1].conj(), rtol=0, atol=bound)


@given(
    n=st.integers(2, 300),
    shift=st.integers(-40, 40),
    method=st.sampled_from(["cc", "phat"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_delay_of_a_circular_shift(n, shift, method, seed):
    """A circular shift of white noise: the integer peak is the shift (mod n, mapped into
    the lags the two series allow)."""
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(n)
    x = np.roll(y, shift)
    got = fc.estimate_delay(np.concatenate([x, x]), y, method=method, interpolate=False)
    # x twice: the copy of y starts at shift mod n, and again n samples later.
    assert got % n == shift % n


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (
            lambda: fc.xcorr([1.0, 2.0], scale="MATLAB"),
            ValueError,
            r"scale must be one of .*'coeff'.*'MATLAB'",
        ),
        (lambda: fc.autocorr([1.0, 2.0], scale=None), ValueError, r"scale must be one of .*None"),
        (
            lambda: fc.xcorr([1.0, 2.0], maxlag=-1),
            ValueError,
            r"maxlag must be a non-negative integer or None; got -1",
        ),
        (
            lambda: fc.xcorr([1.0, 2.0], maxlag=2.5),
            TypeError,
            r"maxlag must be a non-negative integer or None; got 2.5",
        ),
        (lambda: fc.xcorr([1.0, 2.0], maxlag=3.0), TypeError, r"maxlag .* got 3.0"),
        (lambda: fc.xcorr([1.0, 2.0], maxlag=True), TypeError, r"maxlag .* got True"),
        (lambda: fc.autocorr([1.0, 2.0], maxlag="3"), TypeError, r"maxlag .* got '3'"),
        (
            lambda: fc.xcorr(np.ones((3, 5)), np.ones((2, 5))),
            ValueError,
            r"x shape \(3, 5\) and y shape \(2, 5\) do not broadcast along axis 0",
        ),
        (
            lambda: fc.xcorr(np.ones((3, 5)), np.ones((3, 4, 2)), axis=0),
            ValueError,
            r"x and y must have the same number of dimensions; got x.ndim=2",
        ),
        (
            lambda: fc.estimate_delay(np.ones((4, 9)), np.ones((3, 9))),
            ValueError,
            r"do not broadcast along axis 0",
        ),
        (lambda: fc.xcorr([]), ValueError, r"x is empty along axis 0"),
        (lambda: fc.xcorr([1.0], np.ones((0,))), ValueError, r"y is empty along axis 0"),
        (lambda: fc.autocorr(np.ones((3, 0))), ValueError, r"x is empty along axis 1"),
        (lambda: fc.xcorr(3.0), ValueError, r"x must have at least one dimension"),
        (lambda: fc.xcorr([1.0, 2.0], axis=1), ValueError, r"axis=1 is out of range .* \[-1, 0\]"),
        (lambda: fc.xcorr([1.0, 2.0], axis=0.0), TypeError, r"axis must be an integer; got 0.0"),
        (lambda: fc.xcorr(["a", "b"]), TypeError, r"x has dtype <U1"),
        (
            lambda: fc.autocorr([1.0, 2.0], demean="yes"),
            TypeError,
            r"demean must be True or False; got 'yes'",
        ),
        (
            lambda: fc.estimate_delay([1.0], [1.0], method="gcc"),
            ValueError,
            r"method must be one of 'cc', 'phat'; got 'gcc'",
        ),
        (
            lambda: fc.estimate_delay([1.0], [1.0], fs=0),
            ValueError,
            r"fs must be a finite number > 0; got 0",
        ),
        (
            lambda: fc.estimate_delay([1.0], [1.0], fs=-8000.0),
            ValueError,
            r"fs must be .* got -8000.0",
        ),
        (
            lambda: fc.estimate_delay([1.0], [1.0], fs=float("nan")),
            ValueError,
            r"fs must be .* got nan",
        ),
        (
            lambda: fc.estimate_delay([1.0], [1.0], fs="44.1k"),
            TypeError,
            r"fs must be a real number; got '44.1k'",
        ),
        (
            lambda: fc.estimate_delay([1.0], [1.0], max_delay=-1),
            ValueError,
            r"max_delay must be a finite number >= 0; got -1",
        ),
        (
            lambda: fc.estimate_delay([1.0], [1.0], max_delay=True),
            TypeError,
            r"max_delay must be a real number; got True",
        ),
        (
            lambda: fc.estimate_delay([1.0], [1.0], interpolate="no"),
            TypeError,
            r"interpolate must be True or False",
        ),
        (lambda: fc.estimate_delay([1.0, np.nan], [1.0]), ValueError, r"x holds NaN or inf"),
        (lambda: fc.estimate_delay([1.0], [np.inf]), ValueError, r"y holds NaN or inf"),
        (lambda: fc.estimate_delay([], [1.0]), ValueError, r"x is empty"),
    ],
)
def test_errors_name_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_keyword_only_options():
    with pytest.raises(TypeError):
        fc.xcorr([1.0, 2.0], [1.0], 1)  # maxlag is keyword-only
    with pytest.raises(TypeError):
        fc.estimate_delay([1.0], [1.0], 2.0)  # fs is keyword-only


# --------------------------------------------------------------------------- inputs


@pytest.mark.parametrize("engine", AUTO_ENGINES)
def test_inputs_are_never_written(engine, force):
    force(engine)
    rng = np.random.default_rng(17)
    x = rng.standard_normal((2, 64)) + 5
    y = rng.standard_normal((1, 50)) + 1j * rng.standard_normal((1, 50))
    ints = rng.integers(-9, 9, size=64)
    originals = [a.copy() for a in (x, y, ints)]
    for a in (x, y, ints):
        a.flags.writeable = False
    if engine != "spectrum":
        fc.xcorr(x, y, maxlag=7, scale="coeff")
        fc.xcorr(x, y)
    fc.xcorr(x, scale="unbiased")
    fc.autocorr(x, maxlag=9)
    fc.autocorr(ints, scale="coeff")
    fc.estimate_delay(x, y, method="phat")
    fc.estimate_delay(ints, ints[::-1])
    for a, original in zip((x, y, ints), originals, strict=True):
        np.testing.assert_array_equal(a, original)


def test_lists_and_strided_views():
    rng = np.random.default_rng(18)
    base = rng.standard_normal((30, 4))
    view = base[::-2, 1]  # negatively strided, non-contiguous
    lags, c = fc.xcorr(view, list(view[:7]), maxlag=5)
    _, want = naive_xcorr(view, view[:7], 5, "none")
    assert_close(c, want, view, view[:7], np.ones(want.shape))


# --------------------------------------------------------------------------- benchmark


@pytest.mark.slow
def test_bench_timeseries_quick():
    bench = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_timeseries.py"
    result = subprocess.run(
        [sys.executable, str(bench), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=bench.parent,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert any(line.startswith(("[PASS]", "[FAIL]")) and "maxlag=1000" in line for line in lines)
    assert "wrong results: 0" in result.stdout
