//! Settings: a TOML file (`--config`, else `safetable.toml` in the working directory if
//! present), then `SAFETABLE_*` environment variables, then defaults for the embedded
//! mode under the data directory.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The file form; every key optional. No `Debug`: `database_url` may hold a password.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    bind: Option<String>,
    /// age X25519 recipients (`age1…`) of the PSO custodians.
    custodian_recipients: Option<Vec<String>>,
    rules_dir: Option<PathBuf>,
    index_dir: Option<PathBuf>,
    workers: Option<usize>,
    /// The Ed25519 key that signs audit checkpoints (PKCS#8).
    audit_signing_key: Option<PathBuf>,
}

/// The resolved settings. `Debug` shows the database URL without its password.
#[derive(Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub bind: String,
    /// Recipients from the configuration; when empty, `recipients.txt` in the data
    /// directory (written by `init`) is used.
    pub custodian_recipients: Vec<String>,
    pub rules_dir: Option<PathBuf>,
    pub index_dir: PathBuf,
    pub workers: usize,
    /// The Ed25519 key (PKCS#8, 0600) that signs audit checkpoints; kept outside the
    /// database so that whoever can write the database cannot sign.
    pub audit_signing_key: PathBuf,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("custodian_recipients", &self.custodian_recipients)
            .field("rules_dir", &self.rules_dir)
            .field("index_dir", &self.index_dir)
            .field("workers", &self.workers)
            .field("audit_signing_key", &self.audit_signing_key)
            .finish()
    }
}

/// A database URL fit for a log line: the password in the user part
/// (`postgres://user:***@host/db`) and any `password=` parameter replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let query_at = rest.find('?').unwrap_or(rest.len());
    let (before_query, query) = rest.split_at(query_at);
    // The last `@` before the query ends the user part (a password may hold `/`).
    let location = match before_query.rfind('@') {
        Some(at) => {
            let (userinfo, host) = (&before_query[..at], &before_query[at + 1..]);
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:***@{host}"),
                None => format!("{userinfo}@{host}"),
            }
        }
        None => before_query.to_owned(),
    };
    let query = if query.is_empty() {
        String::new()
    } else {
        let params: Vec<String> = query[1..]
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_owned(),
            })
            .collect();
        format!("?{}", params.join("&"))
    };
    format!("{scheme}://{location}{query}")
}

/// A configuration problem, naming the file or variable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

impl Settings {
    /// Resolves settings for a data directory and an optional configuration file.
    pub fn load(data_dir: &Path, config: Option<&Path>) -> Result<Self, ConfigError> {
        let default_file = Path::new("safetable.toml");
        let path = match config {
            Some(p) => Some(p.to_path_buf()),
            None if default_file.exists() => Some(default_file.to_path_buf()),
            None => None,
        };
        let file: FileSettings = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| ConfigError(format!("cannot read {}: {e}", p.display())))?;
                toml::from_str(&text)
                    .map_err(|e| ConfigError(format!("{}: {}", p.display(), e.message())))?
            }
            None => FileSettings::default(),
        };
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self::resolve(data_dir, file, &env)
    }

    /// The defaults for a data directory alone: no configuration file, no environment
    /// (the demo's own settings, which nothing outside may redirect).
    pub fn defaults(data_dir: &Path) -> Self {
        Self::resolve(data_dir, FileSettings::default(), &|_| None)
            .expect("the defaults need no parsing")
    }

    fn resolve(
        data_dir: &Path,
        file: FileSettings,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let database_url = env("SAFETABLE_DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("safetable.db").display()));
        let bind = env("SAFETABLE_BIND")
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let custodian_recipients = match env("SAFETABLE_RECIPIENTS") {
            Some(list) => list.split(',').map(|s| s.trim().to_owned()).collect(),
            None => file.custodian_recipients.unwrap_or_default(),
        };
        let workers = match env("SAFETABLE_WORKERS") {
            Some(w) => w
                .parse()
                .map_err(|_| ConfigError("SAFETABLE_WORKERS must be a whole number".into()))?,
            None => file.workers.unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(usize::from)
                    .unwrap_or(2)
            }),
        };
        Ok(Settings {
            data_dir: data_dir.to_path_buf(),
            database_url,
            bind,
            custodian_recipients,
            rules_dir: env("SAFETABLE_RULES_DIR")
                .map(PathBuf::from)
                .or(file.rules_dir),
            index_dir: env("SAFETABLE_INDEX_DIR")
                .map(PathBuf::from)
                .or(file.index_dir)
                .unwrap_or_else(|| data_dir.join("index")),
            workers: workers.max(1),
            audit_signing_key: env("SAFETABLE_AUDIT_SIGNING_KEY")
                .map(PathBuf::from)
                .or(file.audit_signing_key)
                .unwrap_or_else(|| data_dir.join("audit-signing.key")),
        })
    }

    /// Where `init` writes the generated custodian recipient.
    pub fn recipients_file(&self) -> PathBuf {
        self.data_dir.join("recipients.txt")
    }

    /// Where `init` writes a generated custodian identity (to be moved off the server).
    pub fn generated_identity_file(&self) -> PathBuf {
        self.data_dir.join("custodian-identity.txt")
    }

    /// The pseudonym key file.
    pub fn pseudonym_key_file(&self) -> PathBuf {
        self.data_dir.join("pseudonym.key")
    }

    /// Where rotated-out pseudonym keys are kept (`*.key`, each 0600): still used to find
    /// and recognize what was stored under them.
    pub fn retired_keys_dir(&self) -> PathBuf {
        self.data_dir.join("pseudonym-retired")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_database_password() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings::load(dir.path(), None).unwrap();
        s.database_url = "postgres://app:s3cr3t-pw@db.internal:5432/safetable".into();
        let shown = format!("{s:?}");
        assert!(!shown.contains("s3cr3t-pw"), "{shown}");
        assert!(
            shown.contains("postgres://app:***@db.internal:5432/safetable"),
            "{shown}"
        );
        assert_eq!(
            redact_url("postgresql://u:p/w@d@h/db?sslmode=disable&Password=x2&user=u"),
            "postgresql://u:***@h/db?sslmode=disable&Password=***&user=u"
        );
        assert_eq!(
            redact_url("postgres://u@h/db"),
            "postgres://u@h/db",
            "no password, nothing to hide"
        );
        assert_eq!(redact_url("sqlite:///var/x.db"), "sqlite:///var/x.db");
        assert_eq!(redact_url("sqlite:x.db"), "sqlite:x.db");
    }

    #[test]
    fn defaults_live_under_the_data_dir_and_files_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings::load(dir.path(), Some(&dir.path().join("missing.toml")));
        assert!(s.unwrap_err().to_string().contains("missing.toml"));
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, "bind = \"127.0.0.1:9\"\nworkers = 3\n").unwrap();
        let s = Settings::load(dir.path(), Some(&cfg)).unwrap();
        assert_eq!(s.bind, "127.0.0.1:9");
        assert_eq!(s.workers, 3);
        assert!(s.database_url.ends_with("safetable.db"));
        assert_eq!(s.index_dir, dir.path().join("index"));
        assert_eq!(s.audit_signing_key, dir.path().join("audit-signing.key"));
        std::fs::write(&cfg, "colour = \"blue\"\n").unwrap();
        assert!(Settings::load(dir.path(), Some(&cfg))
            .unwrap_err()
            .to_string()
            .contains("colour"));
    }
}
