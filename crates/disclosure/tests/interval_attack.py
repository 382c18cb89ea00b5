"""Independent interval attack for the Rust audit tests.

Reads a release as JSON on standard input (dimensions as code -> parent maps,
cells with codes, count and whether they are suppressed), derives the additive
equations itself, and prints for every suppressed cell the smallest and largest
value consistent with the published cells, computed with SciPy's HiGHS linear
programming solver.
"""

import json
import sys

try:
    import numpy as np
    from scipy.optimize import linprog
except ImportError as error:  # the Rust test reports this and fails
    sys.stderr.write(f"missing Python package: {error}\n")
    sys.exit(3)


def equations(dimensions, cells):
    children = []
    for dim in dimensions:
        kids = {}
        for code, parent in dim["parent"].items():
            if parent is not None:
                kids.setdefault(parent, []).append(code)
        children.append(kids)
    for key in cells:
        for d, kids in enumerate(children):
            below = kids.get(key[d], [])
            members = [key[:d] + (k,) + key[d + 1:] for k in below]
            if members and all(m in cells for m in members):
                yield key, members


def main():
    data = json.load(sys.stdin)
    cells = {tuple(c["codes"]): c for c in data["cells"]}
    unknown = [key for key, c in cells.items() if c["suppressed"]]
    index = {key: i for i, key in enumerate(unknown)}
    rows, rhs = [], []
    for total, parts in equations(data["dimensions"], cells):
        row = np.zeros(len(unknown))
        constant = 0.0
        for coef, key in [(1.0, total)] + [(-1.0, p) for p in parts]:
            if key in index:
                row[index[key]] += coef
            else:
                constant -= coef * cells[key]["count"]
        if row.any():
            rows.append(row)
            rhs.append(constant)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    out = []
    for i, key in enumerate(unknown):
        objective = np.zeros(len(unknown))
        objective[i] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if low.status != 0 or high.status not in (0, 3):
            sys.stderr.write(f"solver failed for {key}: {low.message} / {high.message}\n")
            sys.exit(4)
        upper = None if high.status == 3 else -high.fun
        out.append({"codes": list(key), "lower": low.fun, "upper": upper})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
