//! Where queries run: DataFusion in this process, or a Ballista cluster.
//!
//! Every indicator is written once, as SQL over the canonical tables plus a
//! little Rust over the (small) aggregated result, so it runs unchanged on both.
//! The SQL uses only DataFusion's built-in functions: a Ballista executor runs a
//! stock DataFusion and would not know a custom function.

use std::fmt;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use datafusion::arrow::compute::SortOptions;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::dataframe::DataFrameWriteOptions;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::physical_expr::expressions::col;
use datafusion::physical_expr::{LexOrdering, PhysicalSortExpr};
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::{Partitioning, execute_stream_partitioned};
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;

use crate::error::{EngineError, Result};
use crate::joins::SortMergeLargeJoins;

/// Which engine runs the queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineTarget {
    /// DataFusion in this process.
    Local,
    /// A running Ballista cluster, by its scheduler's address (`ballista://host:50050`).
    Ballista {
        /// The scheduler URL as given.
        url: String,
    },
    /// A Ballista scheduler and executor started inside this process (tests).
    #[cfg(feature = "ballista-standalone")]
    BallistaStandalone,
}

impl FromStr for EngineTarget {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<EngineTarget> {
        if s == "local" {
            return Ok(EngineTarget::Local);
        }
        #[cfg(feature = "ballista-standalone")]
        if s == "ballista-standalone" {
            return Ok(EngineTarget::BallistaStandalone);
        }
        match s.strip_prefix("ballista://") {
            Some(rest) if !rest.is_empty() => Ok(EngineTarget::Ballista { url: s.to_owned() }),
            _ => Err(EngineError::UnknownEngine(s.to_owned())),
        }
    }
}

impl fmt::Display for EngineTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineTarget::Local => f.write_str("local"),
            EngineTarget::Ballista { url } => f.write_str(url),
            #[cfg(feature = "ballista-standalone")]
            EngineTarget::BallistaStandalone => f.write_str("ballista-standalone"),
        }
    }
}

/// How to start an engine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Where queries run.
    pub target: EngineTarget,
    /// Memory the local engine may use before it spills sorts and aggregations to
    /// disk (bytes). Hash-join build sides cannot spill; our joins build on small
    /// reference tables.
    pub memory_limit: usize,
    /// Directory for spill files and for the small reference tables the engine
    /// writes (ICCS levels, areas). With a Ballista cluster it must be on storage
    /// every executor can read at the same path.
    pub scratch_dir: PathBuf,
    /// Parallelism of scans and aggregations; defaults to the number of cores.
    pub target_partitions: Option<usize>,
    /// Hash joins whose build side is estimated above this many bytes become
    /// sort-merge joins (which spill); `None`: a quarter of `memory_limit` (a
    /// hash table costs more than its rows, and the pool has other consumers).
    /// Local engine only.
    pub hash_join_bytes_limit: Option<usize>,
}

impl EngineOptions {
    /// Local engine with a 2 GiB memory pool.
    pub fn local(scratch_dir: impl Into<PathBuf>) -> EngineOptions {
        EngineOptions {
            target: EngineTarget::Local,
            memory_limit: 2 << 30,
            scratch_dir: scratch_dir.into(),
            target_partitions: None,
            hash_join_bytes_limit: None,
        }
    }
}

/// A query engine with the canonical tables registered.
pub struct Engine {
    ctx: SessionContext,
    target: EngineTarget,
    scratch_dir: PathBuf,
}

