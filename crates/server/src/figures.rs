//! Where the served figures come from: published releases, and the live
//! tables computed from the store (`WORKSPACE/tables/analysis`, written by
//! `evident compute`), unprotected for the microdata role and protected for
//! analysts.
//!
//! **Releases** are immutable: each is checked against its manifest (every
//! file's size and SHA-256) once, its protected tables are read into memory
//! and indexed, and queries select rows of them.
//!
//! **Live tables** are protected as one cube per data version: every analysis
//! table at full detail goes through the release builder's disclosure control
//! at once ([`evident_release::protect_tables`]), audited jointly with the
//! latest release so that comparing live figures with published ones exposes
//! nothing either withheld. Queries only select cells of that cube, so no
//! combination or difference of queries can isolate a withheld cell. The cube
//! is rebuilt when `tables/analysis/tables.json` or the latest release changes.
//!
//! Never read: `WORKSPACE/private/` except the release builder's own input
//! tables for the joint audit, which never leave the process.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use evident_engine::IndicatorTable;
use evident_release::{Area, Control, FileEntry, Manifest, Previous, Rules};
use evident_store::{RecordKind, ReleaseRecord, Workspace};
use tokio::sync::OnceCell;

use crate::table::Table;

/// How long the list of releases is trusted before the catalog is asked again.
const RELEASE_LIST_TTL: Duration = Duration::from_secs(2);
/// How often the live tables' files are looked at for a change.
const LIVE_CHECK_EVERY: Duration = Duration::from_secs(2);
/// Columns of the analysis tables that are never shown to analysts; they are
/// dropped by disclosure control anyway, and hidden from the microdata role's
/// unprotected tables only where noted.
const INTERNAL: &[&str] = &["contributors"];

/// Why figures cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FiguresError {
    /// No such release, indicator or file.
    #[error("{0}")]
    NotFound(String),
    /// Nothing to serve yet (no release, no computed tables), or still being prepared.
    #[error("{0}")]
    Unavailable(String),
    /// Something broke; the detail goes to the server log only.
    #[error("{0}")]
    Internal(String),
}

/// A release loaded for serving.
#[derive(Debug)]
pub struct LoadedRelease {
    /// Its catalog record.
    pub record: ReleaseRecord,
    /// Its directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Its protected tables by indicator.
    pub tables: BTreeMap<String, Arc<Table>>,
    /// Area code → name, from its data dictionary.
    pub area_names: BTreeMap<String, String>,
}

impl LoadedRelease {
    /// The manifest entry of a file, if the release has it (the manifest
    /// itself included). Nothing else is ever served from a release directory.
    pub fn file(&self, path: &str) -> Option<FileEntry> {
        if path == evident_release::MANIFEST {
            let bytes = std::fs::metadata(self.dir.join(path))
                .map(|m| m.len())
                .ok()?;
            return Some(FileEntry {
                path: path.to_owned(),
                bytes,
                sha256: self.record.manifest_sha256.clone(),
            });
        }
        self.manifest.files.iter().find(|f| f.path == path).cloned()
    }

    /// The periods its tables cover, earliest and latest.
    pub fn period_span(&self) -> Option<(String, String)> {
        let mut periods: Vec<&str> = self
            .tables
            .values()
            .flat_map(|t| t.codes("period"))
            .collect();
        periods.sort_unstable();
        Some((periods.first()?.to_string(), periods.last()?.to_string()))
    }
}

/// The live tables of one data version.
pub struct LiveTables {
    /// An identifier of the data version (changes when the tables or the
    /// latest release change).
    pub version: String,
    /// When `evident compute` wrote the tables.
    pub computed_at: String,
    /// Why the tables may be out of date (batches committed or retracted since).
    pub stale: Option<String>,
    /// The latest release when the tables were loaded (the joint audit's partner).
    pub release: Option<String>,
    /// The unprotected tables (microdata role only).
    pub raw: BTreeMap<String, Arc<Table>>,
    sources: Vec<IndicatorTable>,
    protected: OnceCell<Result<Arc<ProtectedCube>, FiguresError>>,
}

