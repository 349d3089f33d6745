"""Figure of docs/large_data.rst: a StreamConvolver's outputs, chunk by chunk.

Run ``python docs/figures/large_data.py`` (or ``docs/figures/make_all.py``); it writes
``stream_chunks.png`` beside itself. Seeded: the output is the same on every run.
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


def stream_chunks(path: Path) -> None:
    rng = np.random.default_rng(3)
    signal = np.cumsum(rng.standard_normal(600))  # a random walk: easy to follow by eye
    kernel = np.hanning(61) / np.hanning(61).sum()
    bounds = np.cumsum([0, 90, 25, 160, 1, 120, 204])  # irregular chunks, one of 1 sample
    stream = fc.StreamConvolver(kernel, mode="same")
    outputs = [stream.process(signal[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    outputs.append(stream.flush())
    whole = fc.convolve(signal, kernel, mode="same")

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5.2), sharex=True)
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        top.plot(np.arange(a, b), signal[a:b], color=f"C{i}", lw=1)
        top.axvline(a, color="0.85", lw=0.8, zorder=0)
    top.set_title(
        "input, in 6 chunks of 90, 25, 160, 1, 120 and 204 samples", fontsize=9, loc="left"
    )
    start = 0
    for i, out in enumerate(outputs):
        n = np.arange(start, start + out.size)
        label = "flush()" if i == len(outputs) - 1 else f"process(chunk {i + 1})"
        bottom.plot(n, out, color=f"C{i}", lw=2.2, label=f"{label}: {out.size}")
        start += out.size
    bottom.plot(np.arange(whole.size), whole, "k:", lw=1, label="fc.convolve (whole signal)")
    for a in bounds[:-1]:
        bottom.axvline(a, color="0.85", lw=0.8, zorder=0)
    bottom.set_title(
        "StreamConvolver(61-tap Hann, mode='same'): what each call returned (samples)",
        fontsize=9,
        loc="left",
    )
    bottom.legend(fontsize=7, ncol=2, loc="upper left")
    bottom.set_xlabel("sample")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNG files")
    out = parser.parse_args().out
    stream_chunks(out / "stream_chunks.png")


if __name__ == "__main__":
    main()
