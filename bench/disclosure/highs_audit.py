"""Redo the audit of `audit_compare` with HiGHS (SciPy) and compare.

Usage: python highs_audit.py audit_compare.json
Prints HiGHS's time for the same interval attack (two linear programs per
suppressed cell over the whole release) and whether every interval agrees.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

ATTACK = Path(__file__).resolve().parents[2] / "crates/disclosure/tests/interval_attack.py"


def main():
    data = json.loads(Path(sys.argv[1]).read_text())
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ATTACK)], input=json.dumps(data), capture_output=True, text=True, check=True
    )
    seconds = time.perf_counter() - started
    theirs = {tuple(r["codes"]): r for r in json.loads(result.stdout)}
    ours = {tuple(c["codes"]): c for c in data["cells"] if c["suppressed"]}
    disagree = 0
    for key, r in theirs.items():
        low = int(-(-(r["lower"] - 1e-6) // 1))
        high = None if r["upper"] is None else int((r["upper"] + 1e-6) // 1)
        if (ours[key]["lower"], ours[key]["upper"]) != (low, high):
            disagree += 1
    print(f"HiGHS interval attack: {seconds:.3f} s for {len(theirs)} cells, {disagree} intervals differ")
    print(f"ratio HiGHS / evident: {seconds / max(data['seconds'], 1e-9):.1f}")


if __name__ == "__main__":
    main()
