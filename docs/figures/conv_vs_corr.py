"""Figures of docs/conv_vs_corr.rst: the impulse responses of convolution and correlation.

Run ``python docs/figures/conv_vs_corr.py`` (or ``docs/figures/make_all.py``); it writes
``impulse_1d.png``, ``impulse_2d.png`` and ``flip.png`` beside itself. Every array drawn
is computed by fftconv; the output is deterministic (no random data, no timings).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import fftconv as fc  # noqa: E402

HERE = Path(__file__).resolve().parent


def impulse_1d(path: Path) -> None:
    """An impulse convolved and correlated with a one-sided (causal) kernel."""
    x = np.zeros(21)
    x[10] = 1.0
    h = 0.8 ** np.arange(6)  # decays to the right: h[0] is the largest tap
    n = np.arange(x.size)
    panels = [
        ("input: a unit impulse at n = 10", x, "C0"),
        ("kernel h (h[0] ... h[5])", np.pad(h, (0, x.size - h.size)), "C2"),
        (
            "fc.convolve(x, h, 'full')[:21]: h, starting at the impulse",
            fc.convolve(x, h)[:21],
            "C1",
        ),
        (
            "fc.correlate(x, h, 'full')[5:26], lags k = 0 ... 20: "
            "h reversed, ending at the impulse",
            fc.correlate(x, h)[5:26],  # index i holds lag i - 5 (correlation_lags)
            "C3",
        ),
    ]
    fig, axes = plt.subplots(len(panels), 1, figsize=(7.5, 6.4), sharex=True)
    for ax, (title, y, color) in zip(axes, panels, strict=True):
        markers, stems, base = ax.stem(n, y, basefmt=" ")
        plt.setp(markers, color=color, markersize=4)
        plt.setp(stems, color=color)
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_ylim(-0.1, 1.15)
        ax.axvline(10, color="0.8", lw=0.8, zorder=0)
    axes[-1].set_xlabel("n (output index; for the correlation, the lag k)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# An "F": no symmetry, so a flip or a rotation shows at a glance.
LETTER_F = np.array(
    [
        [1, 1, 1, 1],
        [1, 0, 0, 0],
        [1, 1, 1, 0],
        [1, 0, 0, 0],
        [1, 0, 0, 0],
    ],
    dtype=float,
)


def impulse_2d(path: Path) -> None:
    """A 2-D impulse: convolution stamps the kernel, correlation its 180° rotation."""
    image = np.zeros((11, 11))
    image[5, 5] = 1.0
    kernel = LETTER_F * np.linspace(1.0, 0.55, LETTER_F.size).reshape(LETTER_F.shape)
    panels = [
        ("image: one pixel", image),
        ("kernel", kernel),
        ("fc.convolve(image, kernel, 'same')", fc.convolve(image, kernel, "same")),
        ("fc.correlate(image, kernel, 'same')", fc.correlate(image, kernel, "same")),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(10, 2.9))
    for ax, (title, a) in zip(axes, panels, strict=True):
        ax.imshow(a, cmap="magma", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def flip(path: Path) -> None:
    """Where the kernel's taps sit for one output: reversed (convolution) or as they are
    (correlation), with the output's value computed by fftconv."""
    x = np.array([2, 0, 1, 3, 1, 2, 0, 1, 2, 1])
    h = np.array([1, 2, 3])
    n = 5  # the convolution output drawn; the correlation output at lag 3 uses the same inputs
    lag = n - (h.size - 1)
    conv = int(fc.convolve(x, h)[n])
    lags = fc.correlation_lags(x.size, h.size)
    corr = int(fc.correlate(x, h)[np.flatnonzero(lags == lag)[0]])
    # The titles spell out the sums from the definitions; fftconv must agree with them.
    assert conv == sum(h[j] * x[n - j] for j in range(h.size))
    assert corr == sum(h[j] * x[lag + j] for j in range(h.size))
    m = np.arange(x.size)
    fig, axes = plt.subplots(2, 1, figsize=(8, 4.6), sharex=True)
    cases = [
        (
            axes[0],
            [n - j for j in range(h.size)],  # h[j] multiplies x[n - j]
            f"convolution: y[{n}] = Σ_j h[j]·x[{n} − j] = "
            + " + ".join(f"{h[j]}·{x[n - j]}" for j in reversed(range(h.size)))
            + f" = {conv}"
            + f"   (fc.convolve(x, h)[{n}])",
            "C1",
        ),
        (
            axes[1],
            [lag + j for j in range(h.size)],  # h[j] multiplies x[lag + j]
            f"correlation: c[{lag}] = Σ_j h[j]·x[{lag} + j] = "
            + " + ".join(f"{h[j]}·{x[lag + j]}" for j in range(h.size))
            + f" = {corr}"
            + f"   (fc.correlate(x, h) at lag {lag})",
            "C3",
        ),
    ]
    for ax, positions, title, color in cases:
        markers, stems, _ = ax.stem(m, x, basefmt=" ")
        plt.setp(markers, color="C0", markersize=5)
        plt.setp(stems, color="C0")
        for j, pos in enumerate(positions):
            ax.annotate(
                f"h[{j}]={h[j]}",
                (pos, x[pos]),
                xytext=(pos, 4.3),
                ha="center",
                fontsize=9,
                color=color,
                arrowprops={"arrowstyle": "->", "color": color},
            )
        lo, hi = min(positions), max(positions)
        ax.axvspan(lo - 0.4, hi + 0.4, color=color, alpha=0.12, lw=0)
        ax.set_ylim(-0.3, 5.2)
        ax.set_yticks([0, 1, 2, 3])
        ax.set_title(title, fontsize=9, loc="left")
    axes[1].set_xlabel("m (index into x = " + str(x.tolist()) + ")")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNG files")
    out = parser.parse_args().out
    impulse_1d(out / "impulse_1d.png")
    impulse_2d(out / "impulse_2d.png")
    flip(out / "flip.png")


if __name__ == "__main__":
    main()
