"""Polars computing the heaviest part of Evident's standard set.

    python polars_standard.py WORKSPACE RESULTS_DIR

Polars has no GROUPING SETS, so each cube is written the way a Polars user
would: build the cube's input once (the same joins and expressions as
Evident's SQL), then one `group_by` per grouping set, run together with
`collect_all`, and stacked. Distinct counts are taken per grouping set, never
summed from finer cells, so they are exact as in Evident.

Covers the offences table (counts and contributors), victims by sex and
SDG 16.1.1, the three tables that take most of Evident's time; the
justice chain, prison, severity and reoffending tables are not reproduced
(README says so). Results go to RESULTS_DIR in the cube layout `check.py` reads.
"""

import os
import sys
import time

import polars as pl

from common import emit, iccs_levels, peak_rss_mib, workspace_files


def grouping_sets(dimensions):
    """The product of each dimension's roll-up prefixes, as in Evident's `cube_sql`."""
    sets = [[]]
    for d, (levels, with_total) in enumerate(dimensions):
        first = 0 if with_total else 1
        prefixes = [[f"d{d}_{l}" for l in range(n)] for n in range(first, len(levels) + 1)]
        sets = [s + p for s in sets for p in prefixes]
    return sets


def cube(frame, dimensions, measures):
    """A lazy cube over `frame` (a LazyFrame with the level columns already
    named d{d}_{l} and the measure inputs m_*). Returns a list of lazy group-bys."""
    columns = [f"d{d}_{l}" for d, (levels, _) in enumerate(dimensions) for l in range(len(levels))]
    aggregates = []
    for name, kind in measures:
        column = pl.col(f"m_{name}")
        if kind == "count":
            aggregates.append(column.count().cast(pl.Int64).alias(name))
        else:
            aggregates.append(column.drop_nulls().n_unique().cast(pl.Int64).alias(name))
    parts = []
    for keys in grouping_sets(dimensions):
        grouped = frame.group_by(keys).agg(aggregates) if keys else frame.select(aggregates)
        grouped = grouped.with_columns(
            [pl.lit(None, dtype=pl.String).alias(c) for c in columns if c not in keys]
            + [pl.lit(0 if c in keys else 1, dtype=pl.Int32).alias(f"g_{c}") for c in columns]
        )
        parts.append(grouped.select(columns + [f"g_{c}" for c in columns] + [m for m, _ in measures]))
    return parts


def main():
    ws, out = sys.argv[1], sys.argv[2]
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
    os.makedirs(out, exist_ok=True)
    files = workspace_files(ws)
    start = time.perf_counter()
    offences = pl.scan_parquet(files["offences"], hive_partitioning=False).select(
        "record_id", "recorded_date", "area_code", "iccs_code"
    )
    persons = pl.scan_parquet(files["persons"], hive_partitioning=False).select(
        "person_id", "role", "record_id", "sex", "age_group"
    )
    areas = pl.scan_parquet(files["areas"], hive_partitioning=False).select("area_code", "parent_code")
    levels = pl.LazyFrame(
        iccs_levels(root), schema=["code", "l1", "l2", "l3", "l4"], orient="row"
    ).select("code", "l1", "l2")

    def classified(frame):
        """Joins an offence frame with the ICCS levels and the area register."""
        return (
            frame.with_columns(pl.col("iccs_code").fill_null("NC").alias("code"))
            .join(levels, on="code", how="inner")
            .join(areas, on="area_code", how="left")
            .with_columns(
                pl.col("parent_code").fill_null("_U").alias("region"),
                pl.col("recorded_date").dt.strftime("%Y").alias("year"),
                pl.col("recorded_date").dt.strftime("%Y-%m").alias("month"),
            )
        )

    timings = []
    saving = 0.0

    def run(indicator, cubes):
        nonlocal saving
        began = time.perf_counter()
        # collect_all runs every grouping set of every cube of the indicator together.
        flat = pl.collect_all([f for c in cubes for f in c])
        tables, k = [], 0
        for c in cubes:
            tables.append(pl.concat(flat[k : k + len(c)]))
            k += len(c)
        timings.append({"indicator": indicator, "seconds": time.perf_counter() - began})
        began = time.perf_counter()
        for n, table in enumerate(tables):
            table.write_parquet(os.path.join(out, f"{indicator}-{n}.parquet"))
        saving += time.perf_counter() - began

    # offences: counts, and contributors (distinct persons plus unlinked offences).
    offence_dims = [(["l1", "l2"], True), (["region", "area_code"], True), (["year", "month"], False)]
    base = classified(offences)
    counts_input = base.select(
        pl.col("l1").alias("d0_0"), pl.col("l2").alias("d0_1"),
        pl.col("region").alias("d1_0"), pl.col("area_code").alias("d1_1"),
        pl.col("year").alias("d2_0"), pl.col("month").alias("d2_1"),
        pl.lit(1).alias("m_offences"),
    )
    linked = base.join(persons.select("record_id", "person_id"), on="record_id", how="left")
    persons_input = linked.select(
        pl.col("l1").alias("d0_0"), pl.col("l2").alias("d0_1"),
        pl.col("region").alias("d1_0"), pl.col("area_code").alias("d1_1"),
        pl.col("year").alias("d2_0"), pl.col("month").alias("d2_1"),
        pl.col("person_id").alias("m_persons"),
        pl.when(pl.col("person_id").is_null()).then(1).alias("m_unlinked"),
    )
    run("offences", [
        cube(counts_input.cache(), offence_dims, [("offences", "count")]),
        cube(persons_input.cache(), offence_dims, [("persons", "distinct"), ("unlinked", "count")]),
    ])

    victims = classified(
        persons.filter(pl.col("role") == "victim").join(offences, on="record_id", how="inner")
    )
    victims_input = victims.select(
        pl.col("l1").alias("d0_0"), pl.col("l2").alias("d0_1"),
        pl.col("region").alias("d1_0"), pl.col("area_code").alias("d1_1"),
        pl.col("year").alias("d2_0"), pl.col("month").alias("d2_1"),
        pl.col("sex").fill_null("U").alias("d3_0"),
        pl.lit(1).alias("m_victims"), pl.col("person_id").alias("m_persons"),
    )
    run("victims", [cube(victims_input.cache(), offence_dims + [(["sex"], True)],
                         [("victims", "count"), ("persons", "distinct")])])

    homicide_input = victims.filter(pl.col("iccs_code") == "0101").select(
        pl.col("region").alias("d0_0"), pl.col("year").alias("d1_0"),
        pl.col("sex").fill_null("U").alias("d2_0"), pl.col("age_group").fill_null("U").alias("d3_0"),
        pl.lit(1).alias("m_victims"), pl.col("person_id").alias("m_persons"),
    )
    run("sdg_16_1_1", [cube(homicide_input.cache(),
                            [(["region"], True), (["year"], False), (["sex"], True), (["age"], True)],
                            [("victims", "count"), ("persons", "distinct")])])
    emit({
        "tool": "polars",
        "version": pl.__version__,
        "threads": pl.thread_pool_size(),
        "seconds": time.perf_counter() - start - saving,
        "indicators": timings,
        "peak_rss_mib": peak_rss_mib(),
    })


if __name__ == "__main__":
    main()
