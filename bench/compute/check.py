"""Checks that a baseline's cube results equal Evident's tables.

    python check.py EVIDENT_TABLES_DIR RESULTS_DIR...

For the offences, victims and SDG 16.1.1 tables, every cell Evident wrote
(counts, victims and the distinct-person contributors) must appear in the
baseline's result with the same value; all other cubes must at least have run
and returned rows. Exits non-zero on any difference.
"""

import glob
import json
import os
import sys

import pyarrow.parquet as pq

from common import CHECKS, compare


def main():
    tables, dirs = sys.argv[1], sys.argv[2:]
    failed = False
    summary = {}
    for d in dirs:
        results = {}
        for path in sorted(glob.glob(os.path.join(d, "*.parquet"))):
            name = os.path.basename(path)[: -len(".parquet")]
            indicator, number = name.rsplit("-", 1)
            table = pq.read_table(path)
            results.setdefault(indicator, {})[int(number)] = (
                table.column_names,
                [tuple(r.values()) for r in table.to_pylist()],
            )
        report = compare(tables, results)
        for indicator in CHECKS:
            if indicator in results and indicator not in report:
                failed = True
        for indicator, entry in report.items():
            if entry["mismatches"] or entry["missing"]:
                failed = True
        empty = [i for i, cubes in results.items() if any(not rows for _, rows in cubes.values())]
        summary[os.path.basename(os.path.normpath(d))] = {"checked": report, "empty_cubes": empty}
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")
    if failed:
        sys.exit("baseline results differ from Evident's tables")


if __name__ == "__main__":
    main()