impl Engine {
    /// Starts (or connects to) the engine.
    pub async fn start(options: &EngineOptions) -> Result<Engine> {
        std::fs::create_dir_all(&options.scratch_dir)
            .map_err(|e| EngineError::io(&options.scratch_dir, e))?;
        let mut config = match options.target {
            EngineTarget::Local => SessionConfig::new(),
            _ => SessionConfig::new_with_ballista(),
        };
        if let Some(partitions) = options.target_partitions {
            config = config.with_target_partitions(partitions.max(1));
        }
        // Identifiers in our SQL are lower case; keep them as written.
        config = config.with_information_schema(false);
        if options.target != EngineTarget::Local {
            // Ballista 55's adaptive planner never finishes a job in which one
            // side of a join turns out empty (e.g. nobody rearrested after
            // release): measured here, with propagate_empty off as well. The static
            // distributed planner runs every indicator.
            config = config.set_str("ballista.planner.adaptive.enabled", "false");
        }
        let ctx = match &options.target {
            EngineTarget::Local => {
                let runtime = RuntimeEnvBuilder::new()
                    // When the pool runs out, the error names the operators
                    // holding the most of it.
                    .with_memory_pool(Arc::new(TrackConsumersPool::new(
                        FairSpillPool::new(options.memory_limit),
                        NonZeroUsize::MIN.saturating_add(4),
                    )))
                    .with_temp_file_path(options.scratch_dir.join("spill"))
                    .build_arc()?;
                let bytes_limit = options
                    .hash_join_bytes_limit
                    .unwrap_or(options.memory_limit / 4);
                // Right after join selection, before distribution and sorting
                // are enforced (see `joins`).
                let mut rules = PhysicalOptimizer::new().rules;
                let at = rules
                    .iter()
                    .position(|rule| rule.name() == "join_selection")
                    .map_or(0, |i| i + 1);
                rules.insert(
                    at,
                    Arc::new(SortMergeLargeJoins {
                        build_bytes_limit: bytes_limit,
                    }),
                );
                let state = SessionStateBuilder::new()
                    .with_config(config)
                    .with_runtime_env(runtime)
                    .with_default_features()
                    .with_physical_optimizer_rules(rules)
                    .build();
                SessionContext::new_with_state(state)
            }
            EngineTarget::Ballista { url } => {
                let state = SessionStateBuilder::new()
                    .with_config(config)
                    .with_default_features()
                    .build();
                let url = url.replacen("ballista://", "df://", 1);
                SessionContext::remote_with_state(&url, state).await?
            }
            #[cfg(feature = "ballista-standalone")]
            EngineTarget::BallistaStandalone => {
                let config = config.with_ballista_standalone_parallelism(2);
                let state = SessionStateBuilder::new()
                    .with_config(config)
                    .with_default_features()
                    .build();
                SessionContext::standalone_with_state(state).await?
            }
        };
        Ok(Engine {
            ctx,
            target: options.target.clone(),
            scratch_dir: options.scratch_dir.clone(),
        })
    }

    /// Where the queries run.
    pub fn target(&self) -> &EngineTarget {
        &self.target
    }

    /// The scratch directory for reference tables.
    pub fn scratch_dir(&self) -> &Path {
        &self.scratch_dir
    }

    /// The underlying DataFusion context, for callers that build their own queries
    /// (the trends and evaluation commands).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Runs SQL and collects the (aggregated, small) result.
    pub async fn query(&self, sql: &str) -> Result<Vec<RecordBatch>> {
        let frame = self.ctx.sql(sql).await?;
        if tracing::enabled!(tracing::Level::TRACE) {
            // `EVIDENT_LOG=evident_engine=trace` shows each physical plan, to
            // see which joins and aggregations a slow query uses.
            let plan = frame.clone().create_physical_plan().await?;
            let shown = datafusion::physical_plan::displayable(plan.as_ref()).indent(true);
            tracing::trace!(plan = %shown, "physical plan");
        }
        Ok(frame.collect().await?)
    }

    /// Registers a table made of exactly these Parquet files, with this schema.
    /// An empty list registers an empty table (an empty Parquet file in the scratch
    /// directory, so that a Ballista executor can read it too).
    pub async fn register_parquet(
        &self,
        name: &str,
        files: &[PathBuf],
        schema: SchemaRef,
    ) -> Result<()> {
        let files: Vec<PathBuf> = if files.is_empty() {
            vec![self.write_empty(name, schema.clone())?]
        } else {
            files.to_vec()
        };
        let urls = files
            .iter()
            .map(|f| {
                let absolute = std::path::absolute(f).map_err(|e| EngineError::io(f, e))?;
                Ok(ListingTableUrl::parse(absolute.to_string_lossy())?)
            })
            .collect::<Result<Vec<_>>>()?;
        let options =
            ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
        let config = ListingTableConfig::new_with_multi_paths(urls)
            .with_listing_options(options)
            .with_schema(schema);
        let table = ListingTable::try_new(config)?;
        self.ctx.deregister_table(name)?;
        self.ctx.register_table(name, Arc::new(table))?;
        Ok(())
    }

