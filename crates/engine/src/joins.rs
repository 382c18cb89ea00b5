//! Sort-merge joins where a hash join's build side would not fit in memory.
//!
//! DataFusion builds a hash table of one whole join input, and that table cannot
//! spill. Joining persons to offences at 100 million offences would need one of
//! several gigabytes. DataFusion's own switch (`prefer_hash_join = false`) turns
//! every join into a sort-merge join, including the many joins with small
//! reference tables (ICCS levels, areas) that a hash join does best, so the
//! engine instead rewrites only the hash joins whose build side is estimated
//! above a byte budget, right after DataFusion has chosen join sides and before
//! it places repartitions and sorts: both inputs are then hash-partitioned and
//! sorted on the keys (sorts spill) and merged.
//!
//! A join with a condition beyond its keys (the reoffending follow-up window:
//! same person, offence date within 12 months of the index date) cannot hand
//! that condition to DataFusion 55's sort-merge join, which returns extra
//! matches for it (apache/datafusion#25489, caught by `tests/it/joins.rs`). An
//! inner join does not need to: it becomes a sort-merge join on the keys
//! followed by a filter, which keeps the same rows. An outer join with such a
//! condition stays a hash join; the queries keep those small.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::compute::SortOptions;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DataFusionError, JoinSide, JoinType};
use datafusion::config::ConfigOptions;
use datafusion::error::Result;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::joins::utils::JoinFilter;
use datafusion::physical_plan::joins::{HashJoinExec, SortMergeJoinExec};
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::statistics::{StatisticsArgs, StatisticsContext};
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};

/// Rewrites hash joins whose build side is estimated at more than
/// `build_bytes_limit` bytes into sort-merge joins.
pub struct SortMergeLargeJoins {
    /// Largest estimated build side kept as a hash join.
    pub build_bytes_limit: usize,
}

impl fmt::Debug for SortMergeLargeJoins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SortMergeLargeJoins(> {} bytes)", self.build_bytes_limit)
    }
}

/// A guess at the in-memory width of a value, for plans whose statistics give
/// rows but not bytes (strings: a short code or identifier and its offsets).
fn value_width(data_type: &DataType) -> usize {
    data_type.primitive_width().unwrap_or(match data_type {
        DataType::Boolean => 1,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => 24,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => 24,
        _ => 16,
    })
}

/// The estimated number of rows a plan yields, from the row counts of the
/// tables it reads. DataFusion's own estimates are not used above the scans:
/// without distinct counts (Parquet has none) it guessed a few hundred rows for
/// offences joined to their ICCS levels and areas, which are as many rows as
/// offences. A join of records to reference rows yields about as many rows as
/// its larger input, so that is a join's estimate; any other node (filter,
/// aggregation, projection) yields at most what goes in.
fn estimated_rows(plan: &Arc<dyn ExecutionPlan>) -> Result<Option<usize>> {
    let children = plan.children();
    if children.is_empty() {
        let statistics = StatisticsContext::new().compute(plan.as_ref(), &StatisticsArgs::new())?;
        return Ok(match statistics.num_rows {
            Precision::Exact(rows) | Precision::Inexact(rows) => Some(rows),
            Precision::Absent => None,
        });
    }
    let is_join = plan.downcast_ref::<HashJoinExec>().is_some()
        || plan.downcast_ref::<SortMergeJoinExec>().is_some();
    let mut estimate: Option<usize> = None;
    for child in children {
        if let Some(rows) = estimated_rows(child)? {
            estimate = Some(match estimate {
                None => rows,
                Some(other) if is_join => other.max(rows),
                Some(other) => other.saturating_add(rows),
            });
        }
    }
    Ok(estimate)
}

/// The estimated size of a plan's output in bytes: rows times the width of
/// its schema.
fn estimated_bytes(plan: &Arc<dyn ExecutionPlan>) -> Result<Option<usize>> {
    let width: usize = plan
        .schema()
        .fields()
        .iter()
        .map(|f| value_width(f.data_type()))
        .sum();
    Ok(estimated_rows(plan)?.map(|rows| rows.saturating_mul(width.max(1))))
}

