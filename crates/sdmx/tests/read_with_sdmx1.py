"""Read an Evident SDMX release with independent Python clients and print what they read.

Usage: python read_with_sdmx1.py RELEASE_DIR

RELEASE_DIR holds structure.xml, data.xml (structure-specific), data.csv (SDMX-CSV 1.0),
data-v2.csv (SDMX-CSV 2.0) and data.json (SDMX-JSON 1.0), as the Rust test
`tests/clients.rs` writes them. The script reads them with

- sdmx1 (package `sdmx`): structure, structure-specific data, SDMX-JSON, SDMX-CSV 2.0;
- pysdmx: structure, structure-specific data, SDMX-CSV 1.0 and 2.0;
- pandas: SDMX-CSV 1.0 as a plain CSV file, every column read as text;

and prints one JSON document on stdout. The Rust test compares it with its own input.
Each observation is printed as {"key": {dimension: code}, "value": text or null,
"attributes": {attribute: text}}; empty attribute values are left out.
"""

import json
import sys
from importlib import metadata
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
    """A value as read, converted to float and printed with repr (the shortest text that
    reads back as the same double); None for a missing value. Text, because the
    Rust side parses it exactly, while JSON number parsers may round."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN: pandas' missing value
        return None
    text = str(value).strip()
    if text == "" or text.lower() in ("nan", "none", "<na>"):
        return None
    return repr(float(text))


def text(value):
    """An attribute value as text; None when absent or empty."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    value = str(value)
    return None if value == "" or value == "<NA>" else value


# ---------------------------------------------------------------------------- sdmx1


def sdmx1_parent_id(code):
    parent = getattr(code, "parent", None)
    # sdmx1 sets a top-level code's parent to the codelist itself.
    if parent is None or type(parent).__name__ != "Code":
        return None
    return parent.id


def sdmx1_structure(sdmx, path):
    message = sdmx.read_sdmx(path)
    codelists = {}
    for cl_id, codelist in message.codelist.items():
        codelists[cl_id] = {
            "agency": str(codelist.maintainer.id),
            "version": str(codelist.version),
            "codes": [
                {"id": code.id, "name": str(code.name), "parent": sdmx1_parent_id(code)}
                for code in codelist
            ],
        }
    structures = {}
    for dsd_id, dsd in message.structure.items():
        attributes = {}
        for attribute in dsd.attributes:
            relation = type(attribute.related_to).__name__
            enumerated = attribute.local_representation.enumerated if attribute.local_representation else None
            attributes[attribute.id] = {
                "mandatory": attribute.usage_status.name == "mandatory",
                "codelist": enumerated.id if enumerated is not None else None,
                "level": "series" if relation == "DimensionRelationship" else "observation",
            }
        dimensions = []
        for dimension in dsd.dimensions:
            if type(dimension).__name__ == "TimeDimension":
                continue
            dimensions.append(
                {"id": dimension.id, "codelist": dimension.local_representation.enumerated.id}
            )
        structures[dsd_id] = {
            "dimensions": dimensions,
            "time_dimension": [d.id for d in dsd.dimensions if type(d).__name__ == "TimeDimension"],
            "measures": [m.id for m in dsd.measures],
            "attributes": attributes,
        }
    dataflows = {
        df_id: {"agency": str(df.maintainer.id), "version": str(df.version), "structure": df.structure.id}
        for df_id, df in message.dataflow.items()
    }
    concepts = {
        cs_id: [concept.id for concept in scheme] for cs_id, scheme in message.concept_scheme.items()
    }
    return message, {"codelists": codelists, "data_structures": structures, "dataflows": dataflows, "concept_schemes": concepts}


def sdmx1_observations(data_message):
    rows = []
    for dataset in data_message.data:
        for obs in dataset.obs:
            key = {kv.id: str(kv.value) for kv in obs.key.values.values()}
            attributes = {}
            for attr_id, attr_value in obs.attrib.items():
                value = text(attr_value.value.id if hasattr(attr_value.value, "id") else attr_value.value)
                if value is not None:
                    attributes[attr_id] = value
            rows.append({"key": key, "value": number(obs.value), "attributes": attributes})
    return rows


