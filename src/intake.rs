//! The intake: the one path a submitted case takes, shared by the API and `import`: validate →
//! redact → seal → store (ciphertext, shared view, `in_review`, audit entry, in one
//! transaction). The original exists in clear only in memory, between parsing and
//! sealing.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::case::{parse_case, CaseId, OrgId};
use crate::config::Settings;
use crate::error::AppError;
use crate::redaction::{self, RuleSet};
use crate::seal::{ContentDigest, PseudonymKey, Recipients, RefDigest, SealedOriginal};
use crate::store::{NewCase, Store, SubmitOutcome};

type OrgNames = std::collections::HashMap<OrgId, (std::time::Instant, Vec<String>)>;

/// How long the names of an organization are used before they are read again.
pub const ORG_NAMES_FRESH: std::time::Duration = std::time::Duration::from_secs(60);

/// Everything a submission needs; cheap to clone.
#[derive(Clone)]
pub struct Intake {
    pub store: Store,
    pub rules: Arc<RuleSet>,
    recipients: Arc<Recipients>,
    key: Arc<PseudonymKey>,
    /// Keys rotated out: digests made with them are still found and recognized.
    retired: Arc<Vec<PseudonymKey>>,
    /// Contributing organizations' names, read once each: the pipeline redacts them (and
    /// their acronyms) as `[FACILITY]` in the cases they contribute.
    org_names: Arc<std::sync::RwLock<OrgNames>>,
}

/// A case after the CPU-bound part of the path (parse, redact, seal), ready to store.
pub struct Prepared {
    org: OrgId,
    digest: RefDigest,
    content: ContentDigest,
    view: crate::case::SharedView,
    report_json: String,
    sealed: SealedOriginal,
    /// Replacement counts by category.
    pub counts: BTreeMap<String, u32>,
}

/// Why the repository could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OpenError(pub String);

impl Intake {
    /// Opens the store, loads the rules, the custodian recipients and the pseudonym key
    /// (which must exist and be private to its owner: see [`crate::setup::initialize`]).
    pub fn open(settings: &Settings) -> Result<Self, OpenError> {
        let store = Store::open(&settings.database_url).map_err(|e| OpenError(e.to_string()))?;
        let rules = match &settings.rules_dir {
            Some(dir) => RuleSet::load(dir).map_err(|e| OpenError(format!("rules_dir: {e}")))?,
            None => RuleSet::embedded(),
        };
        let recipients = load_recipients(settings)?;
        // Created by `init` only: a server that made up its own key would no longer find
        // the cases stored under the key its peers share.
        let key = PseudonymKey::load(&settings.pseudonym_key_file())
            .map_err(|e| OpenError(e.to_string()))?;
        let retired = PseudonymKey::load_retired(&settings.retired_keys_dir())
            .map_err(|e| OpenError(e.to_string()))?;
        Ok(Intake {
            store,
            rules: Arc::new(rules),
            recipients: Arc::new(recipients),
            key: Arc::new(key),
            org_names: Arc::default(),
            retired: Arc::new(retired),
        })
    }

    /// The pseudonym of an organization's case number.
    /// Under the current key, with its forms under the retired keys.
    pub fn ref_digest(&self, org: OrgId, external_ref: &str) -> RefDigest {
        self.retired
            .iter()
            .fold(self.key.ref_digest(org, external_ref), |d, k| {
                d.with_retired(k.ref_digest(org, external_ref))
            })
    }

    /// The keyed digest of a search query, for the audit log.
    pub fn query_digest(&self, query: &str) -> crate::seal::QueryDigest {
        self.key.query_digest(query)
    }

    /// Forgets the names read for `org` (after an alias is added in this process).
    pub fn forget_org_names(&self, org: OrgId) {
        if let Ok(mut m) = self.org_names.write() {
            m.remove(&org);
        }
    }

    /// The names the pipeline redacts as the contributing organization: its name and
    /// its aliases, read again after [`ORG_NAMES_FRESH`] (so that an alias added with the
    /// CLI reaches a running server within a minute).
    fn org_names(&self, org: OrgId) -> Result<Vec<String>, AppError> {
        if let Some(names) = self.org_names.read().ok().and_then(|m| {
            m.get(&org)
                .filter(|(read, _)| read.elapsed() < ORG_NAMES_FRESH)
                .map(|(_, names)| names.clone())
        }) {
            return Ok(names);
        }
        let mut names: Vec<String> = self
            .store
            .org_by_id(org)
            .map_err(AppError::from)?
            .map(|o| vec![o.name])
            .unwrap_or_default();
        names.extend(self.store.org_aliases(org).map_err(AppError::from)?);
        if let Ok(mut m) = self.org_names.write() {
            m.insert(org, (std::time::Instant::now(), names.clone()));
        }
        Ok(names)
    }