impl SortMergeLargeJoins {
    /// Whether the build side may exceed the limit; a side of which nothing is
    /// known is assumed small.
    fn too_large(&self, build: &Arc<dyn ExecutionPlan>) -> Result<bool> {
        let bytes = estimated_bytes(build)?;
        tracing::trace!(
            ?bytes,
            limit = self.build_bytes_limit,
            "hash join build side"
        );
        Ok(bytes.is_some_and(|bytes| bytes > self.build_bytes_limit))
    }

    fn sort_merge(join: &HashJoinExec) -> Result<Arc<dyn ExecutionPlan>> {
        let on = join.on().to_vec();
        // The sort-merge join states that it needs both inputs hash-partitioned
        // and sorted on the keys; the distribution and sorting rules, which run
        // after this one, add the repartitions and (spilling) sorts, and adapt
        // whatever above relied on the hash join's output order.
        let merged: Arc<dyn ExecutionPlan> = Arc::new(SortMergeJoinExec::try_new(
            Arc::clone(join.left()),
            Arc::clone(join.right()),
            on.clone(),
            None,
            *join.join_type(),
            vec![SortOptions::default(); on.len()],
            join.null_equality(),
        )?);
        let merged = match join.filter() {
            Some(filter) => {
                let width = join.left().schema().fields().len();
                Arc::new(FilterExec::try_new(
                    on_joined_rows(filter, width, &merged)?,
                    merged,
                )?)
            }
            None => merged,
        };
        // A hash join may carry a projection of its output; a sort-merge join
        // cannot, so the projection becomes a node of its own.
        let Some(projection) = join.projection.as_ref() else {
            return Ok(merged);
        };
        let schema = merged.schema();
        let exprs = projection
            .iter()
            .map(|&i| {
                let name = schema.field(i).name().clone();
                (
                    Arc::new(Column::new(&name, i)) as Arc<dyn PhysicalExpr>,
                    name,
                )
            })
            .collect::<Vec<_>>();
        Ok(Arc::new(ProjectionExec::try_new(exprs, merged)?))
    }
}

/// A join filter's condition over the joined rows (left columns, then right).
/// The filter's own columns index its intermediate schema, each naming a side
/// and a column of that side.
fn on_joined_rows(
    filter: &JoinFilter,
    left_width: usize,
    joined: &Arc<dyn ExecutionPlan>,
) -> Result<Arc<dyn PhysicalExpr>> {
    let schema = joined.schema();
    let indices = filter.column_indices();
    Arc::clone(filter.expression())
        .transform_up(|expr| {
            let Some(column) = expr.downcast_ref::<Column>() else {
                return Ok(Transformed::no(expr));
            };
            let at = indices.get(column.index()).and_then(|c| match c.side {
                JoinSide::Left => Some(c.index),
                JoinSide::Right => Some(left_width + c.index),
                JoinSide::None => None,
            });
            let Some(at) = at.filter(|&at| at < schema.fields().len()) else {
                return Err(DataFusionError::Internal(format!(
                    "join filter column {column} has no place in the joined rows"
                )));
            };
            Ok(Transformed::yes(
                Arc::new(Column::new(schema.field(at).name(), at)) as Arc<dyn PhysicalExpr>,
            ))
        })
        .map(|t| t.data)
}

impl PhysicalOptimizerRule for SortMergeLargeJoins {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(join) = node.downcast_ref::<HashJoinExec>() else {
                return Ok(Transformed::no(node));
            };
            // Outer joins with a condition beyond their keys stay hash joins
            // (see the module doc).
            let filtered_outer = join.filter().is_some() && *join.join_type() != JoinType::Inner;
            if join.null_aware || filtered_outer || !self.too_large(join.left())? {
                return Ok(Transformed::no(node));
            }
            tracing::debug!(
                limit = self.build_bytes_limit,
                "hash join → sort-merge join"
            );
            Ok(Transformed::yes(Self::sort_merge(join)?))
        })
        .map(|t| t.data)
    }

    fn name(&self) -> &str {
        "sort_merge_large_joins"
    }

    fn schema_check(&self) -> bool {
        true
    }
}
