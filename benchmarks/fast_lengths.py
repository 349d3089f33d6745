"""Measure which padded FFT lengths are fastest, and write the tables the pyfftw backend
picks its transform lengths from (`fftconv/_backends/_fast_lengths.py` for 1-D
transforms, `_fast_lengths_2d.py` for images).

pyfftw.next_fast_len returns the *smallest* length >= n whose factors are 2, 3, 5, 7 and
at most one 11 or 13. That is rarely the fastest one: measured here, a real transform
pair of 10,080 points (2^5 3^2 5 7) took 80 us and one of 10,240 (2^11 5) 62 us, and
whole FFT calls ran 1.2-1.6x faster at 10^4-10^5 samples with the better length.

For every such length up to ``--limit`` (even ones only above 1024: odd real transforms
are slow), this times an FFTW_ESTIMATE real forward and inverse transform pair (the
backend's plans), in ``--passes`` interleaved passes (the minimum is kept: this machine
is shared and noisy), and keeps the *suffix minima*: the lengths faster than every
longer one. The smallest kept length >= n is then the fastest length >= n measured.

With ``--images`` it times whole 2-D FFT convolutions instead, through the backend's own
`circular_convolve` (which transforms large images in a transposed layout of its own):
an (L - 14)² image with a 15² kernel at transform lengths (L, L), in float64 and in
float32, and keeps the suffix minima of each dtype. Images differ from 1-D transforms, and
the dtypes from each other: measured here, a 270² float32 call took 1.6x as long as a 288²
one (float64: 320² was fastest), and 4,158² 1.3-1.4x as long as 4,160² in both.

Run it on the machine whose timings the library's built-in constants describe::

    python benchmarks/fast_lengths.py            # writes fftconv/_backends/_fast_lengths.py
    python benchmarks/fast_lengths.py --images --limit 4400   # writes _fast_lengths_2d.py
    python benchmarks/fast_lengths.py --limit 4096 --out /tmp/t.py   # a quick look
"""

from __future__ import annotations

import argparse
import datetime
import math
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyfftw

OUT = Path(__file__).resolve().parents[1] / "fftconv" / "_backends" / "_fast_lengths.py"
OUT_2D = OUT.with_name("_fast_lengths_2d.py")
ODD_MAX = 1024  # odd candidates only up to here
IMAGE_DTYPES = ("float64", "float32")
IMAGE_KERNEL = 15


def candidates(limit: int) -> list[int]:
    """pyfftw.next_fast_len's lengths up to `limit`: 2^a 3^b 5^c 7^d (11 or 13)^(0 or 1)."""
    smooth = {1}
    for p in (2, 3, 5, 7):
        for n in sorted(smooth):
            while n * p <= limit:
                n *= p
                smooth.add(n)
    out = smooth | {n * q for n in smooth for q in (11, 13) if n * q <= limit}
    return sorted(n for n in out if n % 2 == 0 or n <= ODD_MAX)