    /// A note about one of `org`'s cases (a return comment), redacted by the pipeline with
    /// the organization's names.
    pub fn redact_note(&self, org: OrgId, note: &str) -> Result<String, AppError> {
        let names = self.org_names(org)?;
        Ok(redaction::redact_note(note, &self.rules, &names)?)
    }

    /// A note that may concern any of `orgs` (a safe-table discussion's text), redacted
    /// with the names of every one of them.
    pub fn redact_note_for(&self, orgs: &[OrgId], note: &str) -> Result<String, AppError> {
        if note.trim().is_empty() {
            return Ok(String::new());
        }
        let mut names = Vec::new();
        for org in orgs {
            names.extend(self.org_names(*org)?);
        }
        names.sort();
        names.dedup();
        Ok(redaction::redact_note(note, &self.rules, &names)?)
    }

    /// Parses, validates, redacts and seals one case body. CPU-bound; the contributing
    /// organization's name is read from the store once per organization and process.
    /// Fails with [`AppError::Redaction`] when the pipeline refuses the case.
    pub fn prepare(&self, org: OrgId, body: &[u8]) -> Result<Prepared, AppError> {
        let case = parse_case(body)?;
        let digest = self.ref_digest(org, &case.external_ref);
        let org_names = self.org_names(org)?;
        // A case the pipeline cannot redact is refused (422 `redaction_failed`), never
        // stored with an unredacted or partial view.
        let mut redacted = redaction::redact_with(&case, &self.rules, &org_names)?;
        redacted.view.id = Some(CaseId::random());
        let report_json = serde_json::to_string(&redacted.report)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        // Serialize the validated case (not the raw body) so that what is sealed is
        // exactly what was accepted.
        let original = serde_json::to_vec(&case).map_err(|e| AppError::Internal(e.to_string()))?;
        // That serialization is canonical (field order of our types, no white space), so
        // the same case sent again, however formatted, has the same digest.
        let content = self
            .retired
            .iter()
            .fold(self.key.content_digest(org, &original), |d, k| {
                d.with_retired(k.content_digest(org, &original))
            });
        let sealed = self
            .recipients
            .seal(&original)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        drop(original);
        Ok(Prepared {
            org,
            digest,
            content,
            counts: redacted.report.counts.clone(),
            view: redacted.view,
            report_json,
            sealed,
        })
    }

    /// Stores a prepared case.
    pub fn store_prepared(
        &self,
        prepared: &Prepared,
        actor: &str,
        publish: bool,
    ) -> Result<SubmitOutcome, AppError> {
        Ok(self.store.submit_case(NewCase {
            org: prepared.org,
            ref_digest: &prepared.digest,
            content_digest: &prepared.content,
            view: &prepared.view,
            report_json: &prepared.report_json,
            sealed: &prepared.sealed,
            actor,
            publish,
        })?)
    }
}

impl Intake {
    /// Stores several prepared cases in one transaction, in order (bulk import).
    pub fn store_prepared_batch(
        &self,
        batch: &[&Prepared],
        actor: &str,
        publish: bool,
    ) -> Result<Vec<SubmitOutcome>, AppError> {
        let news: Vec<NewCase<'_>> = batch
            .iter()
            .map(|p| NewCase {
                org: p.org,
                ref_digest: &p.digest,
                content_digest: &p.content,
                view: &p.view,
                report_json: &p.report_json,
                sealed: &p.sealed,
                actor,
                publish,
            })
            .collect();
        Ok(self.store.submit_batch(&news)?)
    }
}

/// The custodian recipients: from the configuration, else from `recipients.txt` written
/// by `init`. Refuses to start without any: an original must never be stored unsealed.
pub fn load_recipients(settings: &Settings) -> Result<Recipients, OpenError> {
    if !settings.custodian_recipients.is_empty() {
        return Recipients::parse(settings.custodian_recipients.iter().map(String::as_str))
            .map_err(|e| OpenError(format!("configuration custodian_recipients: {e}")));
    }
    let path = settings.recipients_file();
    let text = std::fs::read_to_string(&path).map_err(|_| {
        OpenError(format!(
            "no custodian recipients: set custodian_recipients in the configuration or run `safetable init` (looked for {})",
            path.display()
        ))
    })?;
    Recipients::parse(text.lines()).map_err(|e| OpenError(format!("{}: {e}", path.display())))
}
