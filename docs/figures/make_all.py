"""Make every figure of the docs again: runs each ``docs/figures/*.py`` script in turn.

``python docs/figures/make_all.py`` (about a minute and a half). Each script writes its PNG
files beside itself; commit them with the pages. The timing figures of ``choosing.py``
describe the machine that runs this; the others are deterministic. The docs build never
runs these scripts: it uses the committed files.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name)
    failed = []
    for script in scripts:
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parents[1])
        status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
        print(f"{script.name}: {status} in {time.perf_counter() - start:.1f} s", flush=True)
        if result.returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
