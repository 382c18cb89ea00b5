"""Read an Evident release directory with independent Python clients and print what they read.

Usage: python read_release.py RELEASE_DIR

- sdmx1 (package `sdmx`): sdmx/structure.xml, sdmx/data.xml (structure-specific data with the
  dataflow's DSD) and sdmx/data.json;
- pandas: sdmx/data.csv (SDMX-CSV 1.0) and every data/<indicator>.csv, every column read as text;
- pyarrow: every data/<indicator>.parquet.

Prints one JSON document: the observations each SDMX client read (key with TIME_PERIOD, value as
the repr of a float or null, OBS_STATUS, CONF_STATUS), and for each table the number of rows and
every cell where the Parquet file and the CSV file disagree. The Rust test `tests/clients.rs`
compares them.
"""

import json
import math
import sys
from pathlib import Path


def require(module: str, package: str):
    try:
        return __import__(module)
    except ImportError:
        sys.stderr.write(
            f"Python package '{package}' is not installed for {sys.executable}; "
            "install the pinned test requirements: pip install -r scripts/requirements-test.txt\n"
        )
        sys.exit(3)


def number(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    text = str(value).strip()
    if text == "" or text.lower() in ("nan", "none", "<na>"):
        return None
    return repr(float(text))


def attribute(attrib, name):
    if name not in attrib:
        return None
    value = attrib[name].value
    value = value.id if hasattr(value, "id") else value
    return None if value in (None, "") else str(value)


def sdmx1_observations(message):
    rows = []
    for dataset in message.data:
        for obs in dataset.obs:
            key = {kv.id: str(kv.value) for kv in obs.key.values.values()}
            if obs.dimension is not None:
                for kv in obs.dimension.values.values():
                    key[kv.id] = str(kv.value)
            rows.append(
                {
                    "key": key,
                    "value": number(obs.value),
                    "status": [attribute(obs.attrib, "OBS_STATUS"), attribute(obs.attrib, "CONF_STATUS")],
                }
            )
    return rows


def main():
    release = Path(sys.argv[1])
    sdmx = require("sdmx", "sdmx1")
    pandas = require("pandas", "pandas")
    require("pyarrow", "pyarrow")
    import pyarrow.parquet as pq

    structure = sdmx.read_sdmx(release / "sdmx" / "structure.xml")
    dataflow = structure.dataflow["DF_CRIME"]
    iccs = structure.codelist["CL_ICCS"]
    out = {
        "iccs_codes": len(list(iccs)),
        "sdmx1_xml": sdmx1_observations(sdmx.read_sdmx(release / "sdmx" / "data.xml", structure=dataflow.structure)),
        "sdmx1_json": sdmx1_observations(sdmx.read_sdmx(release / "sdmx" / "data.json")),
    }

    frame = pandas.read_csv(release / "sdmx" / "data.csv", dtype=str, keep_default_na=False)
    dimensions = ["FREQ", "SERIES", "ICCS", "REF_AREA", "SEX", "AGE", "TIME_PERIOD"]
    out["pandas_csv"] = [
        {
            "key": {d: row[d] for d in dimensions},
            "value": number(row["OBS_VALUE"]),
            "status": [row["OBS_STATUS"] or None, row["CONF_STATUS"] or None],
        }
        for _, row in frame.iterrows()
    ]

    dictionary = json.loads((release / "data" / "dictionary.json").read_text())
    tables = {}
    for table in dictionary["tables"]:
        csv = pandas.read_csv(release / table["csv"], dtype=str, keep_default_na=False)
        parquet = pq.read_table(release / table["parquet"])
        mismatches = []
        if list(csv.columns) != parquet.column_names:
            mismatches.append({"columns": [list(csv.columns), parquet.column_names]})
        else:
            for name in parquet.column_names:
                values = parquet.column(name).to_pylist()
                for i, (p, c) in enumerate(zip(values, csv[name])):
                    if isinstance(p, str):
                        same = p == c
                    elif p is None:
                        same = c == ""
                    else:
                        same = c != "" and float(c) == float(p)
                    if not same:
                        mismatches.append({"row": i, "column": name, "parquet": p, "csv": c})
        tables[table["indicator"]] = {"rows": len(csv), "parquet_rows": parquet.num_rows, "mismatches": mismatches}
    out["tables"] = tables
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
