"""`fftconv demo`: a short, real tour on built-in data (no files, no network).

Four sections, each computed by the library as it runs: convolution versus correlation on
an impulse (1-D and 2-D, SPEC.md §1); a time series, smoothed and then a delay between
two noisy sensors found by `estimate_delay`; an image, blurred and then a template found
in it by `match_template`; and for every convolution, the method ``auto`` chose and how
closely the FFT agrees with the direct sum. With matplotlib (the ``plot`` extra) it draws
the results in one PNG figure. About 3 s.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ._api import convolve, correlate
from ._backends import get_backend
from ._choose import choose_method
from ._spec import Mode

FS = 1000.0  # Hz, the demo's sensors
TRUE_DELAY = 37.25  # samples: x is y delayed by this (a fractional shift)


def _norm_bound(x: np.ndarray, h: np.ndarray, size: int) -> float:
    """SPEC.md §4's norm-wise error scale: eps * log2(size) * ||x||_2 * ||h||_2."""
    eps = float(np.finfo(np.result_type(x, h, np.float32)).eps)
    return eps * np.log2(size) * float(np.linalg.norm(x) * np.linalg.norm(h))


def _agreement(
    name: str, x: np.ndarray, h: np.ndarray, mode: Mode, out: Callable[[str], None]
) -> None:
    chosen = choose_method(x, h, mode)
    auto = convolve(x, h, mode)
    direct = convolve(x, h, mode, method="direct")
    fft = convolve(x, h, mode, method="fft")
    size = int(np.prod([a + b - 1 for a, b in zip(x.shape, h.shape, strict=True)]))
    bound = _norm_bound(x, h, size)
    out(f"{name}: in1 {x.shape}, in2 {h.shape}, mode {mode!r}")
    predicted = ", ".join(f"{m} {c / 1e6:.2f} ms" for m, c in sorted(chosen.costs.items()))
    out(f"  auto chose {chosen.method!r} (predicted: {predicted})")
    diff = float(np.max(np.abs(fft - direct)))
    out(
        f"  max |fft - direct| = {diff:.2e}  (SPEC §4 scale eps*log2(n)*|x||h| = {bound:.2e},"
        f" ratio {diff / bound:.3f})"
    )
    same_as_chosen = np.array_equal(auto, convolve(x, h, mode, method=chosen.method))
    out(f"  method='auto' returned the {chosen.method!r} result: {same_as_chosen}")


def _delayed(signal: np.ndarray, delay: float) -> np.ndarray:
    """`signal` delayed by a fractional number of samples (a linear phase in frequency;
    exact for a band-limited periodic signal)."""
    n = signal.size
    spectrum = np.fft.rfft(signal)
    spectrum *= np.exp(-2j * np.pi * np.fft.rfftfreq(n) * delay)
    return np.fft.irfft(spectrum, n)


def _test_image() -> tuple[np.ndarray, str]:
    """The 'camera' photograph that ships inside scikit-image if it is installed, else a
    generated scene (discs and bars on a smooth background)."""
    try:
        from skimage import data

        return data.camera().astype(np.float64), "scikit-image's 'camera' (512x512)"
    except (ImportError, OSError, ValueError):  # not installed, or data not shipped
        pass
    yy, xx = np.mgrid[0:512, 0:512]
    scene = 60.0 + 40.0 * np.sin(xx / 50.0) * np.cos(yy / 70.0)
    for cy, cx, r, v in ((120, 140, 40, 200.0), (330, 390, 60, 30.0), (400, 120, 25, 240.0)):
        scene[(yy - cy) ** 2 + (xx - cx) ** 2 < r**2] = v
    scene[200:216, 250:470] = 220.0
    scene[60:300, 440:452] = 10.0
    return scene, "a generated scene (512x512; install scikit-image for a photograph)"


