//! The `safetable` command line (spec/API.md): one function per command, each a thin
//! layer over the library.

mod admin;
mod import;
mod reredact;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;

/// safetable: the repository behind a Patient Safety Organization's safe tables.
#[derive(Parser)]
#[command(name = "safetable", version, about)]
pub struct Cli {
    /// Data directory (database, keys, index); default: ./data (`demo`: a temporary
    /// directory of its own, removed at the end).
    #[arg(long, global = true, env = "SAFETABLE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Configuration file (default: safetable.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// See it working: synthetic cases, one user per role, the server.
    Demo {
        /// Address to serve on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// How many synthetic cases to load.
        #[arg(long, default_value_t = 200)]
        cases: usize,
    },
    /// Create the data directory, the database, the pseudonym key, the audit signing key
    /// and, unless custodian recipients are configured, a custodian identity to move off
    /// the server.
    Init,
    /// Run the web service.
    Serve {
        /// Address to serve on (default: the `bind` setting, else 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
    },
    /// The pure pipeline: cases as JSON Lines on stdin, shared views on stdout.
    Redact {
        /// Rule directory (default: the rules built into the binary, from redaction-rules/).
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Make the pipeline panic on every case (for testing the refusal path and the
        /// panic hook) [default: off].
        #[arg(long, hide = true)]
        fail_every_case: bool,
    },
    /// Bulk contribution from a JSON Lines file.
    Import {
        /// The JSON Lines file, one case per line.
        file: PathBuf,
        /// The contributing organization (its name; no default).
        #[arg(long)]
        org: String,
        /// Publish at once (cases already reviewed by PSO staff elsewhere) [default: off,
        /// the cases wait for curator review].
        #[arg(long)]
        publish: bool,
        /// Where to write the `external_ref → id` pairs (default: NAME.ids.tsv in the
        /// working directory).
        #[arg(long)]
        ids_out: Option<PathBuf>,
    },
    /// Organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Rebuild the search index from the database.
    Reindex,
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Break-glass access to sealed originals.
    Original {
        #[command(subcommand)]
        command: OriginalCommand,
    },
    /// Re-run the current redaction pipeline over the sealed originals (custodians only):
    /// changed views are replaced, a published case with a newly found identifier goes back
    /// to review, every case is audited.
    Reredact {
        /// A custodian's age identity file (no default); the originals are decrypted in
        /// memory only.
        #[arg(long)]
        identity: PathBuf,
    },
    /// A consistent online copy of the SQLite database.
    Backup {
        /// Destination file (no default; must not exist).
        dest: PathBuf,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create a member organization.
    Add {
        /// Its name (unique).
        name: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; prints a one-time password.
    Add {
        /// The user's e-mail address (unique; stored in lower case).
        email: String,
        /// The user's organization (its name).
        #[arg(long)]
        org: String,
        /// curator, contributor, member, faculty (comma-separated; no default).
        #[arg(long)]
        role: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new API token for a user, alone on the last line.
    Create {
        /// The user's e-mail address.
        email: String,
        /// How many days the token is valid.
        #[arg(long, default_value_t = crate::store::DEFAULT_TOKEN_DAYS,
              value_parser = clap::value_parser!(i64).range(1..=3650))]
        days: i64,
    },
    /// List tokens: id, user, created, expires, last used, revoked (never a token or its
    /// hash).
    List {
        /// Only this user's tokens (default: every user's).
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token (by the id `token list` shows): it authenticates no more.
    Revoke {
        /// The token's id.
        id: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain, and with --checkpoint that the chain still holds a signed
    /// checkpoint's head; exit 1 naming what failed.
    Verify {
        /// A checkpoint file written by `audit checkpoint` (default: none; the chain only).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// The key id the checkpoint must be signed by (default: the id of this server's
        /// audit signing key, if it is here).
        #[arg(long, requires = "checkpoint")]
        key_id: Option<String>,
    },
    /// Print the log, one JSON object per entry, oldest first.
    List {
        /// Only entries of this action (e.g. decrypt, publish; default: every action).
        #[arg(long)]
        action: Option<String>,
        /// Only entries of this actor (e.g. cli, user:7; default: every actor).
        #[arg(long)]
        actor: Option<String>,
        /// Only entries about this subject (a case id, user:7, token:3; default: any).
        #[arg(long)]
        subject: Option<String>,
        /// Only entries at or after this UTC time (YYYY-MM-DD or
        /// YYYY-MM-DDTHH:MM:SSZ; default: from the first entry).
        #[arg(long)]
        since: Option<String>,
        /// At most this many entries, the newest that match (default: no limit).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Sign the head of the audit chain with the audit signing key and print the
    /// checkpoint (JSON) for a custodian to keep. The export is recorded in the log, as
    /// the entry right after the head it covers.
    Checkpoint {
        /// Write the checkpoint to this new file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum OriginalCommand {
    /// Decrypt one original with a custodian identity (audited).
    Decrypt {
        /// The case's id.
        case_id: String,
        /// A custodian's age identity file (no default).
        #[arg(long)]
        identity: PathBuf,
        /// Why (recorded in the audit log; no default).
        #[arg(long)]
        reason: String,
    },
    /// Write one original's ciphertext, still sealed, to a file that the standard
    /// `age -d -i IDENTITY FILE` decrypts (audited).
    Export {
        /// The case's id.
        case_id: String,
        /// The new file to write (no default; must not exist).
        #[arg(long)]
        out: PathBuf,
    },
}

/// A command failure: the message for the operator.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

/// Parses the command line and runs it. The binary installs
/// [`crate::telemetry::install_panic_hook`] first, so that no command (`serve`, `demo`,
/// `import`, `redact`, …) ever prints a panic's message.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Everything this process creates (database, WAL, index segments, keys, backups, id
    // lists) is private to its owner, whatever umask it was started with.
    crate::setup::restrict_umask();
    crate::telemetry::init();
    match run(cli) {
        Ok(code) => code,
        Err(CliError(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Where the data live when neither `--data-dir` nor `SAFETABLE_DATA_DIR` says.
const DEFAULT_DATA_DIR: &str = "./data";

/// Marks a directory the demo made, so that it never adopts a real one.
const DEMO_MARKER: &str = ".safetable-demo";

/// The demo's settings in `dir`: defaults only (no configuration file, no environment),
/// an SQLite database inside it. A directory with content that the demo did not make is
/// refused.
fn demo_settings(dir: &std::path::Path) -> Result<Settings, CliError> {
    let marker = dir.join(DEMO_MARKER);
    let has_content = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
    if has_content && !marker.exists() {
        return Err(CliError(format!(
            "{} holds data that the demo did not make; give the demo an empty or new directory              (`--data-dir`), or none for a temporary one",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError(format!("cannot create {}: {e}", dir.display())))?;
    std::fs::write(&marker, "made by `safetable demo`: synthetic cases only\n")
        .map_err(|e| CliError(format!("cannot write {}: {e}", marker.display())))?;
    let mut settings = Settings::defaults(dir);
    settings.database_url = format!("sqlite://{}", dir.join("safetable.db").display());
    Ok(settings)
}

fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let data_dir = cli
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let settings = || Settings::load(&data_dir, cli.config.as_deref());
    match cli.command {
        Command::Redact {
            rules,
            fail_every_case,
        } => admin::redact(rules.as_deref(), fail_every_case),
        Command::Init => admin::init(&settings()?).map(|_| ExitCode::SUCCESS),
        Command::Demo { bind, cases } => {
            // The demo's own directory and its own SQLite database, whatever the
            // environment or a configuration file say: it never touches real data. With
            // `--data-dir` it is kept (and reused by the next demo); without, it is a
            // temporary directory removed at the end.
            let (dir, keep) = match &cli.data_dir {
                Some(dir) => (dir.clone(), true),
                None => (
                    std::env::temp_dir().join(format!("safetable-demo-{}", std::process::id())),
                    false,
                ),
            };
            let result = demo_settings(&dir).and_then(|s| serve::demo(s, &bind, cases));
            if !keep {
                let _ = std::fs::remove_dir_all(&dir);
            }
            result
        }
        Command::Serve { bind } => {
            let mut settings = settings()?;
            if let Some(bind) = bind {
                settings.bind = bind;
            }
            serve::serve(settings)
        }
        Command::Reindex => serve::reindex(&settings()?),
        Command::Import {
            file,
            org,
            publish,
            ids_out,
        } => import::import(&settings()?, &file, &org, publish, ids_out.as_deref()),
        Command::Org {
            command: OrgCommand::Add { name },
        } => admin::org_add(&settings()?, &name),
        Command::User {
            command: UserCommand::Add { email, org, role },
        } => admin::user_add(&settings()?, &email, &org, &role),
        Command::Token {
            command: TokenCommand::Create { email, days },
        } => admin::token_create(&settings()?, &email, days),
        Command::Token {
            command: TokenCommand::List { user },
        } => admin::token_list(&settings()?, user.as_deref()),
        Command::Token {
            command: TokenCommand::Revoke { id },
        } => admin::token_revoke(&settings()?, &id),
        Command::Audit {
            command: AuditCommand::Verify { checkpoint, key_id },
        } => admin::audit_verify(&settings()?, checkpoint.as_deref(), key_id.as_deref()),
        Command::Audit {
            command:
                AuditCommand::List {
                    action,
                    actor,
                    subject,
                    since,
                    limit,
                },
        } => admin::audit_list(
            &settings()?,
            admin::ListFilter {
                action,
                actor,
                subject,
                since,
                limit,
            },
        ),
        Command::Audit {
            command: AuditCommand::Checkpoint { out },
        } => admin::audit_checkpoint(&settings()?, out.as_deref()),
        Command::Original {
            command: OriginalCommand::Export { case_id, out },
        } => admin::original_export(&settings()?, &case_id, &out),
        Command::Original {
            command:
                OriginalCommand::Decrypt {
                    case_id,
                    identity,
                    reason,
                },
        } => admin::original_decrypt(&settings()?, &case_id, &identity, &reason),
        Command::Backup { dest } => admin::backup(&settings()?, &dest),
        Command::Reredact { identity } => reredact::reredact(&settings()?, &identity),
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every argument of every command says what it is, and an optional one says what
    /// happens without it: clap prints `[default: …]` for a default value, the help text
    /// says "default" otherwise (a required argument has none, and clap says it is
    /// required).
    #[test]
    fn every_argument_has_help_that_states_its_default() {
        fn walk(cmd: &clap::Command, path: &str, problems: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                if help.is_empty() {
                    problems.push(format!("{path} {id}: no help"));
                    continue;
                }
                let has_default = !arg.get_default_values().is_empty();
                let says_default = help.contains("default");
                if !arg.is_required_set() && !has_default && !says_default {
                    problems.push(format!("{path} {id}: does not state its default"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), problems);
            }
        }
        let mut problems = Vec::new();
        walk(&Cli::command(), "safetable", &mut problems);
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
