"""Time pysdmx writing the same data set that Evident's writers wrote.

Usage: python pysdmx_write.py RELEASE_DIR

Loads RELEASE_DIR/data.csv with its structure (not timed), then times pysdmx's
SDMX-CSV 1.0 and SDMX-ML 2.1 structure-specific writers. Prints JSON.
"""

import json
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from pysdmx.io import get_datasets, write_sdmx
from pysdmx.io.format import Format

release = Path(sys.argv[1])
start = time.perf_counter()
(dataset,) = get_datasets(str(release / "data.csv"), str(release / "structure.xml"))
load = time.perf_counter() - start

timings = {}
with tempfile.TemporaryDirectory() as out:
    for name, fmt in [("data.csv", Format.DATA_SDMX_CSV_1_0_0), ("data.xml", Format.DATA_SDMX_ML_2_1_STR)]:
        start = time.perf_counter()
        write_sdmx(dataset, fmt, output_path=str(Path(out) / name))
        timings[name] = round(time.perf_counter() - start, 4)

print(json.dumps({
    "pysdmx": metadata.version("pysdmx"),
    "rows": int(dataset.data.shape[0]),
    "load_seconds": round(load, 4),
    "write_seconds": timings,
}))
