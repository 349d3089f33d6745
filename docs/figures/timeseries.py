"""Figures of docs/timeseries.rst: the sunspot cycle, and a delay under an echo.

Run ``python docs/figures/timeseries.py`` (or ``docs/figures/make_all.py``); it writes
``timeseries_sunspots.png`` and ``timeseries_delay.png`` beside itself (``--out`` elsewhere).
The sunspot numbers ship inside statsmodels (no network); the two-microphone signals of the
delay figure are generated here, seeded: the output is the same on every run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.signal  # noqa: E402

import fftconv as fc  # noqa: E402

HERE = Path(__file__).resolve().parent


def sunspots(path: Path) -> None:
    from statsmodels.datasets import sunspots as data

    frame = data.load_pandas().data
    years = frame["YEAR"].to_numpy()
    x = frame["SUNACTIVITY"].to_numpy()
    lags, acf = fc.autocorr(x, maxlag=60, scale="coeff")
    one_sided = lags >= 0
    later = lags >= 5
    peak = lags[later][np.argmax(acf[later])]

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5.6))
    top.plot(years, x, lw=1, color="C0")
    top.set_xlim(years[0], years[-1])
    top.set_title(
        f"yearly sunspot numbers {years[0]:.0f}-{years[-1]:.0f} (statsmodels.datasets.sunspots)",
        fontsize=9,
        loc="left",
    )
    top.set_ylabel("sunspot number")
    band = 1.96 / np.sqrt(x.size)
    bottom.axhspan(-band, band, color="0.9", label="±1.96/√N (white noise would stay inside)")
    bottom.stem(lags[one_sided], acf[one_sided], basefmt=" ")
    bottom.axvline(peak, color="C3", lw=1, ls="--", label=f"first peak: lag {peak} years")
    bottom.set_title(
        "fc.autocorr(x, maxlag=60, scale='coeff'), lags 0 ... 60 (the lags below 0 mirror them)",
        fontsize=9,
        loc="left",
    )
    bottom.set_xlabel("lag (years)")
    bottom.set_ylabel("autocorrelation")
    bottom.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def two_microphones(
    fs: float, direct: float, echo: float, gain: float, seed: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """A low-pass noise source heard by microphone y directly and by microphone x after
    `direct` samples plus an echo `echo` samples later; delays made in the frequency
    domain (fractional), independent noise at 30 dB SNR on each microphone."""
    rng = np.random.default_rng(seed)
    n, m = 4096, 16384
    b, a = scipy.signal.butter(2, 400 / (fs / 2))  # low-pass at 400 Hz
    source = scipy.signal.lfilter(b, a, rng.standard_normal(m))
    spec = np.fft.rfft(source)
    f = np.fft.rfftfreq(m)

    def delayed(d: float) -> np.ndarray:
        return np.fft.irfft(spec * np.exp(-2j * np.pi * f * d), m)[m // 2 : m // 2 + n]

    y = delayed(0.0)
    x = delayed(direct) + gain * delayed(direct + echo)
    sigma = np.std(y) * 10 ** (-30 / 20)
    return x + sigma * rng.standard_normal(n), y + sigma * rng.standard_normal(n)


def delay(path: Path) -> None:
    fs = 8000.0
    direct, echo, gain = 20.4, 4.0, 0.9
    x, y = two_microphones(fs, direct, echo, gain)
    cc = fc.estimate_delay(x, y, fs=fs, max_delay=0.01)
    phat = fc.estimate_delay(x, y, fs=fs, method="phat", max_delay=0.01)
    lags, c = fc.xcorr(x, y, maxlag=60, scale="coeff")
    # The phase transform's correlation, drawn for comparison: the inverse transform of the
    # cross-spectrum divided by its magnitude (what method='phat' maximises).
    nfft = 2 * x.size
    cross = np.fft.rfft(x, nfft) * np.conj(np.fft.rfft(y, nfft))
    weighted = np.fft.irfft(cross / np.abs(cross), nfft)
    weighted = np.concatenate([weighted[-60:], weighted[:61]])
    ms = lags / fs * 1e3

    fig, axes = plt.subplots(2, 1, figsize=(9, 5.6), sharex=True)
    for ax, curve, estimate, title in (
        (axes[0], c, cc, "plain cross-correlation: fc.xcorr(x, y, scale='coeff'), method='cc'"),
        (axes[1], weighted / weighted.max(), phat, "phase transform (GCC-PHAT), method='phat'"),
    ):
        ax.plot(ms, curve, color="C0", lw=1.2, marker=".", ms=3)
        ax.axvline(
            direct / fs * 1e3, color="k", lw=1, label=f"direct path {direct / fs * 1e3:.4f} ms"
        )
        ax.axvline((direct + echo) / fs * 1e3, color="0.6", lw=1, label="echo (0.9x, 0.5 ms later)")
        ax.axvline(
            estimate * 1e3, color="C3", ls="--", lw=1.2, label=f"estimate {estimate * 1e3:.4f} ms"
        )
        ax.set_title(title, fontsize=9, loc="left")
        ax.legend(fontsize=8, loc="upper left")
    axes[1].set_xlabel("lag (ms), fs = 8 kHz")
    axes[1].set_xlim(0, 60 / fs * 1e3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNG files")
    out = parser.parse_args().out
    sunspots(out / "timeseries_sunspots.png")
    delay(out / "timeseries_delay.png")


if __name__ == "__main__":
    main()
