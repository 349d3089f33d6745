"""`fc.match_template` (issue 5): zero-normalised cross-correlation with scikit-image's
`feature.match_template` semantics.

Equal to scikit-image within 1e-6 (float64) for both ``pad_input`` values and every padding
mode, on random 2-D and 3-D images and on the real images that ship inside scikit-image;
equal to a naive two-pass oracle (below) within a per-window bound derived from SPEC §4 in
any dimension; flat windows and flat templates give exactly 0; scores lie in [-1, 1]; the
template is found where it was cut; non-finite values reach exactly the windows that cover
them; dtypes; backends; errors; inputs never written to.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

import fftconv as fc
from fftconv._template import PAD_MODES

from ._data import seed_of
from .reference import TOL_C

skimage_feature = pytest.importorskip("skimage.feature")
skimage_data = pytest.importorskip("skimage.data")
sk_match = skimage_feature.match_template


# --------------------------------------------------------------------------------------
# The oracle: the definition, window by window, in extended precision.


def _padded_like_skimage(image, template_shape, pad_input, mode, constant_values):
    """The image as scikit-image pads it (float64, the template size on every side),
    cropped to the samples that the kept windows read."""
    img = np.asarray(image).astype(np.float64)
    widths = [(w, w) for w in template_shape]
    if mode == "constant":
        big = np.pad(img, widths, mode="constant", constant_values=constant_values)
    else:
        big = np.pad(img, widths, mode=mode)
    if pad_input:
        # output i <-> the window that starts at i - w // 2
        crop = tuple(
            slice(w - w // 2, w - w // 2 + n + w - 1)
            for n, w in zip(img.shape, template_shape, strict=True)
        )
    else:
        crop = tuple(slice(w, w + n) for n, w in zip(img.shape, template_shape, strict=True))
    return big[crop]


def oracle(image, template, *, pad_input=False, mode="constant", constant_values=0):
    """(scores, variance sums) from the definition: per window, the two-pass correlation
    coefficient in longdouble; 0 where the window or the template is constant."""
    tpl = np.asarray(template).astype(np.longdouble)
    padded = _padded_like_skimage(image, tpl.shape, pad_input, mode, constant_values)
    windows = sliding_window_view(padded.astype(np.longdouble), tpl.shape)
    axes = tuple(range(tpl.ndim, 2 * tpl.ndim))
    t0 = tpl - tpl.mean()
    dev = windows - windows.mean(axis=axes, keepdims=True)
    num = (dev * t0).sum(axis=axes)
    var = (dev * dev).sum(axis=axes)
    ssd = (t0 * t0).sum()
    flat = np.ptp(windows, axis=axes) == 0
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        scores = np.where(flat | (ssd == 0), 0, num / np.sqrt(var * ssd))
    return scores.astype(np.float64), var.astype(np.float64), padded


def score_tolerance(padded, var, want, dtype, template_shape):
    """Per-window bound on |score - exact|, from the method's two error sources.

    The numerator is an FFT correlation, within SPEC §4's ``C * eps * log2(size) *
    ||x|| * ||t||`` (x: the shifted image), which a score divides by ``sqrt(var) * ||t||``.
    The variance sum comes from running sums along each axis of length ``L``, each within
    ``L * eps`` of the sum of magnitudes (at most ``n * max(x**2)`` per window), so it is
    off by at most ``var_err = C * eps * sum(L) * n * max(x**2)``, which moves a score by
    ``|score| * var_err / (2 * var)``; where ``var <= var_err`` the window may count as
    flat (score 0). Plus a few eps for the division and the clip.
    """
    eps = float(np.finfo(dtype).eps)
    sums_eps = float(np.finfo(np.float64).eps)  # the running sums are float64
    size = math.prod(n + 1 for n in padded.shape)  # transform length, within a factor
    x = padded - padded.mean()
    n = math.prod(template_shape)
    numerator = TOL_C * eps * math.log2(size + 1) * float(np.linalg.norm(x))
    var_err = TOL_C * sums_eps * sum(padded.shape) * n * float(np.max(x * x, initial=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        tol = numerator / np.sqrt(var) + np.abs(want) * var_err / (2 * var)
    tol = np.where(var <= var_err, np.abs(want), tol)
    return tol + TOL_C * eps * (1 + sum(template_shape))


def assert_matches_oracle(got, image, template, dtype=np.float64, **kwargs):
    want, var, padded = oracle(image, template, **kwargs)
    assert got.shape == want.shape
    assert got.dtype == dtype
    tol = score_tolerance(padded, var, want, dtype, np.shape(template))
    err = np.abs(got.astype(np.float64) - want)
    bad = ~(err <= tol)
    assert not bad.any(), (
        f"{bad.sum()} of {bad.size} scores off; worst {err[bad].max():.3g} "
        f"(tolerance there {tol[bad][np.argmax(err[bad])]:.3g})"
    )


def rand(shape, seed, dtype=np.float64):
    return np.random.default_rng(seed).random(shape).astype(dtype)


# --------------------------------------------------------------------------------------
# scikit-image: within 1e-6 (float64), both pad_input values, every padding mode.

SHAPES = {
    "2d-odd": ((23, 31), (5, 7)),
    "2d-even": ((24, 19), (6, 4)),
    "2d-template-full-width": ((17, 12), (5, 12)),
    "2d-template-equals-image": ((9, 8), (9, 8)),
    "2d-1x1-axis": ((15, 16), (1, 6)),
    "3d": ((11, 13, 10), (3, 4, 5)),
    "3d-even": ((12, 9, 8), (4, 2, 6)),
}


@pytest.mark.parametrize("pad_input", [False, True])
@pytest.mark.parametrize("case", sorted(SHAPES))
def test_equals_skimage_on_random_images(case, pad_input):
    shape, tshape = SHAPES[case]
    image = rand(shape, seed_of("sk", case))
    template = rand(tshape, seed_of("sk-t", case))
    got = fc.match_template(image, template, pad_input=pad_input)
    want = sk_match(image, template, pad_input=pad_input)
    assert got.shape == want.shape and got.dtype == want.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert_matches_oracle(got, image, template, pad_input=pad_input)


@pytest.mark.parametrize("mode", PAD_MODES)
@pytest.mark.parametrize("case", ["2d-even", "2d-template-equals-image", "3d"])
def test_equals_skimage_for_every_pad_mode(case, mode):
    shape, tshape = SHAPES[case]
    image = rand(shape, seed_of("mode", case))
    template = (
        image[tuple(slice(1, 1 + w) for w in tshape)]
        if case != "2d-template-equals-image"
        else rand(tshape, 3)
    )
    extra = {"constant_values": 0.75} if mode == "constant" else {}
    got = fc.match_template(image, template, pad_input=True, mode=mode, **extra)
    want = sk_match(image, template, pad_input=True, mode=mode, **extra)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert_matches_oracle(got, image, template, pad_input=True, mode=mode, **extra)


def test_constant_values_per_axis_pairs():
    image = rand((14, 15), 5)
    template = rand((5, 4), 6)
    pairs = ((0.1, 0.9), (0.4, 0.6))
    got = fc.match_template(image, template, pad_input=True, constant_values=pairs)
    want = sk_match(image, template, pad_input=True, constant_values=pairs)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)


def test_pad_mode_is_ignored_without_pad_input():
    image = rand((20, 20), 7)
    template = rand((4, 5), 8)
    base = fc.match_template(image, template)
    for mode in PAD_MODES:
        np.testing.assert_array_equal(fc.match_template(image, template, mode=mode), base)


# --------------------------------------------------------------------------------------
# Real images shipped inside scikit-image.

REAL_2D = ["camera", "coins", "moon", "page", "clock", "checkerboard", "horse"]


def _real(name):
    try:
        return getattr(skimage_data, name)()
    except Exception as exc:  # a sample that would need a download
        pytest.skip(f"skimage.data.{name} is not available offline: {exc}")


@pytest.mark.parametrize("pad_input", [False, True])
@pytest.mark.parametrize("name", REAL_2D)
def test_equals_skimage_on_real_images(name, pad_input):
    image = _real(name)
    h, w = 24, 31
    # The template: the most contrasted of a few windows (a flat one would score 0).
    corners = [
        (r, c) for r in range(0, image.shape[0] - h, 37) for c in range(0, image.shape[1] - w, 41)
    ]
    r, c = max(corners, key=lambda rc: np.std(image[rc[0] : rc[0] + h, rc[1] : rc[1] + w]))
    template = image[r : r + h, c : c + w]
    got = fc.match_template(image, template, pad_input=pad_input)
    want = sk_match(image, template, pad_input=pad_input)
    assert got.dtype == np.float64
    # Integer images: scikit-image's window variances are exact, so its flat windows
    # are exactly 0 as ours are, and the comparison holds everywhere.
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    best = np.unravel_index(np.argmax(got), got.shape)
    expected = (r + h // 2, c + w // 2) if pad_input else (r, c)
    assert got[expected] == pytest.approx(1.0, abs=1e-9)
    assert got[best] == pytest.approx(1.0, abs=1e-9)


def test_real_image_as_float_and_3d_volume():
    """camera as float in [0, 1] (non-integer values), and astronaut as a 3-D volume."""
    camera = _real("camera").astype(np.float64) / 255
    template = camera[200:240, 300:350]
    got = fc.match_template(camera, template, pad_input=True)
    want = sk_match(camera, template, pad_input=True)
    # No 40x50 window of camera is flat (flat windows of non-integer images, where
    # scikit-image returns rounding noise, are test_flat_windows_score_exactly_zero's).
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    astronaut = _real("astronaut")
    block = astronaut[100:164, 200:248, :]
    got = fc.match_template(astronaut, block)
    want = sk_match(astronaut, block)
    assert got.shape == want.shape == (512 - 64 + 1, 512 - 48 + 1, 1)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert np.unravel_index(np.argmax(got), got.shape) == (100, 200, 0)


# --------------------------------------------------------------------------------------
# The oracle in every dimension, shapes, range, location, invariances.


@pytest.mark.parametrize(
    "shape, tshape",
    [((40,), (7,)), ((40,), (40,)), ((9, 8, 7, 6), (2, 3, 4, 5)), ((5, 6, 4, 3), (5, 1, 2, 3))],
)
@pytest.mark.parametrize("pad_input", [False, True])
def test_other_dimensions_match_the_oracle(shape, tshape, pad_input):
    image = rand(shape, seed_of("nd", shape))
    template = rand(tshape, seed_of("nd-t", tshape))
    got = fc.match_template(image, template, pad_input=pad_input, mode="reflect")
    assert got.shape == (
        shape if pad_input else tuple(n - w + 1 for n, w in zip(shape, tshape, strict=True))
    )
    assert_matches_oracle(got, image, template, pad_input=pad_input, mode="reflect")


@given(
    data=st.data(),
    ndim=st.integers(1, 3),
    pad_input=st.booleans(),
    mode=st.sampled_from(PAD_MODES),
)
def test_property_matches_oracle(data, ndim, pad_input, mode):
    shape = tuple(data.draw(st.integers(1, 9), label="n") for _ in range(ndim))
    tshape = tuple(data.draw(st.integers(1, n), label="w") for n in shape)
    seed = data.draw(st.integers(0, 2**16), label="seed")
    rng = np.random.default_rng(seed)
    # Small integers make ties and flat windows common; scaled to non-integers half the time.
    image = rng.integers(0, 4, shape).astype(np.float64)
    template = rng.integers(0, 4, tshape).astype(np.float64)
    if data.draw(st.booleans(), label="non-integer"):
        image = image * 0.37 + 0.1
    got = fc.match_template(image, template, pad_input=pad_input, mode=mode)
    assert np.all((got >= -1) & (got <= 1))
    assert_matches_oracle(got, image, template, pad_input=pad_input, mode=mode)


def test_finds_the_template_and_scores_at_most_one():
    image = rand((200, 180), 11)
    for r, c in [(0, 0), (57, 93), (200 - 16, 180 - 9)]:
        template = image[r : r + 16, c : c + 9].copy()
        got = fc.match_template(image, template)
        assert np.unravel_index(np.argmax(got), got.shape) == (r, c)
        assert got[r, c] == pytest.approx(1.0, abs=1e-12)
        centred = fc.match_template(image, template, pad_input=True)
        assert np.unravel_index(np.argmax(centred), centred.shape) == (r + 8, c + 4)
    # An exact copy, an affine copy and a negated copy: +1, +1, -1 exactly at most.
    template = image[40:60, 30:45]
    for a, b, sign in [(1.0, 0.0, 1), (3.5, -7.0, 1), (-2.0, 1.0, -1)]:
        got = fc.match_template(a * image + b, template)
        assert sign * got[40, 30] == pytest.approx(1.0, abs=1e-12)
        assert np.abs(got).max() <= 1.0


def test_affine_invariance():
    image = rand((60, 50), 12)
    template = rand((7, 9), 13)
    base = fc.match_template(image, template)
    np.testing.assert_allclose(fc.match_template(4.0 * image - 3.0, template), base, atol=1e-10)
    np.testing.assert_allclose(fc.match_template(image, 0.5 * template + 8), base, atol=1e-10)
    np.testing.assert_allclose(fc.match_template(image, -template), -base, atol=1e-10)


# --------------------------------------------------------------------------------------
# Flat windows and templates.


@pytest.mark.parametrize("level", [0.0, 0.1, 3.0, 1e6 + 0.3, -250.0])
def test_flat_windows_score_exactly_zero(level):
    """Constant patches at non-integer levels (the rounding noise of the running sums is
    within the flatness bound), next to bright texture."""
    rng = np.random.default_rng(seed_of("flat", level))
    image = rng.random((96, 90)) * 1000
    image[20:60, 10:50] = level
    image[70:96, 60:90] = level
    template = rng.random((8, 11))
    for pad_input in (False, True):
        got = fc.match_template(image, template, pad_input=pad_input)
        _, var, _ = oracle(image, template, pad_input=pad_input)
        flat = var == 0
        assert flat.sum() > 100
        assert np.all(got[flat] == 0)
        assert_matches_oracle(got, image, template, pad_input=pad_input)


def test_flat_padding_windows_are_zero():
    image = rand((30, 30), 14) + 5
    template = rand((9, 9), 15)
    got = fc.match_template(image, template, pad_input=True, mode="mean")
    # 'mean' pads with constants, so a corner window reaching 4 samples out is not flat
    # but a window of only padding would be; none exist here, so compare with the oracle.
    assert_matches_oracle(got, image, template, pad_input=True, mode="mean")


@pytest.mark.parametrize("template", [np.full((4, 5), 0.3), np.ones((1, 1)), np.zeros((3, 3))])
def test_flat_template_scores_zero(template):
    image = rand((20, 21), 16)
    got = fc.match_template(image, template)
    assert np.all(got == 0)
    if template.flat[0] in (0, 1):  # exact means; 0.3's is rounded, and scikit-image
        # then divides rounding noise by a tiny template variance
        np.testing.assert_array_equal(got, sk_match(image, template))


def test_constant_image_scores_zero():
    assert np.all(fc.match_template(np.full((10, 12), 0.7), rand((3, 4), 17)) == 0)
    assert np.all(fc.match_template(np.full((10, 12), 9, dtype=np.uint8), rand((3, 4), 18)) == 0)


# --------------------------------------------------------------------------------------
# Non-finite values.


def test_nan_in_image_reaches_exactly_the_windows_covering_it():
    image = rand((40, 45), 19)
    template = rand((6, 7), 20)
    clean = fc.match_template(image, template, pad_input=True)
    dirty = image.copy()
    spots = [(3, 4), (25, 30), (39, 44)]
    for (r, c), value in zip(spots, (np.nan, np.inf, -np.inf), strict=True):
        dirty[r, c] = value
    got = fc.match_template(dirty, template, pad_input=True)
    covered = np.zeros(got.shape, dtype=bool)
    for r, c in spots:
        # output i starts its window at i - w // 2: it covers (r, c) if i is within
        # (r - (w - 1) + w // 2 ... r + w // 2)
        covered[max(0, r - 5 + 3) : r + 3 + 1, max(0, c - 6 + 3) : c + 3 + 1] = True
    assert np.array_equal(np.isnan(got), covered)
    # Elsewhere the same scores as the oracle of the image with those windows dropped.
    want, var, padded = oracle(np.where(np.isfinite(dirty), dirty, 0), template, pad_input=True)
    finite_padded = np.where(np.isfinite(padded), padded, 0)
    tol = score_tolerance(finite_padded, var, want, np.float64, template.shape)
    assert np.all(np.abs(got[~covered] - want[~covered]) <= tol[~covered])
    np.testing.assert_allclose(got[~covered], clean[~covered], rtol=0, atol=1e-9)


def test_nan_padding_value_and_nan_template():
    image = rand((20, 20), 21)
    template = rand((5, 5), 22)
    got = fc.match_template(image, template, pad_input=True, constant_values=np.nan)
    inner = got[2:18, 2:18]  # windows inside the image (start i - 2, length 5)
    assert not np.isnan(inner).any()
    assert np.isnan(got[:2]).all() and np.isnan(got[18:]).all()
    bad_template = template.copy()
    bad_template[1, 1] = np.nan
    assert np.isnan(fc.match_template(image, bad_template)).all()


# --------------------------------------------------------------------------------------
# dtypes, backends, independence of results.


def test_float32_is_computed_in_single_precision():
    image = rand((64, 70), 23, np.float32)
    template = image[10:26, 20:31].copy()
    got = fc.match_template(image, template)
    assert got.dtype == np.float32
    assert_matches_oracle(got, image, template, dtype=np.float32)
    assert sk_match(image, template).dtype == np.float32
    half = fc.match_template(image.astype(np.float16), template.astype(np.float16))
    assert half.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int64, np.uint64, np.bool_])
def test_integer_and_bool_images_are_float64(dtype):
    rng = np.random.default_rng(seed_of("int", np.dtype(dtype).name))
    high = 2 if dtype is np.bool_ else 100
    image = rng.integers(0, high, (30, 33)).astype(dtype)
    template = image[5:11, 8:15]
    got = fc.match_template(image, template, pad_input=True)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, sk_match(image, template, pad_input=True), atol=1e-6)
    # The same scores as the float64 image (which is shifted by its unrounded mean).
    as_float = fc.match_template(image.astype(np.float64), template, pad_input=True)
    np.testing.assert_allclose(got, as_float, rtol=0, atol=1e-12)


@pytest.mark.parametrize("backend", ["pyfftw", "scipy", "numpy"])
def test_every_backend(backend):
    image = rand((50, 41), 24)
    template = rand((8, 5), 25)
    with fc.set_backend(backend):
        got = fc.match_template(image, template, pad_input=True)
    np.testing.assert_allclose(got, sk_match(image, template, pad_input=True), atol=1e-6)


def test_results_do_not_share_the_transform_buffers():
    """The numerator is read from the backend's reused output buffer: a result must not
    change when the next call (same shapes) reuses it."""
    template = rand((6, 6), 26)
    first_image, second_image = rand((40, 40), 27), rand((40, 40), 28)
    first = fc.match_template(first_image, template)
    kept = first.copy()
    fc.match_template(second_image, template)
    fc.correlate(second_image, template, "valid", "fft")
    np.testing.assert_array_equal(first, kept)


def test_inputs_are_never_modified():
    image = rand((30, 31), 29)
    image[3, 3] = np.nan
    template = rand((5, 6), 30)
    for pad_input in (False, True):
        for mode in ("constant", "reflect", "linear_ramp"):
            i0, t0 = image.copy(), template.copy()
            image.flags.writeable = template.flags.writeable = False
            fc.match_template(image, template, pad_input=pad_input, mode=mode)
            image.flags.writeable = template.flags.writeable = True
            np.testing.assert_array_equal(image, i0)
            np.testing.assert_array_equal(template, t0)


def test_array_likes_and_non_native_byte_order():
    image = rand((12, 13), 31)
    template = rand((3, 4), 32)
    want = fc.match_template(image, template)
    np.testing.assert_array_equal(fc.match_template(image.tolist(), template.tolist()), want)
    swapped = image.astype(image.dtype.newbyteorder(">"))
    np.testing.assert_array_equal(fc.match_template(swapped, template), want)


# --------------------------------------------------------------------------------------
# Errors name the argument, what was given and what is accepted.


@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        (dict(image=np.float64(3.0), template=np.float64(1.0)), ValueError, ["image", "0-d"]),
        (
            dict(image=np.ones((5, 5)), template=np.ones(3)),
            ValueError,
            ["template", "ndim=1", "ndim=2"],
        ),
        (
            dict(image=np.ones((5, 5)), template=np.ones((6, 2))),
            ValueError,
            ["template", "(6, 2)", "(5, 5)"],
        ),
        (dict(image=np.ones((5, 5)), template=np.ones((0, 2))), ValueError, ["template", "empty"]),
        (
            dict(image=np.ones((5, 5), complex), template=np.ones((2, 2))),
            TypeError,
            ["image", "complex128", "real"],
        ),
        (
            dict(image=np.ones((5, 5)), template=np.array([["a"]])),
            TypeError,
            ["template", "string"],
        ),
        (
            dict(image=np.ones((5, 5), object), template=np.ones((2, 2))),
            TypeError,
            ["image", "object"],
        ),
        (dict(image=np.ma.ones((5, 5)), template=np.ones((2, 2))), TypeError, ["image", "masked"]),
        (dict(mode="nearest"), ValueError, ["mode", "'nearest'", "'reflect'", "'wrap'"]),
        (dict(mode="empty"), ValueError, ["mode='empty'", "uninitialised", "'edge'"]),
        (dict(mode=None), ValueError, ["mode", "None"]),
        (dict(pad_input="yes"), TypeError, ["pad_input", "'yes'"]),
        (dict(pad_input=1), TypeError, ["pad_input", "1"]),
        (dict(constant_values=[1, 2, 3]), ValueError, ["constant_values", "(2, 2)", "(3,)"]),
        (dict(constant_values="x"), TypeError, ["constant_values", "'x'"]),
    ],
)
def test_errors(kwargs, exc, words):
    args = {"image": np.ones((5, 5)), "template": np.ones((2, 2)), **kwargs}
    with pytest.raises(exc) as info:
        fc.match_template(**args)
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)


def test_keyword_only_options():
    with pytest.raises(TypeError):
        fc.match_template(np.ones((5, 5)), np.ones((2, 2)), True)  # type: ignore[misc]
