"""The two workbook engines on one 学员成果 workbook, in one run.

    .venv/bin/python -m bench.readers [--rows 100000]

Builds a workbook of ``rows`` deposits with openpyxl in write-only mode (name, an 18-digit
resident ID as text, a certificate number, the issue date as a date cell, the ID type), then,
each in a fresh process so that peaks are separate:

- openpyxl: ``load_workbook(read_only=True, data_only=True)``, every row mapped to the layout
  columns by header label, blank rows skipped, as ``read_rows`` does;
- calamine: ``read_rows`` itself (the package checks, then python-calamine);
- inspect: ``inspect_workbook``, the checks the upload request makes.

Prints seconds, rows per second and peak memory (max RSS, and its growth over the process after
its imports) for each, and calamine's speed against openpyxl's. Target: read_rows under 400 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.workbooks import deposits_workbook

ENGINES = ("openpyxl", "calamine", "inspect")


def _openpyxl_rows(data: bytes) -> int:
    """What read_rows does with the cells, on openpyxl's read-only worksheet."""
    from io import BytesIO

    from openpyxl import load_workbook

    from resolvers.workbooks.layouts import DEPOSITS, header_label

    book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    try:
        values = book.worksheets[0].iter_rows(values_only=True)
        header = {header_label(value): i for i, value in enumerate(next(values)) if value}
        positions = [header.get(column.label) for column in DEPOSITS.columns]
        rows = []
        for number, row in enumerate(values, start=2):
            cells: list[Any] = []
            for position in positions:
                value = row[position] if position is not None and position < len(row) else None
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                cells.append(None if value == "" else value)
            if any(value is not None and str(value).strip() for value in cells):
                rows.append((number, tuple(cells)))
        return len(rows)
    finally:
        book.close()


def _child(engine: str, path: Path) -> None:
    from resolvers.workbooks.layouts import DEPOSITS, FIXED_LAYOUTS
    from resolvers.workbooks.reader import inspect_workbook, read_rows

    data = path.read_bytes()
    others = list(FIXED_LAYOUTS.values())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if engine == "openpyxl":
        count = _openpyxl_rows(data)
    elif engine == "calamine":
        count = len(read_rows(data, DEPOSITS, others, max_rows=200_000))
    else:
        inspect_workbook(data, DEPOSITS, others, max_rows=200_000)
        count = 0
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": count, "seconds": seconds, "peak_kb": peak, "base_kb": before}))


def _measure(engine: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.readers", "--engine", engine, "--workbook", str(path)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{engine} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--engine", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--workbook", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.engine:
        _child(arguments.engine, arguments.workbook)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deposits.xlsx"
        started = time.perf_counter()
        deposits_workbook(path, arguments.rows)
        print(
            f"built {arguments.rows:,} rows with openpyxl write-only in "
            f"{time.perf_counter() - started:.1f} s: {path.stat().st_size / 1e6:.1f} MB"
        )
        results = {engine: _measure(engine, path) for engine in ENGINES}
    print(f"\n{'':10} {'rows':>8} {'seconds':>9} {'rows/s':>10} {'peak MB':>9} {'growth MB':>10}")
    for engine, result in results.items():
        rate = arguments.rows / result["seconds"]
        growth = (result["peak_kb"] - result["base_kb"]) / 1024
        print(
            f"{engine:10} {result['rows']:>8,} {result['seconds']:>9.2f} {rate:>10,.0f} "
            f"{result['peak_kb'] / 1024:>9.0f} {growth:>10.0f}"
        )
    speedup = results["openpyxl"]["seconds"] / results["calamine"]["seconds"]
    print(f"\ncalamine read_rows / openpyxl throughput: {speedup:.1f}×")
    peak = results["calamine"]["peak_kb"] / 1024
    print(f"read_rows peak memory {peak:.0f} MB ({'within' if peak < 400 else 'over'} 400 MB)")


if __name__ == "__main__":
    main()
