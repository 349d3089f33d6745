"""Figures of docs/images.rst: the boundary rules and ``nan_policy``, on scikit-image's
`camera`.

* ``boundaries.png``: a crop of the picture blurred by a large Gaussian under each rule.
  Top row: the crop as the library extends it (the extension made by `fc.convolve`
  itself: a centred impulse kernel in mode 'full' returns the extended input; the frame
  marks the crop); middle row: the blur in mode 'same'; bottom row: its error against
  the same blur of the whole picture, cropped afterwards (what the pixels beyond the
  crop's edges really were).
* ``nan_policy.png``: the picture with missing pixels (scattered dead pixels, a scratch
  and a masked block) blurred with ``nan_policy='propagate'`` and ``'omit'``.

Run ``python docs/figures/images.py`` (or ``docs/figures/make_all.py``); it writes the PNG
files beside itself (``--out`` elsewhere). The image ships inside scikit-image (no
network) and the missing pixels are seeded: the output is the same on every run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from skimage import data  # noqa: E402

import fftconv as fc  # noqa: E402

HERE = Path(__file__).resolve().parent
RULES = ("fill", "wrap", "symm", "mirror", "edge")
TOP, LEFT, SIZE = 40, 170, 160  # the crop: the cameraman's head and camera, sky above
SIGMA = 8.0  # the blur: a Gaussian of 8 pixels, 49 x 49 taps
SHOWN = 48  # extension shown around the crop (a little more than the kernel reaches)


def gaussian(sigma: float) -> np.ndarray:
    """A normalised 2-D Gaussian of ``6 * sigma + 1`` taps per axis."""
    r = int(3 * sigma)
    g = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    return np.outer(g, g) / np.outer(g, g).sum()


def boundaries_figure(path: Path) -> None:
    crop = data.camera()[TOP : TOP + SIZE, LEFT : LEFT + SIZE].astype(np.float64)
    kernel = gaussian(SIGMA)
    # out[i] of mode 'full' reads the extended input at i - (M - 1) ... i: an impulse at
    # the centre of 2 * SHOWN + 1 taps copies it, SHOWN samples beyond each edge.
    impulse = np.zeros((2 * SHOWN + 1, 2 * SHOWN + 1))
    impulse[SHOWN, SHOWN] = 1.0
    # The truth: the crop's pixels of the blurred whole picture (the crop lies more than
    # the kernel's radius inside it, so no rule touches these).
    whole = fc.convolve(data.camera().astype(np.float64), kernel, "same")
    truth = whole[TOP : TOP + SIZE, LEFT : LEFT + SIZE]
    fig, axes = plt.subplots(3, len(RULES), figsize=(13, 8.6), layout="constrained")
    for col, rule in enumerate(RULES):
        extended = fc.convolve(crop, impulse, "full", boundary=rule)
        blurred = fc.convolve(crop, kernel, "same", boundary=rule)
        error = blurred - truth
        top, middle, bottom = axes[:, col]
        top.imshow(extended, cmap="gray", vmin=0, vmax=255)
        top.add_patch(
            Rectangle((SHOWN - 0.5, SHOWN - 0.5), SIZE, SIZE, fill=False, color="C1", lw=1.5)
        )
        top.set_title(f"boundary='{rule}'\nthe crop, extended", fontsize=10)
        middle.imshow(blurred, cmap="gray", vmin=0, vmax=255)
        middle.set_title("blurred, mode 'same'", fontsize=10)
        shown = bottom.imshow(error, cmap="RdBu_r", vmin=-80, vmax=80)
        rms = float(np.sqrt(np.mean(error**2)))
        bottom.set_title(f"minus the blurred whole picture\nRMS {rms:.1f} gray levels", fontsize=10)
        for ax in (top, middle, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    fig.colorbar(shown, ax=axes[2, :], shrink=0.8, pad=0.01, label="gray levels")
    fig.suptitle(
        f"fc.convolve(camera[{TOP}:{TOP + SIZE}, {LEFT}:{LEFT + SIZE}], gaussian(σ = {SIGMA:g}, "
        f"{kernel.shape[0]}² taps), 'same', boundary=rule)",
        fontsize=11,
    )
    fig.savefig(path, dpi=90)
    plt.close(fig)


def nan_policy_figure(path: Path) -> None:
    camera = data.camera()[::2, ::2].astype(np.float64)  # 256 x 256
    rng = np.random.default_rng(20261203)
    damaged = camera.copy()
    damaged[rng.random(camera.shape) < 0.002] = np.nan  # dead pixels, 0.2%
    damaged[150:190, 30:90] = np.nan  # a masked block
    rows = np.arange(camera.shape[0])
    damaged[rows, np.clip(200 + rows // 8, 0, camera.shape[1] - 1)] = np.nan  # a scratch
    kernel = gaussian(2.0)  # 13 x 13 taps
    propagate = fc.convolve(damaged, kernel, "same", boundary="symm")
    omit = fc.convolve(damaged, kernel, "same", boundary="symm", nan_policy="omit")

    gray = plt.get_cmap("gray").with_extremes(bad="red")
    panels = [
        (damaged, f"camera[::2, ::2], {np.isnan(damaged).mean():.1%} of pixels\nmissing (red)"),
        (propagate, f"nan_policy='propagate'\n{np.isnan(propagate).mean():.0%} of outputs NaN"),
        (omit, f"nan_policy='omit'\n{np.isnan(omit).mean():.0%} of outputs NaN"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(11, 4.3), layout="constrained")
    for ax, (image, title) in zip(axes, panels, strict=True):
        ax.imshow(image, cmap=gray, vmin=0, vmax=255)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(
        "fc.convolve(image, gaussian(σ = 2, 13² taps), 'same', boundary='symm', nan_policy=...)",
        fontsize=11,
    )
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNG files")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    boundaries_figure(args.out / "boundaries.png")
    nan_policy_figure(args.out / "nan_policy.png")


if __name__ == "__main__":
    main()
