"""Issue 5's speed target for template matching, measured.

`fc.match_template` against `skimage.feature.match_template` on a 1024² image (scikit-image's
`camera`, upscaled 2x, as 8-bit) with 32², 64² and 128² templates cut from it, for
``pad_input=False`` and ``True``: target at least 2x faster in every case. Each result is
first checked against scikit-image's (within 1e-6). Timings are medians of interleaved
repeats (the two libraries alternate, so a burst of load from another process hits both);
the machine may be shared, so the load average is printed before and after.

    python benchmarks/bench_template.py [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
from skimage import data
from skimage.feature import match_template as sk_match_template

import fftconv as fc

TARGET = 2.0
TEMPLATES = (32, 64, 128)


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:  # not available on this platform
        return "n/a"


def _interleaved(calls: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds per call; one warm-up each, then `repeat` rounds of every call."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for fn in calls.values():
        fn()  # FFT plans, first touch of memory
    for _ in range(repeat):
        for name, fn in calls.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 256² image, 3 repeats (CI)")
    parser.add_argument("--repeat", type=int, default=None, help="repeats (default 9; 3 quick)")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 9)
    camera = data.camera()
    image = np.kron(camera, np.ones((2, 2), dtype=camera.dtype))  # 1024², 8-bit
    templates = TEMPLATES
    if args.quick:
        image, templates = camera[::2, ::2], (16, 32)
    print(
        f"match_template: fftconv {fc.__version__} (backend {fc.get_backend()}) vs "
        f"scikit-image, image {image.shape[0]}x{image.shape[1]} {image.dtype}, "
        f"{repeat} interleaved repeats, load average {_load()}"
    )
    print(f"{'template':>9} {'pad_input':>9} {'fftconv ms':>11} {'skimage ms':>11} {'speedup':>8}")
    verdicts = []
    for m in templates:
        r, c = image.shape[0] // 2 - m // 2, image.shape[1] // 2 - m // 3
        template = image[r : r + m, c : c + m]
        for pad_input in (False, True):
            ours = fc.match_template(image, template, pad_input=pad_input)
            theirs = sk_match_template(image, template, pad_input=pad_input)
            err = float(np.abs(ours - theirs).max())
            if ours.shape != theirs.shape or not err <= 1e-6:
                print(f"WRONG RESULT: {m}² pad_input={pad_input}: max |difference| {err:.3g}")
                return 1
            medians = _interleaved(
                {
                    "fc": lambda t=template, p=pad_input: fc.match_template(image, t, pad_input=p),
                    "sk": lambda t=template, p=pad_input: sk_match_template(image, t, pad_input=p),
                },
                repeat,
            )
            ratio = medians["sk"] / medians["fc"]
            verdicts.append(ratio >= TARGET)
            print(
                f"{m:>7}² {pad_input!s:>9} {medians['fc'] * 1e3:>11.1f} "
                f"{medians['sk'] * 1e3:>11.1f} {ratio:>7.2f}x"
            )
    verdict = "PASS" if all(verdicts) else "FAIL"
    print(
        f"[{verdict}] match_template at least {TARGET:g}x faster than scikit-image's in every "
        f"case: {sum(verdicts)}/{len(verdicts)} (load average {_load()})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
