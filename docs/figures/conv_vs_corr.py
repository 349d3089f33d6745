"""Figures of docs/conv_vs_corr.rst: the impulse responses of convolution and correlation.

Run ``python docs/figures/conv_vs_corr.py`` (or ``docs/figures/make_all.py``); it writes
``impulse_1d.png`` and ``impulse_2d.png`` beside itself. Every array drawn is computed by
fftconv; the output is deterministic (no random data, no timings).
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNG files")
    out = parser.parse_args().out
    impulse_1d(out / "impulse_1d.png")
    impulse_2d(out / "impulse_2d.png")


if __name__ == "__main__":
    main()