def pair_seconds(length: int, min_time: float) -> float:
    """Seconds of one r2c and one c2r transform of `length` points (FFTW_ESTIMATE)."""
    x = pyfftw.zeros_aligned(length, "float64")
    spectrum = pyfftw.empty_aligned(length // 2 + 1, "complex128")
    out = pyfftw.empty_aligned(length, "float64")
    forward = pyfftw.FFTW(x, spectrum, flags=("FFTW_ESTIMATE",))
    inverse = pyfftw.FFTW(
        spectrum, out, direction="FFTW_BACKWARD", flags=("FFTW_ESTIMATE", "FFTW_DESTROY_INPUT")
    )
    x[:] = np.random.default_rng(length).standard_normal(length)

    def pair() -> None:
        forward.execute()
        inverse.execute()

    return seconds_per_call(pair, min_time)


def image_seconds(length: int, dtype: str, min_time: float) -> float:
    """Seconds of one 2-D FFT convolution at lengths (L, L) through the pyfftw backend
    (its plans, buffers and layout): an (L - 14)² image with a 15² kernel."""
    from fftconv._backends import resolve_backend

    backend = resolve_backend("pyfftw")
    rng = np.random.default_rng(length)
    side = length - IMAGE_KERNEL + 1
    x = rng.standard_normal((side, side)).astype(dtype)
    h = rng.standard_normal((IMAGE_KERNEL, IMAGE_KERNEL)).astype(dtype)

    def call() -> None:
        backend.circular_convolve(x, h, (length, length), (0, 1), 1)

    seconds = seconds_per_call(call, min_time)
    backend.clear_cache()  # the next length's buffers, not this one's, count
    return seconds


def seconds_per_call(call: Callable[[], None], min_time: float) -> float:
    """Mean seconds of `call` over enough calls to last `min_time`, after a warm-up."""
    call()
    t0 = time.perf_counter()
    call()
    number = max(1, math.ceil(min_time / max(time.perf_counter() - t0, 1e-9)))
    t0 = time.perf_counter()
    for _ in range(number):
        call()
    return (time.perf_counter() - t0) / number


def suffix_minima(times: dict[int, float]) -> list[int]:
    """The lengths faster than every longer one, ascending."""
    kept: list[int] = []
    best = math.inf
    for length in sorted(times, reverse=True):
        if times[length] < best:
            best = times[length]
            kept.append(length)
    return kept[::-1]


def table_rows(lengths: list[int], indent: str) -> str:
    """`lengths` as source lines of ten, each line indented and ending in a comma."""
    rows = [", ".join(map(str, lengths[i : i + 10])) for i in range(0, len(lengths), 10)]
    return "\n".join(f"{indent}{row}," for row in rows)


def render(kept: list[int], args: argparse.Namespace, measured: int, seconds: float) -> str:
    body = table_rows(kept, "    ")
    when = datetime.date.today().isoformat()
    return f'''"""Transform lengths the pyfftw backend pads to (generated: do not edit by hand).

Made by ``python benchmarks/fast_lengths.py --limit {args.limit} --passes {args.passes}``
on {when} ({platform.machine()}, {platform.python_version()}, pyfftw {pyfftw.__version__}):
{measured} candidate lengths (pyfftw.next_fast_len's kind) timed as an FFTW_ESTIMATE real
forward and inverse pair, the minimum of {args.passes} interleaved passes, in {seconds:.0f} s.
Kept: the lengths faster than every longer candidate, so the smallest kept length >= n is
the fastest measured length >= n.
"""

LIMIT = {args.limit}

# fmt: off
FAST_LENGTHS: tuple[int, ...] = (
{body}
)
# fmt: on
'''


def render_images(
    kept: dict[str, list[int]], args: argparse.Namespace, measured: list[int], seconds: float
) -> str:
    tables = [
        f'    "{dtype}": (\n{table_rows(lengths, " " * 8)}\n    ),'
        for dtype, lengths in kept.items()
    ]
    when = datetime.date.today().isoformat()
    return f'''"""Image transform lengths of the pyfftw backend (generated: do not edit by hand).

Made by ``python benchmarks/fast_lengths.py --images --limit {args.limit} --passes {args.passes}``
on {when} ({platform.machine()}, {platform.python_version()}, pyfftw {pyfftw.__version__}):
{len(measured)} candidate lengths L (pyfftw.next_fast_len's kind) per dtype, each timed as a whole
2-D FFT convolution through the backend (an (L - 14)² image, a 15² kernel, lengths (L, L)),
the minimum of {args.passes} interleaved passes, in {seconds:.0f} s. Kept per dtype: the lengths
faster than every longer candidate, so the smallest kept length >= n is the fastest measured
length >= n.
"""

LIMIT = {args.limit}
LOWEST = {min(measured)}

# fmt: off
FAST_LENGTHS_2D: dict[str, tuple[int, ...]] = {{
{chr(10).join(tables)}
}}
# fmt: on
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=1 << 21, help="longest candidate")
    parser.add_argument("--passes", type=int, default=3, help="interleaved timing passes")
    parser.add_argument("--min-time", type=float, default=0.002, help="seconds per timing")
    parser.add_argument("--out", type=Path, default=None, help="module to write")
    parser.add_argument(
        "--images", action="store_true", help="time 2-D convolutions (float64, float32)"
    )
    args = parser.parse_args()
    lengths = candidates(args.limit)
    if args.images:
        main_images(args, lengths)
        return
    times = dict.fromkeys(lengths, math.inf)
    start = time.perf_counter()
    for p in range(args.passes):
        for length in lengths:
            times[length] = min(times[length], pair_seconds(length, args.min_time))
        print(f"pass {p + 1}/{args.passes}: {time.perf_counter() - start:.0f} s", flush=True)
    kept = suffix_minima(times)
    out = args.out or OUT
    out.write_text(render(kept, args, len(lengths), time.perf_counter() - start))
    print(f"{len(kept)} of {len(lengths)} lengths kept; wrote {out}")


def main_images(args: argparse.Namespace, lengths: list[int]) -> None:
    lengths = [n for n in lengths if n > IMAGE_KERNEL]
    times = {dtype: dict.fromkeys(lengths, math.inf) for dtype in IMAGE_DTYPES}
    start = time.perf_counter()
    for p in range(args.passes):
        for length in lengths:
            for dtype in IMAGE_DTYPES:
                seconds = image_seconds(length, dtype, args.min_time)
                times[dtype][length] = min(times[dtype][length], seconds)
        print(f"pass {p + 1}/{args.passes}: {time.perf_counter() - start:.0f} s", flush=True)
    kept = {dtype: suffix_minima(times[dtype]) for dtype in IMAGE_DTYPES}
    out = args.out or OUT_2D
    out.write_text(render_images(kept, args, lengths, time.perf_counter() - start))
    print(f"{sum(map(len, kept.values()))} lengths kept; wrote {out}")


if __name__ == "__main__":
    main()
