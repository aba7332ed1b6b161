//! Administrative commands: init, organizations, users, tokens, audit, originals, backup,
//! and the pure `redact` filter.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::CliError;
use crate::audit::{self, AuditAction, AuditEvent};
use crate::auth::Roles;
use crate::case::CaseId;
use crate::config::Settings;
use crate::redaction::{self, RuleSet};
use crate::seal::{self, ApiToken, CustodianIdentity};
use crate::store::{Backend, Store};

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
        CLI_ACTOR,
    )?;
    println!(
        "user {email} created in {} with roles {}",
        org.name,
        roles.to_stored()
    );
    println!("one-time password (shown once):");
    println!("{password}");
    Ok(ExitCode::SUCCESS)
}

/// `safetable token create EMAIL`: the token alone on the last line.
pub fn token_create(settings: &Settings, email: &str) -> Result<ExitCode, CliError> {
    let store = store(settings)?;
    let user = store
        .user_by_email(email)?
        .ok_or_else(|| CliError(format!("no user {email}")))?;
    let token = ApiToken::generate();
    store.create_token(user.id, &token.hash(), CLI_ACTOR)?;
    println!(
        "API token for {} (shown once; only its hash is stored):",
        user.email
    );
    println!("{}", token.reveal());
    Ok(ExitCode::SUCCESS)
}

/// `safetable audit verify`.
pub fn audit_verify(settings: &Settings) -> Result<ExitCode, CliError> {
    let (entries, (seq, hash)) = store(settings)?.audit_log()?;
    match audit::verify(&entries, Some((seq, &hash))) {
        Ok(n) => {
            println!("audit log intact: {n} entries");
            Ok(ExitCode::SUCCESS)
        }
        Err(brk) => {
            println!("{brk}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `safetable audit list`: every entry as a JSON line (the details as stored: ids,
/// counts, vocabulary values and keyed digests, never case content or typed text).
pub fn audit_list(settings: &Settings) -> Result<ExitCode, CliError> {
    let (entries, _) = store(settings)?.audit_log()?;
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
        &AuditEvent::new(CLI_ACTOR, AuditAction::Decrypt, Some(id.to_string()))
            .with_detail(serde_json::json!({ "reason": reason })),
    )?;
    let mut out = std::io::stdout().lock();
    out.write_all(&plaintext)?;
    out.write_all(b"\n")?;
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