    /// Writes record batches as one Parquet file in the scratch directory and
    /// registers it as a table (used for small reference tables).
    pub async fn register_batches(
        &self,
        name: &str,
        schema: SchemaRef,
        batches: &[RecordBatch],
    ) -> Result<()> {
        let path = self.scratch_dir.join(format!("{name}.parquet"));
        crate::output::write_parquet(&path, schema.clone(), batches)?;
        self.register_parquet(name, &[path], schema).await
    }

    /// Whether cube distinct counts stream their records, sorted by unit, to
    /// this process ([`crate::cube::UnitCounter`]). Only the local engine does:
    /// from a cluster the whole sorted input would funnel through the client,
    /// so there the counting stays in SQL.
    pub fn counts_units(&self) -> bool {
        self.target == EngineTarget::Local
    }

    /// How many parts the local engine splits a query into (its target
    /// partitions: the cores, unless configured).
    pub fn parallelism(&self) -> usize {
        self.ctx.state().config().target_partitions().max(1)
    }

    /// Runs `sql` with its rows split by a hash of column `key` into one part
    /// per sink, each part sorted by `key` (NULLs last; the sorts spill), and
    /// hands each part's batches to its own sink, the parts in parallel. All
    /// rows with one key reach one sink, in one run.
    pub async fn query_sorted_parts<S: Send + 'static>(
        &self,
        sql: &str,
        key: &str,
        sinks: Vec<S>,
        each: fn(&mut S, &RecordBatch) -> Result<()>,
    ) -> Result<Vec<S>> {
        let frame = self.ctx.sql(sql).await?;
        let task = Arc::new(frame.task_ctx());
        let plan = frame.create_physical_plan().await?;
        let column = col(key, &plan.schema())?;
        let parts = sinks.len().max(1);
        let split = Arc::new(RepartitionExec::try_new(
            plan,
            Partitioning::Hash(vec![Arc::clone(&column)], parts),
        )?);
        let order = LexOrdering::new([PhysicalSortExpr::new(
            column,
            SortOptions {
                descending: false,
                nulls_first: false,
            },
        )])
        .ok_or_else(|| DataFusionError::Internal("empty sort order".into()))?;
        let sorted = Arc::new(SortExec::new(order, split).with_preserve_partitioning(true));
        let streams = execute_stream_partitioned(sorted, task)?;
        let tasks: Vec<_> = streams
            .into_iter()
            .zip(sinks)
            .map(|(mut stream, mut sink)| {
                tokio::spawn(async move {
                    while let Some(batch) = stream.next().await {
                        each(&mut sink, &batch?)?;
                    }
                    Ok::<S, EngineError>(sink)
                })
            })
            .collect();
        let mut done = Vec::with_capacity(tasks.len());
        for task in tasks {
            done.push(
                task.await
                    .map_err(|e| DataFusionError::ExecutionJoin(Box::new(e)))??,
            );
        }
        Ok(done)
    }

    /// Runs `sql`, streams its result to Parquet under the scratch directory and
    /// registers it as table `name`.
    pub async fn materialize(&self, name: &str, sql: &str) -> Result<()> {
        let dir = self.intermediate_dir(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| EngineError::io(&dir, e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| EngineError::io(&dir, e))?;
        // Logged for readers and for the benchmark, whose DuckDB side creates
        // the same table before the queries that read it.
        tracing::debug!(%name, %sql, "intermediate table");
        let frame = self.ctx.sql(sql).await?;
        let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
        let target = format!("{}/", dir.display());
        frame
            .write_parquet(&target, DataFrameWriteOptions::new(), None)
            .await?;
        let mut files = std::fs::read_dir(&dir)
            .map_err(|e| EngineError::io(&dir, e))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|x| x == "parquet"))
            .collect::<Vec<_>>();
        files.sort();
        self.register_parquet(name, &files, schema).await
    }

    /// Deregisters a table made by [`Engine::materialize`] and deletes its files.
    pub fn drop_materialized(&self, name: &str) -> Result<()> {
        self.ctx.deregister_table(name)?;
        let dir = self.intermediate_dir(name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| EngineError::io(&dir, e))?;
        }
        Ok(())
    }

    fn intermediate_dir(&self, name: &str) -> PathBuf {
        self.scratch_dir.join("intermediate").join(name)
    }

    fn write_empty(&self, name: &str, schema: SchemaRef) -> Result<PathBuf> {
        let path = self.scratch_dir.join(format!("{name}.empty.parquet"));
        crate::output::write_parquet(&path, schema, &[])?;
        Ok(path)
    }
}
