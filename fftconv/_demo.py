"""`fftconv demo`: a short, real tour on built-in data (no files, no network)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._api import convolve, correlate
from ._backends import get_backend
from ._choose import choose_method
from ._spec import Mode


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


def run_demo(out: Callable[[str], None] = print) -> int:
    """Print the tour; return the exit status (0)."""
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
    out("")

    out("2. A time series: 200,000 samples of a noisy 3 Hz tone sampled at 1 kHz, smoothed")
    out("   by a 101-tap (0.1 s) Hann window")
    t = np.arange(200_000) / 1000.0
    series = np.sin(2 * np.pi * 3 * t) + 0.5 * rng.standard_normal(t.size)
    window = np.hanning(101)
    window /= window.sum()
    _agreement("  time series", series, window, "same", out)
    _agreement("  same, 4,095-tap window", series, np.hanning(4095) / 2048, "same", out)
    smoothed = convolve(series, window, "same")
    residual = float(np.std(smoothed[5000:-5000] - np.sin(2 * np.pi * 3 * t[5000:-5000])))
    out(f"  noise std 0.5 -> residual std after smoothing {residual:.3f}")
    out("")

    out("3. An image: a 512x512 synthetic scene blurred by a 3x3 box and a 31x31 Gaussian")
    yy, xx = np.mgrid[0:512, 0:512]
    scene = ((xx // 32 + yy // 32) % 2).astype(np.float64) + 0.1 * rng.standard_normal((512, 512))
    box = np.full((3, 3), 1 / 9)
    g = np.exp(-0.5 * ((np.arange(31) - 15) / 5.0) ** 2)
    gauss = np.outer(g, g) / np.outer(g, g).sum()
    _agreement("  3x3 box", scene, box, "same", out)
    _agreement("  31x31 Gaussian", scene, gauss, "same", out)
    out("")
    out("Every method agrees with the direct sum within SPEC.md §4's bound; see the README")
    out("for the benchmark against scipy.signal and numpy (timings: benchmarks/).")
    return 0
