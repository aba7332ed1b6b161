//! `safetable import FILE.jsonl --org ORG`: bulk contribution with a progress bar.
//!
//! The CPU-bound part (validate, redact, seal) runs on every core; storing is one
//! transaction per chunk, in file order. Idempotent on (organization, external_ref): the
//! same case again is reported as already present and not stored twice; a different case
//! reusing a number already stored is reported on its line as a conflict (exit 1, as the
//! API's 409).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use super::CliError;
use crate::config::Settings;
use crate::error::AppError;
use crate::intake::{Intake, Prepared};
use crate::store::SubmitOutcome;

const CHUNK: usize = 512;

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub lines: u64,
    pub created: u64,
    pub replaced: u64,
    pub already_present: u64,
    /// A different case reusing the number of one already stored: not stored.
    pub conflicts: u64,
    pub rejected: u64,
}

/// Runs the import.
pub fn import(
    settings: &Settings,
    file: &Path,
    org: &str,
    publish: bool,
    ids_out: Option<&Path>,
) -> Result<ExitCode, CliError> {
    let repo = crate::app::App::intake_only(settings)?;
    crate::setup::tighten_data(settings)?;
    let org = repo
        .store
        .org_by_name(org)?
        .ok_or_else(|| CliError(format!("no organization named {org}")))?;
    if publish {
        eprintln!(
            "warning: --publish skips curator review: every case is published as the pipeline \
             redacted it, with no person checking what it may have missed"
        );
    }
    let input = std::fs::File::open(file)
        .map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))?;
    let size = input.metadata().map(|m| m.len()).unwrap_or(0);
    let ids_path: PathBuf = ids_out.map(Path::to_path_buf).unwrap_or_else(|| {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        PathBuf::from(format!(
            "{}.ids.tsv",
            name.unwrap_or_else(|| "import".into())
        ))
    });
    let mut ids = std::io::BufWriter::new(create_private(&ids_path)?);
    writeln!(ids, "external_ref\tid\toutcome")?;

    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {per_sec} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut summary = ImportSummary::default();
    let mut reader = BufReader::with_capacity(1 << 20, input);
    let workers = settings.workers.max(1);
    let actor = "cli";
    // Reading and preparing (validate, redact, seal: CPU-bound, on every core) run one
    // chunk ahead of storing, which is one transaction per chunk.
    let (tx, rx) = std::sync::mpsc::sync_channel::<PreparedChunk>(1);
    let repo_ref = &repo;
    let org_id = org.id;
    std::thread::scope(|scope| -> Result<(), CliError> {
        let producer = scope.spawn(move || -> std::io::Result<()> {
            let mut line_no = 0u64;
            loop {
                let mut chunk: Vec<(u64, Vec<u8>)> = Vec::with_capacity(CHUNK);
                let mut bytes = 0u64;
                let mut lines = 0u64;
                while chunk.len() < CHUNK {
                    let mut line = Vec::new();
                    let n = reader.read_until(b'\n', &mut line)?;
                    if n == 0 {
                        break;
                    }
                    bytes += n as u64;
                    line_no += 1;
                    lines += 1;
                    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                        line.pop();
                    }
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    chunk.push((line_no, line));
                }
                if lines == 0 {
                    return Ok(());
                }
                let prepared = prepare_parallel(repo_ref, org_id, &chunk, workers);
                let line_nos = chunk.into_iter().map(|(n, _)| n).collect();
                if tx
                    .send(PreparedChunk {
                        line_nos,
                        prepared,
                        bytes,
                        lines,
                    })
                    .is_err()
                {
                    return Ok(());
                }
            }
        });
        let consumed = (|| -> Result<(), CliError> {
            for chunk in &rx {
                summary.lines += chunk.lines;
                let mut accepted = Vec::new();
                for (line_no, result) in chunk.line_nos.iter().zip(&chunk.prepared) {
                    match result {
                        Ok((reference, p)) => accepted.push(((line_no, reference), p)),
                        Err(AppError::Internal(detail)) => {
                            return Err(CliError(format!(
                                "line {line_no}: internal error: {detail}"
                            )))
                        }
                        Err(e) => {
                            summary.rejected += 1;
                            bar.suspend(|| eprintln!("line {line_no}: rejected: {e}"));
                        }
                    }
                }
                let batch: Vec<&Prepared> = accepted.iter().map(|(_, p)| *p).collect();
                let outcomes = repo_ref
                    .store_prepared_batch(&batch, actor, publish)
                    .map_err(|e| CliError(format!("storing failed: {e}")))?;
                for (((line_no, reference), _), outcome) in accepted.iter().zip(outcomes) {
                    let (id, word) = match outcome {
                        SubmitOutcome::Created(id) => {
                            summary.created += 1;
                            (id, "created")
                        }
                        SubmitOutcome::Replaced(id) => {
                            summary.replaced += 1;
                            (id, "replaced")
                        }
                        SubmitOutcome::Duplicate(id) => {
                            summary.already_present += 1;
                            (id, "already-present")
                        }
                        SubmitOutcome::Conflict(id) => {
                            summary.conflicts += 1;
                            // The field, never its value: the number is identifying.
                            bar.suspend(|| {
                                eprintln!(
                                    "line {line_no}: conflict: external_ref is already used by case {id}, \
                                     whose content differs; not stored (the API answers 409)"
                                )
                            });
                            (id, "conflict")
                        }
                    };
                    writeln!(
                        ids,
                        "{}\t{id}\t{word}",
                        reference.replace(['\t', '\n'], " ")
                    )?;
                }
                bar.inc(chunk.bytes);
            }
            Ok(())
        })();
        // Stop the producer early if storing failed, then report the first error.
        drop(rx);
        let produced = producer
            .join()
            .map_err(|_| CliError("the reading thread failed".into()))?;
        consumed?;
        produced.map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))
    })?;
    ids.flush()?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} lines: {} created, {} replaced, {} already present, {} conflicts, {} rejected{} in {:.1} s ({:.0} cases/s)",
        summary.lines,
        summary.created,
        summary.replaced,
        summary.already_present,
        summary.conflicts,
        summary.rejected,
        if publish { ", published" } else { "" },
        secs,
        (summary.created + summary.replaced) as f64 / secs.max(1e-9),
    );
    println!(
        "external_ref → id pairs: {} (keep it with your organization's records; it is not kept here)",
        ids_path.display()
    );
    Ok(if summary.rejected > 0 || summary.conflicts > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

type PrepResult = Result<(String, Prepared), AppError>;

/// A chunk of lines, prepared, on its way to the store.
struct PreparedChunk {
    line_nos: Vec<u64>,
    prepared: Vec<PrepResult>,
    bytes: u64,
    lines: u64,
}

/// Validates, redacts and seals a chunk on `workers` threads, keeping file order.
fn prepare_parallel(
    repo: &Intake,
    org: crate::case::OrgId,
    chunk: &[(u64, Vec<u8>)],
    workers: usize,
) -> Vec<PrepResult> {
    let per = chunk.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunk
            .chunks(per.max(1))
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(_, line)| {
                            let p = repo.prepare(org, line)?;
                            let reference = external_ref(line);
                            Ok((reference, p))
                        })
                        .collect::<Vec<PrepResult>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err(AppError::Internal("a worker failed".into()))])
            })
            .collect()
    })
}

/// The external_ref of a line already validated.
fn external_ref(line: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Ref {
        external_ref: String,
    }
    serde_json::from_slice::<Ref>(line)
        .map(|r| r.external_ref)
        .unwrap_or_default()
}

fn create_private(path: &Path) -> Result<std::fs::File, CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(path)
        .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?;
    // `mode` applies only to a file created now, and through the umask: an existing file
    // keeps its mode unless it is set.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| CliError(format!("cannot make {} private: {e}", path.display())))?;
    }
    Ok(file)
}
