"""Image transform lengths of the pyfftw backend (generated: do not edit by hand).

Made by ``benchmarks/fast_lengths.py --images --limit 4400 --min-time 0.01``'s measurement
on 2026-12-07 (x86_64, 3.11.7, pyfftw 0.15.1):
373 candidate lengths L (pyfftw.next_fast_len's kind) per dtype, each timed as a whole
2-D FFT convolution through the backend (an (L - 14)² image, a 15² kernel, lengths (L, L)),
the minimum of 3 interleaved passes up to 2,300 and 2 above, in 562 s. Kept per dtype:
the lengths faster than every longer candidate, so the smallest kept length >= n is the
fastest measured length >= n.
"""

LIMIT = 4400
LOWEST = 16

# fmt: off
FAST_LENGTHS_2D: dict[str, tuple[int, ...]] = {
    "float64": (
        16, 20, 32, 33, 35, 44, 52, 64, 66, 72,
        78, 80, 84, 88, 90, 100, 104, 112, 128, 130,
        140, 150, 160, 168, 200, 208, 220, 224, 256, 260,
        320, 384, 400, 416, 448, 480, 512, 576, 640, 704,
        768, 784, 800, 832, 840, 880, 896, 936, 1024, 1040,
        1056, 1120, 1200, 1280, 1440, 1536, 1568, 1600, 1664, 1680,
        1760, 1792, 1872, 2048, 2080, 2112, 2240, 2268, 2560, 2816,
        3072, 3200, 3328, 3360, 3584, 3600, 3920, 4000, 4096, 4160,
        4200, 4400,
    ),
    "float32": (
        16, 20, 32, 36, 42, 44, 48, 64, 72, 80,
        84, 88, 100, 104, 112, 120, 128, 144, 160, 168,
        180, 192, 200, 208, 240, 256, 288, 320, 324, 384,
        400, 420, 432, 448, 512, 576, 640, 768, 800, 864,
        896, 1024, 1040, 1120, 1280, 1344, 1536, 1568, 1600, 1620,
        1728, 1792, 2048, 2080, 2160, 2240, 2304, 2352, 2400, 2560,
        2688, 2880, 2912, 3072, 3136, 3200, 3240, 3456, 3584, 3600,
        3696, 3780, 4000, 4032, 4096, 4116, 4160, 4368, 4400,
    ),
}
# fmt: on