def run_demo(out: Callable[[str], None] = print, figure: Path | None = None) -> int:
    """Print the tour; with `figure`, also draw it there (needs matplotlib).

    Parameters
    ----------
    out : callable, optional
        Where each line goes (default: `print`).
    figure : pathlib.Path, optional
        Where to write the PNG figure; None: no figure. Without matplotlib the tour
        says so and writes none.

    Returns
    -------
    int
        The exit status, 0.
    """
    shown: dict[str, Any] = {}  # what the figure draws
    out(f"fftconv demo (FFT backend: {get_backend()})")
    out("")
    out("1. Convolution versus correlation (SPEC.md §1)")
    impulse = np.array([0, 0, 1, 0, 0])
    kernel = np.array([1, 2, 3])
    out(f"  impulse {impulse}, kernel {kernel}")
    out(
        f"  convolve(impulse, kernel, 'same')  = {convolve(impulse, kernel, 'same')}"
        "   <- the kernel"
    )
    out(
        f"  correlate(impulse, kernel, 'same') = {correlate(impulse, kernel, 'same')}"
        "   <- the kernel reversed"
    )
    image = np.zeros((5, 5), dtype=int)
    image[2, 2] = 1
    k2 = np.arange(1, 10).reshape(3, 3)
    conv2 = convolve(image, k2, "same")[1:4, 1:4]
    corr2 = correlate(image, k2, "same")[1:4, 1:4]
    out("  2-D: a unit impulse convolved with K returns K, correlated returns K rotated 180°")
    for label, rows in (("K", k2), ("convolve", conv2), ("correlate", corr2)):
        out(f"    {label:>9}: " + " | ".join(" ".join(f"{v}" for v in row) for row in rows))
    sym = np.array([1.0, 4.0, 6.0, 4.0, 1.0])
    rng = np.random.default_rng(0)
    signal = rng.standard_normal(12)
    same = np.allclose(convolve(signal, sym), correlate(signal, sym))
    out(f"  a symmetric real kernel {sym}: convolve == correlate -> {same}")
    out("  (deep-learning 'conv2d' layers compute the correlation)")
    line = np.zeros(21)
    line[10] = 1.0
    ramp = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    shown["impulse"] = (line, convolve(line, ramp, "same"), correlate(line, ramp, "same"))
    shown["impulse2d"] = (k2, conv2, corr2)
    out("")

    out("2. A time series: 200,000 samples of a noisy 3 Hz tone sampled at 1 kHz, smoothed")
    out("   by a 101-tap (0.1 s) Hann window")
    t = np.arange(200_000) / FS
    series = np.sin(2 * np.pi * 3 * t) + 0.5 * rng.standard_normal(t.size)
    window = np.hanning(101)
    window /= window.sum()
    _agreement("  time series", series, window, "same", out)
    _agreement("  same, 4,095-tap window", series, np.hanning(4095) / 2048, "same", out)
    smoothed = convolve(series, window, "same")
    residual = float(np.std(smoothed[5000:-5000] - np.sin(2 * np.pi * 3 * t[5000:-5000])))
    out(f"  noise std 0.5 -> residual std after smoothing {residual:.3f}")
    out(
        f"  two sensors, 20 s at 1 kHz: x hears the source {TRUE_DELAY} samples "
        f"({TRUE_DELAY / FS * 1e3:.2f} ms) after y, both with noise (SNR 10 dB)"
    )
    sensors = np.random.default_rng(1)
    source = convolve(sensors.standard_normal(20_000), np.hanning(5), "same")  # band-limited
    noise = 0.3 * float(np.std(source))
    y = source + noise * sensors.standard_normal(source.size)
    x = _delayed(source, TRUE_DELAY) + noise * sensors.standard_normal(source.size)
    from . import estimate_delay, xcorr  # the time-series API (issue 6)

    estimates = {}
    for method in ("cc", "phat"):
        found = estimates[method] = float(estimate_delay(x, y, fs=FS, method=method))
        out(
            f"  estimate_delay(x, y, fs=1000, method={method!r}) = {found * 1e3:.3f} ms "
            f"(error {abs(found * FS - TRUE_DELAY):.3f} samples)"
        )
    lags, coeff = xcorr(x, y, maxlag=100, scale="coeff")
    peak = int(lags[np.argmax(coeff)])
    out(f"  xcorr(x, y, maxlag=100, scale='coeff') peaks at lag {peak} samples")
    shown["sensors"] = (x[:200], y[:200])
    shown["xcorr"] = (lags, coeff, estimates["cc"] * FS)
    out("")

    scene, where = _test_image()
    out(f"3. An image: {where}, sharpened (3x3) and defocused (a 31x31 disc)")
    # Neither kernel is separable: a rank-1 kernel (a box, a Gaussian) may run as 1-D
    # passes under 'auto', which choose_method does not report.
    sharpen = np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])
    v, u = np.mgrid[-15:16, -15:16]
    disc = (u**2 + v**2 <= 15**2).astype(np.float64)
    disc /= disc.sum()
    _agreement("  3x3 sharpen", scene, sharpen, "same", out)
    _agreement("  31x31 disc", scene, disc, "same", out)
    top, left, size = 160, 220, 48
    template = scene[top : top + size, left : left + size]
    noisy = scene + 20.0 * rng.standard_normal(scene.shape)
    from . import match_template  # the image API (issue 5)

    scores = np.asarray(match_template(noisy, template))
    row, col = (int(i) for i in np.unravel_index(int(np.argmax(scores)), scores.shape))
    out(
        f"  a {size}x{size} patch cut at row {top}, col {left}; match_template on the image "
        f"with noise (std 20) finds it at row {row}, col {col}, score {scores[row, col]:.3f}"
    )
    shown["match"] = (noisy, template, scores, (row, col))
    out("")
    out("Every method agrees with the direct sum within SPEC.md §4's bound; see the README")
    out("for the benchmark against scipy.signal and numpy, and `fftconv bench` for this machine.")
    if figure is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            out("matplotlib is not installed (pip install 'fftconv[plot]'): no figure written")
        else:
            out(f"wrote the figure to {_draw(shown, figure).resolve()}")
    return 0


