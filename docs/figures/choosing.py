"""Figures of docs/choosing.rst: where direct, FFT and overlap-add cross over, measured here.

``python docs/figures/choosing.py`` times ``fc.convolve`` with each method forced on a
quick grid of shapes (about a minute; ``--full`` for a denser grid and more repeats),
beside the times ``fc.choose_method`` predicts, and writes ``crossover_1d.png``,
``crossover_2d.png`` and ``choosing_machine.txt`` (the machine, the date and the cost-model
constants used, included by the page) beside itself. The docs build uses the committed
files; run this script (or ``make_all.py``) on the machine whose crossovers you want.
Inputs are seeded; the timings are this machine's, so they differ from run to run.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

# BLAS on one thread unless the environment says otherwise (set before numpy loads), as
# the library's FFTs by default: on a busy 2-core machine a second BLAS thread waiting for
# a core stalled 10**4-sample FFT calls (whose finiteness check is a BLAS pass) by 16-40 ms
# of scheduler ticks, 100x their time, which would hide every crossover.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyfftw  # noqa: E402
import scipy  # noqa: E402

import fftconv as fc  # noqa: E402

HERE = Path(__file__).resolve().parent
METHODS = ("direct", "fft", "oa")
COLORS = {"direct": "C0", "fft": "C1", "oa": "C2"}
# Skip the direct sum above this many multiply-adds (it would dominate the run time).
MAX_DIRECT_MACS = 3e8


def best_seconds(call: Callable[[], object], repeat: int, min_time: float) -> float:
    """Seconds per call: the fastest of `repeat` runs of enough calls to last `min_time`
    (after one warm-up call, which pays for FFT plans and first touches of memory). The
    fastest, not the median: on a shared machine other processes only ever add time."""
    call()
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time or number >= 1 << 16:
            break
        number *= 2
    runs = [elapsed / number]
    for _ in range(repeat - 1):
        start = time.perf_counter()
        for _ in range(number):
            call()
        runs.append((time.perf_counter() - start) / number)
    return min(runs)


def cpu_name() -> str:
    """The processor's model name (Linux), else what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def sweep(
    shapes: list[tuple[tuple[int, ...], tuple[int, ...]]], repeat: int, min_time: float
) -> dict[str, object]:
    """Measured and predicted ms per method, and auto's pick, for each (in1, in2) shape."""
    rng = np.random.default_rng(0)
    measured: dict[str, list[float]] = {m: [] for m in METHODS}
    predicted: dict[str, list[float]] = {m: [] for m in METHODS}
    picks = []
    for n, m in shapes:
        x, h = rng.standard_normal(n), rng.standard_normal(m)
        choice = fc.choose_method(x, h, "full")
        picks.append(choice.method)
        for method in METHODS:
            predicted[method].append(choice.costs.get(method, np.nan) / 1e6)
            if method == "direct" and x.size * h.size > MAX_DIRECT_MACS:
                measured[method].append(np.nan)
                continue
            if method == "oa" and "oa" not in choice.costs:  # no blocking possible
                measured[method].append(np.nan)
                continue
            seconds = best_seconds(
                lambda x=x, h=h, method=method: fc.convolve(x, h, "full", method=method),
                repeat,
                min_time,
            )
            measured[method].append(seconds * 1e3)
    return {"measured": measured, "predicted": predicted, "picks": picks}


def draw(ax: plt.Axes, sizes: list[int], result: dict[str, object], title: str) -> None:
    measured = result["measured"]
    predicted = result["predicted"]
    picks = result["picks"]
    assert isinstance(measured, dict) and isinstance(predicted, dict) and isinstance(picks, list)
    for method in METHODS:
        ax.plot(sizes, measured[method], "o-", color=COLORS[method], ms=4, label=f"{method}")
        ax.plot(sizes, predicted[method], "--", color=COLORS[method], lw=1)
    # auto's pick along the bottom edge: one coloured tick per size.
    for size, pick in zip(sizes, picks, strict=True):
        ax.plot(size, 0.03, "s", color=COLORS[pick], ms=6, transform=ax.get_xaxis_transform())
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_title(title, fontsize=9)
    ax.grid(True, which="major", color="0.9")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="denser grid, more repeats")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the files made")
    # --smoke: two sizes per panel, one repeat (seconds): tests/test_docs.py checks that
    # the script runs; its figures mean nothing.
    parser.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out: Path = args.out
    repeat, min_time = (5, 0.02) if args.full else (5, 0.005)
    if args.smoke:
        repeat, min_time = 1, 0.0
    started = time.perf_counter()

    taps = [2**k + 1 for k in range(1, 13 if args.full else 12, 1 if args.full else 2)]
    if args.smoke:
        taps = taps[:2]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, n in zip(axes, (10_000, 1_000_000), strict=True):
        result = sweep([((n,), (m,)) for m in taps], repeat, min_time)
        draw(ax, taps, result, f"1-D, float64, mode 'full': {n:,} samples")
        ax.set_xlabel("kernel taps M")
    axes[0].set_ylabel("ms per call")
    axes[0].legend(title="measured (solid)\npredicted (dashed)", fontsize=8, title_fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "crossover_1d.png", dpi=100)
    plt.close(fig)

    sides = [3, 5, 7, 11, 15, 23, 31, 47, 63] if args.full else [3, 5, 9, 15, 25, 41, 63]
    if args.smoke:
        sides = sides[:2]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, n in zip(axes, (256, 1024), strict=True):
        result = sweep([((n, n), (k, k)) for k in sides], repeat, min_time)
        draw(ax, sides, result, f"2-D, float64, mode 'full': {n}x{n} image")
        ax.set_xlabel("kernel side k (a k x k kernel)")
    axes[0].set_ylabel("ms per call")
    axes[0].legend(title="measured (solid)\npredicted (dashed)", fontsize=8, title_fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "crossover_2d.png", dpi=100)
    plt.close(fig)

    load = os.getloadavg()[0]
    from fftconv._profile import active  # the constants behind the dashed lines

    machine = (
        f"Made by ``python docs/figures/choosing.py{' --full' if args.full else ''}`` on "
        f"{datetime.date.today().isoformat()}: {cpu_name()}"
        f" with {os.cpu_count()} logical cores (load average {load:.2f} at the end), "
        f"{platform.python_implementation()} {platform.python_version()}, numpy "
        f"{np.__version__}, scipy {scipy.__version__}, pyfftw {pyfftw.__version__}, fftconv "
        f"{fc.__version__}, FFT backend ``{fc.get_backend()}``, one FFT thread, BLAS threads "
        f"{os.environ['OPENBLAS_NUM_THREADS']}; cost-model "
        f"constants: {'built-in' if active().source == 'built-in' else 'a calibration profile'}."
        f" Best of {repeat} repeats; the run took "
        f"{time.perf_counter() - started:.0f} s.\n"
    )
    (out / "choosing_machine.txt").write_text(machine.replace("  ", " "))
    print(machine, end="")


if __name__ == "__main__":
    main()
