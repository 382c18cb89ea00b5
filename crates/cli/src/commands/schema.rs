//! `evident schema guess|check|kinds`: writing and checking schema files.

use std::path::PathBuf;

use clap::Subcommand;
use evident_ingest::{GuessOptions, Schema, check_file, guess_schema};
use evident_store::{Presence, RecordKind, Values};
use serde::Serialize;

use crate::commands::batches::parse_kind;
use crate::output::Output;

/// `evident schema …`.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Print a starter schema for a file, guessed from its header and a sample of rows.
    #[command(
        after_help = "Example:\n  evident schema guess police_2024.csv > offences.toml\n  \
evident schema guess persons.csv --kind person --output persons.toml"
    )]
    Guess {
        /// The source file.
        file: PathBuf,
        /// The record kind [default: guessed from the column names].
        #[arg(long)]
        kind: Option<String>,
        /// Write to this file instead of stdout.
        #[arg(long, short, value_name = "TOML")]
        output: Option<PathBuf>,
        /// Rows to sample.
        #[arg(long, default_value_t = 1000)]
        sample: usize,
    },
    /// Check a schema file, and optionally that it fits a source file's columns.
    #[command(
        after_help = "Example:\n  evident schema check offences.toml\n  evident schema check offences.toml police_2024.csv"
    )]
    Check {
        /// The schema file.
        schema: PathBuf,
        /// A source file to check the column names against.
        file: Option<PathBuf>,
    },
    /// List the record kinds, or one kind's columns with their types and rules.
    #[command(
        after_help = "Example:\n  evident schema kinds\n  evident schema kinds person --json"
    )]
    Kinds {
        /// One kind.
        kind: Option<String>,
    },
}

#[derive(Serialize)]
struct ColumnView {
    name: &'static str,
    r#type: &'static str,
    required: &'static str,
    values: String,
    doc: &'static str,
}

#[derive(Serialize)]
struct KindView {
    kind: &'static str,
    description: &'static str,
    partitioned_by: Option<&'static str>,
    key: Vec<&'static str>,
    columns: Vec<ColumnView>,
}

fn kind_view(kind: RecordKind) -> KindView {
    KindView {
        kind: kind.name(),
        description: kind.description(),
        partitioned_by: kind.partition_column(),
        key: kind.key_columns().to_vec(),
        columns: kind
            .columns()
            .iter()
            .map(|c| ColumnView {
                name: c.name,
                r#type: match c.ty {
                    evident_store::ColumnType::Text => "text",
                    evident_store::ColumnType::Date => "date",
                    evident_store::ColumnType::Int32 | evident_store::ColumnType::Int64 => {
                        "integer"
                    }
                    evident_store::ColumnType::Float64 => "number",
                    evident_store::ColumnType::Boolean => "boolean",
                },
                required: match c.presence {
                    Presence::Required => "required",
                    Presence::Optional => "optional",
                    Presence::OneOf(_) => "one of a group",
                    Presence::Derived => "derived",
                },
                values: match c.values {
                    Values::Any => String::new(),
                    Values::Codelist(list) => {
                        format!("{}: {}", list.name(), list.codes().join(", "))
                    }
                    Values::Reference(kind) => format!(
                        "a {} in the store",
                        kind.reference_column().unwrap_or(kind.name())
                    ),
                    Values::Pseudonym => "pseudonymised (keyed hash)".to_owned(),
                    Values::Range(lo, hi) => format!("{lo} to {hi}"),
                    Values::NonNegative => "0 or more".to_owned(),
                    Values::Age => "0 to the workspace's max_age".to_owned(),
                },
                doc: c.doc,
            })
            .collect(),
    }
}

pub fn run(command: SchemaCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        SchemaCommand::Guess {
            file,
            kind,
            output,
            sample,
        } => {
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let text = guess_schema(
                &file,
                GuessOptions {
                    kind,
                    sample_rows: sample.max(1),
                },
            )?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &text)
                        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                    out.status(format!(
                        "wrote {}; check it, then: evident schema check {} {}",
                        path.display(),
                        path.display(),
                        file.display()
                    ));
                    Ok(())
                }
                None => {
                    let view = serde_json::json!({ "schema": text });
                    out.emit(&view, |w| w.write_all(text.as_bytes()))
                }
            }
        }
        SchemaCommand::Check { schema, file } => {
            let parsed = Schema::load(&schema)?;
            match file {
                None => {
                    let view = serde_json::json!({
                        "schema": parsed.name,
                        "kind": parsed.kind.name(),
                        "columns": parsed.mappings.iter().map(|m| m.column.name).collect::<Vec<_>>(),
                    });
                    out.emit(&view, |w| {
                        writeln!(
                            w,
                            "{}: {} schema, maps {} columns; ok",
                            schema.display(),
                            parsed.kind,
                            parsed.mappings.len()
                        )
                    })
                }
                Some(file) => {
                    let check = check_file(&parsed, &file)?;
                    out.emit(&check, |w| {
                        writeln!(
                            w,
                            "{} fits {} ({} {}, delimiter {:?}, {})",
                            schema.display(),
                            file.display(),
                            check.format,
                            check.encoding,
                            check.delimiter,
                            check.compression
                        )?;
                        for m in &check.mapped {
                            writeln!(w, "  {:<18} <- {}", m.column, m.from)?;
                        }
                        if !check.ignored.is_empty() {
                            writeln!(w, "  not read: {}", check.ignored.join(", "))?;
                        }
                        Ok(())
                    })
                }
            }
        }
        SchemaCommand::Kinds { kind } => match kind {
            None => {
                let views: Vec<KindView> = RecordKind::ALL.into_iter().map(kind_view).collect();
                out.emit(&views, |w| {
                    for v in &views {
                        writeln!(w, "{:<15} {}", v.kind, v.description)?;
                    }
                    writeln!(w, "(reference kinds first: ingest them before the records checked against them)")
                })
            }
            Some(name) => {
                let view = kind_view(parse_kind(&name)?);
                out.emit(&view, |w| {
                    writeln!(w, "{}: {}", view.kind, view.description)?;
                    writeln!(w, "  key: {}", view.key.join(", "))?;
                    if let Some(p) = view.partitioned_by {
                        writeln!(w, "  partitioned by the year of {p}")?;
                    }
                    for c in &view.columns {
                        let values = if c.values.is_empty() {
                            String::new()
                        } else {
                            format!(" [{}]", c.values)
                        };
                        writeln!(
                            w,
                            "  {:<17} {:<8} {:<15} {}{values}",
                            c.name, c.r#type, c.required, c.doc
                        )?;
                    }
                    Ok(())
                })
            }
        },
    }
}