/// The live tables after disclosure control.
pub struct ProtectedCube {
    /// Tables by indicator, with `obs_status` and `conf_status`.
    pub tables: BTreeMap<String, Arc<Table>>,
    /// Disclosure groups audited.
    pub groups: usize,
    /// The release audited jointly with the cube, if any.
    pub jointly_with: Option<String>,
    /// Seconds it took.
    pub seconds: f64,
}

#[derive(Default)]
struct ReleaseList {
    records: Vec<ReleaseRecord>,
    fetched: Option<Instant>,
}

#[derive(Default)]
struct LiveSlot {
    tables: Option<Arc<LiveTables>>,
    /// (tables.json modification time and size, latest release) of the loaded tables.
    stamp: Option<(Option<SystemTime>, u64, Option<String>)>,
    checked: Option<Instant>,
}

/// A release loaded once, by whichever request needs it first.
type ReleaseSlot = Arc<OnceCell<Result<Arc<LoadedRelease>, FiguresError>>>;

/// Releases and live tables of one workspace.
pub struct Figures {
    ws: Arc<Workspace>,
    list: Mutex<ReleaseList>,
    loaded: Mutex<BTreeMap<String, ReleaseSlot>>,
    live: tokio::sync::Mutex<LiveSlot>,
    areas: tokio::sync::Mutex<Option<(Instant, Arc<Vec<Area>>)>>,
}

/// How long the area codelist is trusted before it is read again.
const AREAS_TTL: Duration = Duration::from_secs(60);

fn internal(what: &str) -> impl FnOnce(String) -> FiguresError + '_ {
    move |e| {
        tracing::error!(error = %e, "{what}");
        FiguresError::Internal(format!("{what}: {e}"))
    }
}

impl Figures {
    /// The figures of a workspace.
    pub fn new(ws: Arc<Workspace>) -> Figures {
        Figures {
            ws,
            list: Mutex::new(ReleaseList::default()),
            loaded: Mutex::new(BTreeMap::new()),
            live: tokio::sync::Mutex::new(LiveSlot::default()),
            areas: tokio::sync::Mutex::new(None),
        }
    }

    /// The workspace.
    pub fn workspace(&self) -> &Workspace {
        &self.ws
    }

    /// The analysis tables' directory.
    pub fn analysis_dir(&self) -> PathBuf {
        self.ws.root().join("tables").join("analysis")
    }

    /// Every release, oldest first (cached for two seconds).
    pub async fn releases(&self) -> Result<Vec<ReleaseRecord>, FiguresError> {
        if let Ok(list) = self.list.lock()
            && list.fetched.is_some_and(|t| t.elapsed() < RELEASE_LIST_TTL)
        {
            return Ok(list.records.clone());
        }
        let records = self
            .ws
            .releases()
            .await
            .map_err(|e| internal("reading the release catalog")(e.to_string()))?;
        if let Ok(mut list) = self.list.lock() {
            list.records = records.clone();
            list.fetched = Some(Instant::now());
        }
        Ok(records)
    }

    /// The id of the latest release, if any.
    pub async fn latest_release_id(&self) -> Result<Option<String>, FiguresError> {
        Ok(self.releases().await?.last().map(|r| r.id.clone()))
    }

    /// A release by id (`latest` for the latest), loaded and checked once.
    pub async fn release(&self, id: &str) -> Result<Arc<LoadedRelease>, FiguresError> {
        let records = self.releases().await?;
        let record = if id == "latest" {
            records.last().cloned().ok_or_else(|| {
                FiguresError::Unavailable(
                    "No release has been published yet: run `evident publish --release ID`.".into(),
                )
            })?
        } else {
            records
                .iter()
                .find(|r| r.id == id)
                .cloned()
                .ok_or_else(|| FiguresError::NotFound(format!("There is no release {id:?}.")))?
        };
        let cell = {
            let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
            loaded.entry(record.id.clone()).or_default().clone()
        };
        cell.get_or_init(|| async move {
            tokio::task::spawn_blocking(move || load_release(record))
                .await
                .map_err(|e| internal("loading a release")(e.to_string()))?
        })
        .await
        .clone()
    }

