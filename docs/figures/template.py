"""Figure of docs/images.rst, "Template matching": a template cut from scikit-image's
`camera`, found by `fc.match_template` in a darker, low-contrast, noisy copy of the image.

Run ``python docs/figures/template.py`` (or ``docs/figures/make_all.py``); it writes
``template.png`` beside itself (``--out`` elsewhere). The image ships inside scikit-image
(no network) and the noise is seeded: the output is the same on every run.
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
TOP, LEFT, HEIGHT, WIDTH = 70, 200, 90, 80  # the cameraman's head and camera


def template_figure(path: Path) -> None:
    camera = data.camera().astype(np.float64)
    template = camera[TOP : TOP + HEIGHT, LEFT : LEFT + WIDTH]
    # The scene again, darker, at 40% contrast and noisy: a correlation coefficient does
    # not see brightness or contrast, only the pattern.
    rng = np.random.default_rng(20261203)
    scene = 30 + 0.4 * camera + rng.normal(0, 8, camera.shape)
    scores = fc.match_template(scene, template, pad_input=True)
    row, col = np.unravel_index(np.argmax(scores), scores.shape)
    top, left = row - HEIGHT // 2, col - WIDTH // 2  # pad_input=True: the window's centre

    fig, axes = plt.subplots(1, 3, figsize=(11, 4.2), gridspec_kw={"width_ratios": [1, 2.2, 2.6]})
    axes[0].imshow(template, cmap="gray", vmin=0, vmax=255)
    axes[0].set_title(f"template\ncamera[{TOP}:{TOP + HEIGHT}, {LEFT}:{LEFT + WIDTH}]", fontsize=9)
    axes[1].imshow(scene, cmap="gray", vmin=0, vmax=255)
    axes[1].add_patch(
        Rectangle((left - 0.5, top - 0.5), WIDTH, HEIGHT, fill=False, color="C1", lw=2)
    )
    axes[1].set_title(
        "scene: 30 + 0.4 * camera + noise (σ = 8)\nbest match (orange box)", fontsize=9
    )
    shown = axes[2].imshow(scores, cmap="RdBu_r", vmin=-1, vmax=1)
    axes[2].plot(col, row, marker="+", color="k", ms=14, mew=1.5)
    axes[2].set_title(
        f"fc.match_template(scene, template, pad_input=True)\n"
        f"peak {scores[row, col]:.3f} at ({row}, {col}): the template's centre",
        fontsize=9,
    )
    fig.colorbar(shown, ax=axes[2], fraction=0.046, pad=0.04, label="correlation coefficient")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNG file")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    template_figure(args.out / "template.png")


if __name__ == "__main__":
    main()
