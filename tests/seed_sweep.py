"""The seed sweep: every check cell of a notebook at several seeds (for maintainers, not for CI).

    .venv/bin/python tests/seed_sweep.py --seeds 0 1 2 3 4 notebooks/05_conditional_gan.ipynb

``make test-seeds`` runs it on every notebook.  For each check cell it prints how many seeds passed,
then the cell's ✓ line with every number replaced by its minimum / median / maximum over the seeds
(when the seeds printed lines of the same shape), and each failing seed's assertion message.  A
check whose worst seed sits close to its threshold needs a sturdier model or measurement.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_cells import CheckResult, check_results, execute  # noqa: E402

NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*")


def summary_line(lines: list[str]) -> str:
    """One line whose numbers read min / median / max over ``lines`` (all of the same shape)."""
    shapes = {NUMBER.sub("#", line) for line in lines}
    if len(shapes) != 1:
        return "(the seeds printed lines of different shapes)"
    numbers = [[float(n.replace(",", "")) for n in NUMBER.findall(line)] for line in lines]
    columns = zip(*numbers, strict=True)
    spans = iter(f"{min(c):g}/{statistics.median(c):g}/{max(c):g}" for c in map(list, columns))
    return NUMBER.sub(lambda _: next(spans), lines[0])


def checked_line(result: CheckResult) -> str:
    """The cell's last ✓ line, or else its last printed line."""
    lines = result.printed.strip().splitlines()
    return ([line for line in lines if line.startswith("✓")] or lines or [""])[-1]


def sweep(path: Path, seeds: list[int]) -> None:
    by_cell: dict[int, dict[int, CheckResult]] = {}
    for seed in seeds:
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as output_dir:
            checks, crashes = check_results(execute(path, {"SEED": seed, "OUTPUT_DIR": output_dir}))
        print(f"{path.stem}: seed {seed} in {time.perf_counter() - start:.0f} s", flush=True)
        for crash in crashes:
            print(f"  seed {seed}: {crash}")
        for check in checks:
            by_cell.setdefault(check.cell, {})[seed] = check
    print(f"\n{path.stem} ({os.environ['COURSE_PROFILE']} profile, seeds {seeds})")
    for cell, results in by_cell.items():
        passed = [seed for seed, result in results.items() if result.error is None]
        print(f"  code cell {cell:2d}: passed at {len(passed)}/{len(results)} seeds")
        if passed:
            print("    " + summary_line([checked_line(results[seed]) for seed in passed]))
        for seed, result in results.items():
            if result.error is not None:
                print(f"    seed {seed} FAILED: {result.error[:300]}")
    print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--profile", default="quick")
    args = parser.parse_args()
    os.environ["COURSE_PROFILE"] = args.profile
    for path in args.notebooks:
        sweep(path.resolve(), args.seeds)


if __name__ == "__main__":
    main()