    /// The live tables of the current data version.
    pub async fn live(&self) -> Result<Arc<LiveTables>, FiguresError> {
        let mut slot = self.live.lock().await;
        if let (Some(tables), Some(checked)) = (&slot.tables, slot.checked)
            && checked.elapsed() < LIVE_CHECK_EVERY
        {
            return Ok(tables.clone());
        }
        let dir = self.analysis_dir();
        let meta = std::fs::metadata(dir.join("tables.json")).ok();
        let Some(meta) = meta else {
            return Err(FiguresError::Unavailable(
                "No indicator tables have been computed yet: run `evident compute` (analysis detail)."
                    .into(),
            ));
        };
        let latest = self.latest_release_id().await?;
        let stamp = (meta.modified().ok(), meta.len(), latest.clone());
        slot.checked = Some(Instant::now());
        if slot.stamp.as_ref() == Some(&stamp)
            && let Some(tables) = &slot.tables
        {
            return Ok(tables.clone());
        }
        let ws = self.ws.clone();
        let loaded = load_live(&ws, &dir, latest).await?;
        let loaded = Arc::new(loaded);
        slot.tables = Some(loaded.clone());
        slot.stamp = Some(stamp);
        Ok(loaded)
    }

    /// The live tables after disclosure control (built on first use of a data
    /// version; callers meanwhile wait).
    pub async fn protected(&self) -> Result<(Arc<LiveTables>, Arc<ProtectedCube>), FiguresError> {
        let live = self.live().await?;
        let ws = self.ws.clone();
        // In a task of its own: a request that times out or hangs up must not
        // cancel the build (the next one would start it again from scratch
        // while the first one's blocking work still runs).
        let owner = live.clone();
        let build = tokio::spawn(async move {
            owner
                .protected
                .get_or_init(|| {
                    let live = owner.clone();
                    async move { protect_live(ws, live).await }
                })
                .await
                .clone()
        });
        let cube = build
            .await
            .map_err(|e| internal("protecting the live tables")(e.to_string()))??;
        Ok((live, cube))
    }

    /// The store's area codelist (regions have no parent), read at most once a minute.
    pub async fn areas(&self) -> Result<Arc<Vec<Area>>, FiguresError> {
        let mut slot = self.areas.lock().await;
        if let Some((at, areas)) = slot.as_ref()
            && at.elapsed() < AREAS_TTL
        {
            return Ok(areas.clone());
        }
        let areas = Arc::new(read_areas(&self.ws).await?);
        *slot = Some((Instant::now(), areas.clone()));
        Ok(areas)
    }
}