def _draw(shown: dict[str, Any], path: Path) -> Path:
    """The tour in six panels, one PNG."""
    from matplotlib.figure import Figure  # no pyplot: no global backend state
    from matplotlib.patches import Rectangle

    fig = Figure(figsize=(13.5, 8.0), layout="constrained")
    ax = fig.subplots(2, 3)

    line, conv, corr = shown["impulse"]
    n = np.arange(line.size)
    ax[0, 0].plot(n, line, "k:", label="impulse at 10")
    ax[0, 0].plot(n, conv, "o-", label="convolve: kernel [1 2 3 4 5]")
    ax[0, 0].plot(n, corr, "s--", label="correlate: kernel reversed")
    ax[0, 0].set_title("1-D impulse, kernel [1 2 3 4 5], mode 'same'")
    ax[0, 0].set_ylim(-0.3, 6.5)
    ax[0, 0].legend(fontsize=8, loc="upper left")

    k2, conv2, corr2 = shown["impulse2d"]
    gap = np.full((3, 1), np.nan)
    ax[0, 1].imshow(np.hstack([k2, gap, conv2, gap, corr2]), cmap="viridis")
    for i, (label, grid) in enumerate((("K", k2), ("convolve", conv2), ("correlate", corr2))):
        ax[0, 1].text(4 * i + 1, -0.8, label, ha="center")
        for (r, c), v in np.ndenumerate(grid):
            ax[0, 1].text(4 * i + c, r, str(v), ha="center", va="center", color="w")
    ax[0, 1].set_axis_off()
    # Two lines: the panel is narrow (three 3x3 grids), and one line ran over its neighbour.
    ax[0, 1].set_title("2-D impulse:\nconvolve gives K, correlate K rotated 180°", pad=20)

    x, y = shown["sensors"]
    ms = np.arange(x.size) / FS * 1e3
    ax[0, 2].plot(ms, y, label="y")
    ax[0, 2].plot(ms, x + 3 * np.std(y), label="x (delayed, offset)")
    ax[0, 2].set_xlabel("time (ms)")
    ax[0, 2].set_title(f"two sensors: x lags y by {TRUE_DELAY} samples")
    ax[0, 2].legend(fontsize=8)

    lags, coeff, found = shown["xcorr"]
    ax[1, 0].plot(lags, coeff)
    ax[1, 0].axvline(found, color="r", linestyle="--", label=f"estimate_delay: {found:.2f}")
    ax[1, 0].set_xlabel("lag (samples)")
    ax[1, 0].set_title("xcorr(x, y, maxlag=100, scale='coeff')")
    ax[1, 0].legend(fontsize=8)

    noisy, template, scores, (row, col) = shown["match"]
    ax[1, 1].imshow(noisy, cmap="gray")
    h, w = template.shape
    ax[1, 1].add_patch(Rectangle((col - 0.5, row - 0.5), w, h, fill=False, color="r", lw=2))
    ax[1, 1].set_title("match_template: the patch found (red box)")
    ax[1, 1].set_axis_off()
    shown_scores = ax[1, 2].imshow(scores, cmap="RdBu_r", vmin=-1, vmax=1)
    ax[1, 2].plot(col, row, "k+", markersize=14)
    ax[1, 2].set_title("normalised cross-correlation score")
    ax[1, 2].set_axis_off()
    fig.colorbar(shown_scores, ax=ax[1, 2], shrink=0.8)

    fig.suptitle("fftconv demo")
    fig.savefig(path, dpi=90)
    return Path(path)