def read_sdmx1(release):
    sdmx = require("sdmx", "sdmx1")
    message, structure = sdmx1_structure(sdmx, release / "structure.xml")
    dataflow = next(iter(message.dataflow.values()))
    dsd = dataflow.structure
    data = {
        "sdmx1/structure-specific": sdmx1_observations(
            sdmx.read_sdmx(release / "data.xml", structure=dsd)
        ),
        "sdmx1/json": sdmx1_observations(sdmx.read_sdmx(release / "data.json")),
        "sdmx1/csv-v2": sdmx1_observations(
            sdmx.read_sdmx(release / "data-v2.csv", structure=dataflow)
        ),
    }
    return structure, data


# --------------------------------------------------------------------------- pysdmx


def read_pysdmx(release):
    require("pysdmx", "pysdmx")
    from pysdmx.io import read_sdmx

    message = read_sdmx(str(release / "structure.xml"))
    codelists = {}
    structures = {}
    dataflows = {}
    for artefact in message.structures:
        kind = type(artefact).__name__
        if kind == "Codelist":
            codelists[artefact.id] = {
                "agency": str(artefact.agency),
                "version": str(artefact.version),
                "codes": [{"id": code.id, "name": str(code.name), "parent": None} for code in artefact.codes],
            }
        elif kind == "DataStructureDefinition":
            dimensions, time_dimension, measures, attributes = [], [], [], {}
            for component in artefact.components:
                role = str(component.role.value if hasattr(component.role, "value") else component.role)
                codelist = component.local_codes.id if component.local_codes is not None else None
                if role in ("D", "Dimension"):
                    if codelist is None:
                        time_dimension.append(component.id)
                    else:
                        dimensions.append({"id": component.id, "codelist": codelist})
                elif role in ("M", "Measure"):
                    measures.append(component.id)
                else:
                    level = component.attachment_level
                    attributes[component.id] = {
                        "mandatory": bool(component.required),
                        "codelist": codelist,
                        "level": "observation" if level == "O" else "series",
                    }
            structures[artefact.id] = {
                "dimensions": dimensions,
                "time_dimension": time_dimension,
                "measures": measures,
                "attributes": attributes,
            }
        elif kind == "Dataflow":
            structure_ref = str(artefact.structure)
            dataflows[artefact.id] = {
                "agency": str(artefact.agency),
                "version": str(artefact.version),
                "structure": structure_ref.split(":", 1)[1].split("(", 1)[0],
            }
    structure = {"codelists": codelists, "data_structures": structures, "dataflows": dataflows}

    (dsd,) = structures.values()
    dimension_ids = [d["id"] for d in dsd["dimensions"]] + dsd["time_dimension"]
    measure = dsd["measures"][0]

    def observations(path):
        rows = []
        for dataset in read_sdmx(str(path)).data:
            for record in dataset.data.to_dict("records"):
                key = {dim: str(record[dim]) for dim in dimension_ids}
                attributes = {}
                for column, value in record.items():
                    if column in key or column == measure:
                        continue
                    value = text(value)
                    if value is not None:
                        attributes[column] = value
                rows.append({"key": key, "value": number(record.get(measure)), "attributes": attributes})
        return rows

    data = {
        "pysdmx/structure-specific": observations(release / "data.xml"),
        "pysdmx/csv-v1": observations(release / "data.csv"),
        "pysdmx/csv-v2": observations(release / "data-v2.csv"),
    }
    return structure, data, dimension_ids, measure


# --------------------------------------------------------------------------- pandas


def read_pandas(release, dimension_ids, measure):
    pandas = require("pandas", "pandas")
    # What the docs tell users: read every column as text, and only empty cells as missing.
    frame = pandas.read_csv(release / "data.csv", dtype=str, keep_default_na=False)
    rows = []
    for record in frame.to_dict("records"):
        key = {dim: record[dim] for dim in dimension_ids}
        attributes = {
            column: value
            for column, value in record.items()
            if column not in key and column not in (measure, "DATAFLOW") and value != ""
        }
        rows.append({"key": key, "value": number(record[measure]), "attributes": attributes})
    return {"pandas/csv-v1": rows}


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    release = Path(sys.argv[1])
    sdmx1_structure_read, sdmx1_data = read_sdmx1(release)
    pysdmx_structure_read, pysdmx_data, dimension_ids, measure = read_pysdmx(release)
    data = {**sdmx1_data, **pysdmx_data, **read_pandas(release, dimension_ids, measure)}
    result = {
        "versions": {name: metadata.version(name) for name in ("sdmx1", "pysdmx", "pandas")},
        "structure": {"sdmx1": sdmx1_structure_read, "pysdmx": pysdmx_structure_read},
        "data": data,
    }
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