fn load_release(record: ReleaseRecord) -> Result<Arc<LoadedRelease>, FiguresError> {
    let dir = record.out_dir.join(&record.id);
    let check =
        evident_release::verify(&dir).map_err(|e| internal("reading a release")(e.to_string()))?;
    if !check.is_intact() {
        return Err(internal("a release does not match its manifest")(format!(
            "release {}: {}",
            record.id,
            check.problems.join("; ")
        )));
    }
    let manifest_bytes = std::fs::read(dir.join(evident_release::MANIFEST))
        .map_err(|e| internal("reading a manifest")(e.to_string()))?;
    if evident_release::sha256(&manifest_bytes) != record.manifest_sha256 {
        return Err(internal("a release manifest changed")(format!(
            "release {}: manifest.json differs from the checksum in the catalog",
            record.id
        )));
    }
    let mut tables = BTreeMap::new();
    for indicator in &check.manifest.indicators {
        let path = dir.join("data").join(format!("{indicator}.parquet"));
        let table = evident_release::read_table(&path)
            .map_err(|e| internal("reading a release table")(e.to_string()))?;
        tables.insert(indicator.clone(), Arc::new(Table::new(table, &[])));
    }
    let area_names = std::fs::read(dir.join("data/dictionary.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|d| {
            d["codelists"]["area"].as_array().map(|codes| {
                codes
                    .iter()
                    .filter_map(|c| {
                        Some((
                            c["code"].as_str()?.to_owned(),
                            c["name"].as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
        })
        .unwrap_or_default();
    Ok(Arc::new(LoadedRelease {
        record,
        dir,
        manifest: check.manifest,
        tables,
        area_names,
    }))
}

async fn load_live(
    ws: &Workspace,
    dir: &Path,
    latest: Option<String>,
) -> Result<LiveTables, FiguresError> {
    let described: serde_json::Value = std::fs::read(dir.join("tables.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    let json_bytes = std::fs::read(dir.join("tables.json")).unwrap_or_default();
    let dir_owned = dir.to_path_buf();
    let sources = tokio::task::spawn_blocking(move || {
        evident_release::read_tables(&dir_owned).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| internal("reading the analysis tables")(e.to_string()))?
    .map_err(internal("reading the analysis tables"))?;
    if sources.is_empty() {
        return Err(FiguresError::Unavailable(
            "No indicator tables have been computed yet: run `evident compute`.".into(),
        ));
    }
    let raw = sources
        .iter()
        .map(|t| (t.indicator.clone(), Arc::new(Table::new(t.clone(), &[]))))
        .collect();
    let recorded: Vec<i64> = described["inputs"]["batches"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_i64).collect())
        .unwrap_or_default();
    let mut current = std::collections::BTreeSet::new();
    for kind in RecordKind::ALL {
        for file in ws
            .dataset_files(kind)
            .await
            .map_err(|e| internal("reading the catalog")(e.to_string()))?
        {
            current.insert(file.batch_id);
        }
    }
    let recorded_set: std::collections::BTreeSet<i64> = recorded.iter().copied().collect();
    let stale = (!recorded.is_empty() && recorded_set != current).then(|| {
        "Batches were committed or retracted after these tables were computed: run `evident compute` to bring them up to date."
            .to_owned()
    });
    let mut version = evident_release::sha256(&json_bytes);
    version.truncate(16);
    if let Some(id) = &latest {
        version = format!("{version}+{id}");
    }
    Ok(LiveTables {
        version,
        computed_at: described["inputs"]["computed_at"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        stale,
        release: latest,
        raw,
        sources,
        protected: OnceCell::new(),
    })
}

async fn protect_live(
    ws: Arc<Workspace>,
    live: Arc<LiveTables>,
) -> Result<Arc<ProtectedCube>, FiguresError> {
    let areas = read_areas(&ws).await?;
    // The latest release: its rules, and its own input tables for the joint audit.
    let partner = match &live.release {
        None => None,
        Some(id) => {
            let record = ws
                .release(id)
                .await
                .map_err(|e| internal("reading the release catalog")(e.to_string()))?;
            let dir = record.out_dir.join(id);
            let manifest = evident_release::read_manifest(&dir)
                .map_err(|e| internal("reading the latest release")(e.to_string()))?;
            Some((id.clone(), dir, manifest, ws.release_inputs_dir(id)))
        }
    };
    let started = Instant::now();
    let version = live.version.clone();
    let result = tokio::task::spawn_blocking(move || {
        let (control, previous_tables, previous_dir, partner_id) = match partner {
            Some((id, dir, manifest, inputs)) => {
                let release_suppressed =
                    matches!(manifest.disclosure, Control::Suppression { .. });
                let control = match manifest.disclosure {
                    c @ Control::Suppression { .. } => c,
                    // A rounded release cannot be audited jointly; the live
                    // cube is then suppressed with the default rules.
                    _ => Control::Suppression {
                        rules: Rules::default(),
                    },
                };
                let tables = if release_suppressed {
                    Some(evident_release::read_tables(&inputs).map_err(|e| {
                        format!(
                            "the input tables of release {id} (needed to audit live figures jointly with it) cannot be read: {e}"
                        )
                    })?)
                } else {
                    None
                };
                (control, tables, Some(dir), Some(id))
            }
            None => (
                Control::Suppression {
                    rules: Rules::default(),
                },
                None,
                None,
                None,
            ),
        };
        let previous = match (&previous_tables, &previous_dir) {
            (Some(tables), Some(dir)) => Some(Previous { dir, tables }),
            _ => None,
        };
        let protected =
            evident_release::protect_tables(&live.sources, &areas, &control, previous.as_ref())
                .map_err(|e| format!("disclosure control of the live tables failed: {e}"))?;
        let jointly_with = previous.as_ref().and(partner_id);
        Ok::<_, String>((protected, jointly_with))
    })
    .await
    .map_err(|e| internal("protecting the live tables")(e.to_string()))?;
    let (protected, jointly_with) = result.map_err(|e| {
        tracing::error!(error = %e, "live tables cannot be protected");
        FiguresError::Unavailable(format!(
            "Live figures cannot be served: {e}. Recompute the tables (`evident compute`) or ask an administrator."
        ))
    })?;
    let seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        seconds,
        groups = protected.audit.len(),
        version = %version,
        "live tables protected"
    );
    Ok(Arc::new(ProtectedCube {
        groups: protected.audit.len(),
        tables: protected
            .tables
            .into_iter()
            .map(|t| (t.indicator.clone(), Arc::new(Table::new(t, INTERNAL))))
            .collect(),
        jointly_with,
        seconds,
    }))
}

/// The area codelist from the store's committed area files.
async fn read_areas(ws: &Workspace) -> Result<Vec<Area>, FiguresError> {
    let files = ws
        .dataset_files(RecordKind::Area)
        .await
        .map_err(|e| internal("reading the catalog")(e.to_string()))?;
    let paths: Vec<PathBuf> = files.into_iter().map(|f| f.path).collect();
    tokio::task::spawn_blocking(move || {
        let mut areas = BTreeMap::new();
        for path in &paths {
            for area in read_area_file(path)? {
                areas.insert(area.code.clone(), area);
            }
        }
        Ok(areas.into_values().collect())
    })
    .await
    .map_err(|e| internal("reading the area codelist")(e.to_string()))?
}

fn read_area_file(path: &Path) -> Result<Vec<Area>, FiguresError> {
    use arrow::array::{Array, AsArray};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let fail =
        |e: String| internal("reading the area codelist")(format!("{}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| fail(e.to_string()))?
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let mut areas = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| fail(e.to_string()))?;
        let column = |name: &str| -> Result<arrow::array::ArrayRef, FiguresError> {
            let array = batch
                .column_by_name(name)
                .ok_or_else(|| fail(format!("no column {name}")))?;
            arrow::compute::cast(array, &arrow::datatypes::DataType::Utf8)
                .map_err(|e| fail(e.to_string()))
        };
        let (codes, names, parents) = (
            column("area_code")?,
            column("name")?,
            column("parent_code")?,
        );
        let (codes, names, parents) = (
            codes.as_string::<i32>(),
            names.as_string::<i32>(),
            parents.as_string::<i32>(),
        );
        for i in 0..batch.num_rows() {
            if codes.is_null(i) {
                continue;
            }
            let code = codes.value(i).to_owned();
            areas.push(Area {
                name: if names.is_null(i) {
                    code.clone()
                } else {
                    names.value(i).to_owned()
                },
                parent: (!parents.is_null(i) && !parents.value(i).is_empty())
                    .then(|| parents.value(i).to_owned()),
                code,
            });
        }
    }
    Ok(areas)
}
