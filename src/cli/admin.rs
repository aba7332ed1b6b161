//! Administrative commands: init, organizations, users, tokens, audit, originals, backup,
//! and the pure `redact` filter.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::CliError;
use crate::audit::{self, AuditAction, AuditEvent, Checkpoint};
use crate::auth::Roles;
use crate::case::CaseId;
use crate::config::Settings;
use crate::redaction::{self, RuleSet};
use crate::seal::{self, ApiToken, AuditSigningKey, CustodianIdentity, SigningKeyError};
use crate::store::{AuditFilter, Backend, Store, TokenId, TokenKind, TokenRecord};

pub(super) const CLI_ACTOR: &str = "cli";

/// `safetable redact`: stdin → stdout, exit 1 if any line failed. `fail_every_case`
/// (a hidden flag, for the tests of the refusal path and of the panic hook) makes the
/// pipeline panic on every case.
pub fn redact(rules: Option<&Path>, fail_every_case: bool) -> Result<ExitCode, CliError> {
    let rules = match rules {
        Some(dir) => RuleSet::load(dir).map_err(|e| CliError(format!("--rules: {e}")))?,
        None => RuleSet::embedded(),
    };
    let _fault =
        fail_every_case.then(|| redaction::fault::arm(None, redaction::fault::Fault::Panic));
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let outcome = redaction::redact_stream(
        stdin.lock(),
        std::io::BufWriter::with_capacity(1 << 16, stdout.lock()),
        &rules,
    )?;
    if outcome.errors > 0 {
        eprintln!(
            "{} of {} lines failed validation (see the error objects in the output)",
            outcome.errors, outcome.lines
        );
    }
    if outcome.refused > 0 {
        eprintln!(
            "{} of {} lines were valid cases the redaction pipeline refused (see the error objects in the output)",
            outcome.refused, outcome.lines
        );
    }
    if outcome.errors > 0 || outcome.refused > 0 {
        Ok(ExitCode::FAILURE)
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// `safetable init`.
pub fn init(settings: &Settings) -> Result<(), CliError> {
    let done = crate::setup::initialize(settings)?;
    println!("data directory: {}", settings.data_dir.display());
    if done.key_created {
        println!(
            "pseudonym key created: {} (back it up; every server of this PSO needs the same one)",
            settings.pseudonym_key_file().display()
        );
    }
    if done.signing_key_created {
        println!(
            "audit signing key created: {} (back it up; it signs the audit checkpoints custodians keep)",
            settings.audit_signing_key.display()
        );
    }
    if let Some(identity) = &done.identity_generated {
        println!("custodian identity generated: {}", identity.display());
        println!(
            "MOVE IT OFF THIS SERVER NOW: the server needs only the public recipient (in {}); \
             the identity is needed only for `safetable original decrypt`.",
            settings.recipients_file().display()
        );
    } else if !settings.custodian_recipients.is_empty() {
        println!(
            "custodian recipients: {} from the configuration",
            settings.custodian_recipients.len()
        );
    } else {
        println!(
            "custodian recipients: {}",
            settings.recipients_file().display()
        );
    }
    Ok(())
}

fn store(settings: &Settings) -> Result<Store, CliError> {
    Ok(Store::open(&settings.database_url)?)
}

/// `safetable org add NAME`.
pub fn org_add(settings: &Settings, name: &str) -> Result<ExitCode, CliError> {
    let org = store(settings)?.create_org(name, CLI_ACTOR)?;
    println!("organization {} created (id {})", org.name, org.id);
    Ok(ExitCode::SUCCESS)
}

/// `safetable user add EMAIL --org ORG --role ROLES`.
pub fn user_add(
    settings: &Settings,
    email: &str,
    org: &str,
    role: &str,
) -> Result<ExitCode, CliError> {
    let roles = Roles::parse(role).map_err(CliError)?;
    let store = store(settings)?;
    let org = store.org_by_name(org)?.ok_or_else(|| {
        CliError(format!(
            "no organization named {org} (create it with `safetable org add`)"
        ))
    })?;
    let password = seal::generate_password();
    store.create_user(
        email,
        org.id,
        &roles,
        &seal::hash_password(&password),
        true,
        CLI_ACTOR,
    )?;
    println!(
        "user {email} created in {} with roles {}",
        org.name,
        roles.to_stored()
    );
    println!("one-time password (shown once; it must be changed at first sign-in):");
    println!("{password}");
    Ok(ExitCode::SUCCESS)
}

/// A time as the CLI prints it (UTC).
fn time(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `safetable token create EMAIL [--days N]`: the token alone on the last line.
pub fn token_create(settings: &Settings, email: &str, days: i64) -> Result<ExitCode, CliError> {
    let store = store(settings)?;
    let user = store
        .user_by_email(email)?
        .ok_or_else(|| CliError(format!("no user {email}")))?;
    let token = ApiToken::generate();
    let record = store.create_token_valid_for(
        user.id,
        &token.hash(),
        chrono::Duration::days(days),
        TokenKind::Api,
        CLI_ACTOR,
    )?;
    println!(
        "token {} for {}, valid until {}",
        record.id,
        user.email,
        record.expires_at.map(time).unwrap_or_else(|| "-".into())
    );
    println!(
        "API token for {} (shown once; only its hash is stored):",
        user.email
    );
    println!("{}", token.reveal());
    Ok(ExitCode::SUCCESS)
}

/// `safetable token list [--user EMAIL]`: one line per token, never the token or its
/// hash.
pub fn token_list(settings: &Settings, email: Option<&str>) -> Result<ExitCode, CliError> {
    let store = store(settings)?;
    let user = match email {
        Some(email) => Some(
            store
                .user_by_email(email)?
                .ok_or_else(|| CliError(format!("no user {email}")))?
                .id,
        ),
        None => None,
    };
    let tokens = store.list_tokens(user)?;
    let now = chrono::Utc::now().naive_utc();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "{:<6} {:<32} {:<20} {:<20} {:<20} {:<8} revoked",
        "id", "user", "created", "expires", "last used", "state"
    )?;
    for t in &tokens {
        writeln!(out, "{}", token_line(t, now))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn token_line(t: &TokenRecord, now: chrono::NaiveDateTime) -> String {
    let opt = |t: Option<chrono::NaiveDateTime>| t.map(time).unwrap_or_else(|| "-".into());
    let state = if t.revoked_at.is_some() {
        "revoked"
    } else if !t.is_valid_at(now) {
        "expired"
    } else {
        "valid"
    };
    let revoked = match (&t.revoked_at, &t.revoked_by) {
        (Some(at), Some(by)) => format!("{} by {by}", time(*at)),
        (Some(at), None) => time(*at),
        _ => "-".into(),
    };
    format!(
        "{:<6} {:<32} {:<20} {:<20} {:<20} {:<8} {revoked}",
        t.id.get(),
        t.email,
        time(t.created_at),
        opt(t.expires_at),
        opt(t.last_used_at),
        state
    )
}

/// `safetable token revoke ID`.
pub fn token_revoke(settings: &Settings, id: &str) -> Result<ExitCode, CliError> {
    let id: TokenId = id.parse().map_err(CliError)?;
    let store = store(settings)?;
    let token = store
        .revoke_token(id, None, CLI_ACTOR)
        .map_err(|e| match e {
            crate::store::StoreError::NotFound => CliError(format!("no token {id}")),
            other => CliError(other.to_string()),
        })?;
    println!("token {} of {} revoked", token.id, token.email);
    Ok(ExitCode::SUCCESS)
}

/// `safetable audit verify [--checkpoint FILE [--key-id ID]]`: the chain, then the
/// checkpoint's signature, its key and its head. Exit 1 when any of them fails.
pub fn audit_verify(
    settings: &Settings,
    checkpoint: Option<&Path>,
    key_id: Option<&str>,
) -> Result<ExitCode, CliError> {
    // Read the checkpoint before the database, so that an unreadable file is reported as
    // such.
    let checkpoint = match checkpoint {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))?;
            Some((
                path,
                Checkpoint::parse(&text)
                    .map_err(|e| CliError(format!("{}: {e}", path.display())))?,
            ))
        }
        None => None,
    };
    let (entries, (seq, hash)) = store(settings)?.audit_log()?;
    let mut failed = false;
    match audit::verify(&entries, Some((seq, &hash))) {
        Ok(n) => println!("audit log intact: {n} entries"),
        Err(brk) => {
            println!("{brk}");
            failed = true;
        }
    }
    if let Some((path, checkpoint)) = checkpoint {
        let expected = match key_id {
            Some(id) => Some(id.to_owned()),
            None => match AuditSigningKey::load(&settings.audit_signing_key) {
                Ok(key) => Some(key.key_id()),
                Err(SigningKeyError::Missing(_)) => None,
                Err(e) => return Err(CliError(e.to_string())),
            },
        };
        let result = checkpoint
            .verify_signature()
            .and_then(|()| match &expected {
                Some(id) => checkpoint.check_key(id),
                None => Ok(()),
            })
            .and_then(|()| checkpoint.check_against(&entries));
        match result {
            Ok(()) => {
                println!(
                    "checkpoint {} verified: entry {} signed {} by key {}; the log still holds it",
                    path.display(),
                    checkpoint.seq,
                    checkpoint.time,
                    checkpoint.key_id
                );
                if expected.is_none() {
                    println!(
                        "note: no audit signing key at {} and no --key-id: the signature was checked \
                         with the public key the checkpoint carries; compare key id {} with the one \
                         recorded when the checkpoint was taken",
                        settings.audit_signing_key.display(),
                        checkpoint.key_id
                    );
                }
            }
            Err(e) => {
                println!("checkpoint {} failed: {e}", path.display());
                failed = true;
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `safetable audit checkpoint [--out FILE]`: signs the head, records the export (the
/// entry after the head it covers) and prints or writes the checkpoint.
pub fn audit_checkpoint(settings: &Settings, out: Option<&Path>) -> Result<ExitCode, CliError> {
    if let Some(path) = out {
        if path.exists() {
            return Err(CliError(format!(
                "{} exists; choose a new file",
                path.display()
            )));
        }
    }
    let key = AuditSigningKey::load(&settings.audit_signing_key)?;
    let checkpoint = store(settings)?.audit_checkpoint(&key, CLI_ACTOR)?;
    let mut json = serde_json::to_string_pretty(&checkpoint)?;
    json.push('\n');
    match out {
        Some(path) => {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            let mut file = options
                .open(path)
                .map_err(|e| CliError(format!("{}: {e}", path.display())))?;
            file.write_all(json.as_bytes())?;
            file.sync_all()?;
            println!(
                "checkpoint of entry {} (key {}) written to {}",
                checkpoint.seq,
                checkpoint.key_id,
                path.display()
            );
        }
        None => print!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The filters of `safetable audit list`, as typed.
#[derive(Debug, Default)]
pub struct ListFilter {
    pub action: Option<String>,
    pub actor: Option<String>,
    pub subject: Option<String>,
    pub since: Option<String>,
    pub limit: Option<u32>,
}

/// `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time.
fn parse_since(text: &str) -> Result<chrono::NaiveDateTime, CliError> {
    let text = text.trim();
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_time(chrono::NaiveTime::MIN));
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.naive_utc())
        .map_err(|_| {
            CliError(format!(
                "--since {text:?}: give a date (2026-11-23) or a UTC time (2026-11-23T08:00:00Z)"
            ))
        })
}

/// `safetable audit list [filters]`: every matching entry as a JSON line (the details as
/// stored: ids, counts, vocabulary values and keyed digests, never case content or typed
/// text).
pub fn audit_list(settings: &Settings, filter: ListFilter) -> Result<ExitCode, CliError> {
    if let Some(action) = &filter.action {
        if AuditAction::from_stored(action).is_none() {
            let known: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
            return Err(CliError(format!(
                "--action {action:?} is not an action; one of: {}",
                known.join(", ")
            )));
        }
    }
    let filter = AuditFilter {
        action: filter.action,
        actor: filter.actor,
        subject: filter.subject,
        since: filter.since.as_deref().map(parse_since).transpose()?,
        limit: filter.limit.map(i64::from),
    };
    let entries = store(settings)?.audit_entries(&filter)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for e in &entries {
        let detail: serde_json::Value =
            serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null);
        let line = serde_json::json!({
            "seq": e.seq,
            "at": e.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            "actor": e.actor,
            "action": e.action,
            "subject": e.subject,
            "detail": detail,
            "hash": e.hash,
        });
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Who runs this command on the operating system: the user `sudo` was run by, else
/// `$USER`, and the real uid (which, unlike the variables, the caller cannot choose).
fn os_user() -> serde_json::Value {
    let var = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    #[cfg(unix)]
    let uid = Some(rustix::process::getuid().as_raw());
    #[cfg(not(unix))]
    let uid: Option<u32> = None;
    let name = var("SUDO_USER")
        .or_else(|| var("USER"))
        .or_else(|| uid.map(|u| format!("uid:{u}")));
    serde_json::json!({
        "name": name,
        "uid": uid,
        "via_sudo": var("SUDO_USER").is_some(),
    })
}

/// `safetable original decrypt CASE_ID --identity FILE --reason TEXT`.
pub fn original_decrypt(
    settings: &Settings,
    case_id: &str,
    identity: &Path,
    reason: &str,
) -> Result<ExitCode, CliError> {
    if reason.trim().len() < 3 {
        return Err(CliError(
            "--reason must say why the original is needed".into(),
        ));
    }
    let id: CaseId = case_id.parse().map_err(CliError)?;
    let store = store(settings)?;
    let sealed = store
        .sealed_original(&id)?
        .ok_or_else(|| CliError(format!("no sealed original for case {id}")))?;
    let identity = CustodianIdentity::from_file(identity)?;
    let plaintext = identity.unseal(&sealed)?;
    // Audit before the original is shown.
    store.audit(
        &AuditEvent::new(CLI_ACTOR, AuditAction::Decrypt, Some(id.to_string())).with_detail(
            serde_json::json!({
                "reason": reason,
                "os_user": os_user(),
                "custodian_key": identity.recipients(),
            }),
        ),
    )?;
    let mut out = std::io::stdout().lock();
    out.write_all(&plaintext)?;
    out.write_all(b"\n")?;
    Ok(ExitCode::SUCCESS)
}

/// `safetable original export CASE_ID --out FILE`: the ciphertext as stored, a standard
/// binary age file (`age -d -i IDENTITY FILE` decrypts it). Audited before it is written.
pub fn original_export(
    settings: &Settings,
    case_id: &str,
    out: &Path,
) -> Result<ExitCode, CliError> {
    let id: CaseId = case_id.parse().map_err(CliError)?;
    if out.exists() {
        return Err(CliError(format!(
            "{} exists; choose a new file",
            out.display()
        )));
    }
    let store = store(settings)?;
    let sealed = store
        .sealed_original(&id)?
        .ok_or_else(|| CliError(format!("no sealed original for case {id}")))?;
    store.audit(
        &AuditEvent::new(CLI_ACTOR, AuditAction::OriginalExport, Some(id.to_string()))
            .with_detail(serde_json::json!({ "os_user": os_user() })),
    )?;
    seal::write_private_file(out, sealed.as_bytes())
        .map_err(|e| CliError(format!("{}: {e}", out.display())))?;
    println!(
        "sealed original of case {id} written to {} ({} bytes, still encrypted)",
        out.display(),
        sealed.as_bytes().len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `safetable backup DEST`: SQLite `VACUUM INTO`, a consistent copy while serving.
pub fn backup(settings: &Settings, dest: &Path) -> Result<ExitCode, CliError> {
    let store = store(settings)?;
    if store.backend() != Backend::Sqlite {
        return Err(CliError(
            "for PostgreSQL use pg_dump -Fc and pg_restore (see the README)".into(),
        ));
    }
    if dest.exists() {
        return Err(CliError(format!(
            "{} exists; choose a new file",
            dest.display()
        )));
    }
    store.backup_into(dest)?;
    store.audit(&AuditEvent::new(CLI_ACTOR, AuditAction::Backup, None))?;
    println!("backup written to {}", dest.display());
    Ok(ExitCode::SUCCESS)
}
