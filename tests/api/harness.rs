//! The test runner of this binary (libtest-mimic), so that what cannot run here is
//! *reported* as ignored with its reason, never counted as passed.
//!
//! Tests register with [`tests!`](crate::tests) (plain) or
//! [`backend_tests!`](crate::backend_tests) (once on SQLite, once on PostgreSQL). Before
//! any test runs, the runner finds a PostgreSQL:
//! - `SAFETABLE_TEST_POSTGRES_URL`, when set (CI starts its own cluster);
//! - else, when PostgreSQL is installed, a throw-away cluster on a random loopback port,
//!   started here and stopped (by its `pg_ctl`, by PID file) when the run ends;
//! - else the PostgreSQL tests are ignored, and the reason is printed. Under `CI=true`
//!   they run instead, and fail: nothing may be skipped in CI.
//!
//! Tests that need a tool declare it the same way ([`Needs`]): Chromium, the `age`
//! command, the contract tools (schemathesis, openapi-spec-validator), the shared
//! corpus and its scorer. Each is looked for once, before any test runs.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use libtest_mimic::{Arguments, Trial};

/// What a test needs besides the crate itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Postgres,
    Browser,
    /// The `age` command (the sealed originals decrypt with it).
    Age,
    /// python3 with schemathesis and openapi-spec-validator.
    ContractTools,
    /// `../shared/corpus`, its scorer and python3.
    SharedCorpus,
}

impl Needs {
    const ALL: [Needs; 5] = [
        Needs::Postgres,
        Needs::Browser,
        Needs::Age,
        Needs::ContractTools,
        Needs::SharedCorpus,
    ];
}

/// One registered test.
pub struct Case {
    pub module: &'static str,
    pub name: &'static str,
    pub needs: &'static [Needs],
    /// Run only with `--ignored` (probes and soaks run by hand).
    pub manual: bool,
    pub run: fn(),
}

inventory::collect!(Case);

/// Registers plain tests: `tests!(a, b)`; `tests!(manual: probe)` for tests run only with
/// `--ignored`; `tests!(browser: page_renders)` for tests that need Chromium;
/// `tests!(needs [Age]: decrypts)` for tests that need other tools ([`Needs`]).
#[macro_export]
macro_rules! tests {
    (manual: $($name:ident),+ $(,)?) => {
        $(inventory::submit! { $crate::harness::Case {
            module: module_path!(), name: stringify!($name),
            needs: &[], manual: true, run: $name,
        } })+
    };
    (browser: $($name:ident),+ $(,)?) => {
        $crate::tests!(needs [Browser]: $($name),+);
    };
    (needs $needs:tt: $($name:ident),+ $(,)?) => {
        $(inventory::submit! { $crate::harness::Case {
            module: module_path!(), name: stringify!($name),
            needs: $crate::needs_list!($needs), manual: false, run: $name,
        } })+
    };
    ($($name:ident),+ $(,)?) => {
        $(inventory::submit! { $crate::harness::Case {
            module: module_path!(), name: stringify!($name),
            needs: &[], manual: false, run: $name,
        } })+
    };
}

/// `[Age, Browser]` as a list of [`Needs`]; `@with Postgres [Age]` puts one in front.
#[macro_export]
macro_rules! needs_list {
    ([$($need:ident),*]) => {
        &[$($crate::harness::Needs::$need),*]
    };
    (@with $first:ident [$($need:ident),*]) => {
        &[$crate::harness::Needs::$first $(, $crate::harness::Needs::$need)*]
    };
}

/// Whether this run is CI's (where nothing may be skipped).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A PostgreSQL cluster this process started.
struct Cluster {
    bin: PathBuf,
    root: tempfile::TempDir,
    as_postgres: bool,
}

impl Cluster {
    fn data(&self) -> PathBuf {
        self.root.path().join("data")
    }

    /// `initdb` and `pg_ctl start` on a free loopback port, as the `postgres` user when
    /// this process is root (PostgreSQL refuses to run as root).
    fn start(bin: PathBuf) -> Result<(Cluster, String), String> {
        let root = tempfile::Builder::new()
            .prefix("safetable-test-pg-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let as_postgres = is_root();
        let cluster = Cluster {
            bin,
            root,
            as_postgres,
        };
        let data = cluster.data();
        let sock = cluster.root.path().join("sock");
        std::fs::create_dir_all(&sock).map_err(|e| e.to_string())?;
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(cluster.root.path())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return Err("cannot give the cluster directory to the postgres user".into());
            }
        }
        let port = free_port()?;
        cluster.run(
            "initdb",
            &[
                "-D",
                path_str(&data)?,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        )?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c max_connections=200",
            path_str(&sock)?
        );
        let log = cluster.root.path().join("pg.log");
        cluster.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&data)?,
                "-o",
                &options,
                "-l",
                path_str(&log)?,
                "-w",
                "start",
            ],
        )?;
        Ok((
            cluster,
            format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        ))
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{tool}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{tool} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Ok(data) = path_str(&self.data()).map(str::to_owned) {
            let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "stop"]);
        }
    }
}

fn path_str(p: &Path) -> Result<&str, String> {
    p.to_str()
        .ok_or_else(|| "a temporary path is not UTF-8".to_owned())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// The newest installed PostgreSQL's `bin` directory.
fn installed_postgres() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// Where PostgreSQL tests get their server, or why they cannot run.
enum Postgres {
    Given,
    Started(Cluster),
    Missing(String),
}

fn find_postgres() -> Postgres {
    if std::env::var("SAFETABLE_TEST_POSTGRES_URL").is_ok() {
        return Postgres::Given;
    }
    let Some(bin) = installed_postgres() else {
        return Postgres::Missing(
            "PostgreSQL is not installed (apt-get install postgresql), and SAFETABLE_TEST_POSTGRES_URL is not set".into(),
        );
    };
    match Cluster::start(bin) {
        Ok((cluster, url)) => {
            // Set before any test thread starts.
            std::env::set_var("SAFETABLE_TEST_POSTGRES_URL", &url);
            std::env::set_var("SAFETABLE_TEST_POSTGRES_DATA", cluster.data());
            Postgres::Started(cluster)
        }
        Err(e) => Postgres::Missing(format!("a throw-away PostgreSQL could not be started: {e}")),
    }
}

/// Whether `program args…` runs and succeeds.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn age_missing() -> Option<String> {
    (!runs("age", &["--version"]))
        .then(|| "the `age` command is not installed (apt-get install age)".into())
}

fn contract_tools_missing() -> Option<String> {
    (!runs("python3", &["-c", "import schemathesis, openapi_spec_validator"])).then(|| {
        "python3 with schemathesis and openapi-spec-validator is not installed (pip install schemathesis openapi-spec-validator)".into()
    })
}

/// `../shared` (or `SAFETABLE_SHARED_DIR`): the labelled corpora and their scorer.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("SAFETABLE_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

fn shared_corpus_missing() -> Option<String> {
    let shared = shared_dir();
    if !shared.join("tools/deid_eval.py").is_file() || !shared.join("corpus").is_dir() {
        return Some(format!(
            "the shared corpus and scorer are not under {} (set SAFETABLE_SHARED_DIR)",
            shared.display()
        ));
    }
    (!runs("python3", &["--version"])).then(|| "python3 is not installed".into())
}

/// Why the tool `need` names is not here, if it is not (PostgreSQL: see [`find_postgres`]).
fn tool_missing(need: Needs) -> Option<String> {
    match need {
        Needs::Postgres => None,
        Needs::Browser => crate::browser::browser_binaries().err(),
        Needs::Age => age_missing(),
        Needs::ContractTools => contract_tools_missing(),
        Needs::SharedCorpus => shared_corpus_missing(),
    }
}

/// Fails the test unless the tool `need` names is here. A test registered as needing it
/// runs only where it is, or in CI, where its absence must fail.
pub fn require(need: Needs) {
    if let Some(reason) = tool_missing(need) {
        panic!("{reason}");
    }
}

/// Runs every registered test that the arguments select.
pub fn main() -> ExitCode {
    let args = Arguments::from_args();
    let wants =
        |need: Needs| !args.list && inventory::iter::<Case>().any(|c| c.needs.contains(&need));
    let postgres = if wants(Needs::Postgres) {
        find_postgres()
    } else {
        Postgres::Given
    };
    // Why each need cannot be met here (nothing for a need no test has or that is met).
    let missing: Vec<(Needs, String)> = Needs::ALL
        .into_iter()
        .filter(|n| wants(*n))
        .filter_map(|need| {
            let reason = match need {
                Needs::Postgres => match &postgres {
                    Postgres::Missing(reason) => Some(reason.clone()),
                    _ => None,
                },
                tool => tool_missing(tool),
            };
            reason.map(|r| (need, r))
        })
        .collect();
    let skip_reason = |needs: &[Needs]| -> Option<&(Needs, String)> {
        if in_ci() {
            // Run, and fail with the test's own message: nothing is skipped in CI.
            return None;
        }
        missing.iter().find(|(n, _)| needs.contains(n))
    };
    let mut skipped: Vec<(Needs, String)> = Vec::new();
    let mut trials: Vec<Trial> = inventory::iter::<Case>()
        .map(|case| {
            let module = case.module.split_once("::").map_or("", |(_, m)| m);
            let name = if module.is_empty() {
                case.name.to_owned()
            } else {
                format!("{module}::{}", case.name)
            };
            let run = case.run;
            let trial = Trial::test(name, move || {
                run();
                Ok(())
            });
            if let Some((need, reason)) = skip_reason(case.needs) {
                if !skipped.iter().any(|(n, _)| n == need) {
                    skipped.push((*need, reason.clone()));
                }
                trial.with_ignored_flag(true)
            } else {
                trial.with_ignored_flag(case.manual)
            }
        })
        .collect();
    trials.sort_by(|a, b| a.name().cmp(b.name()));
    for (need, reason) in &skipped {
        eprintln!("\n*** IGNORED: the tests that need {need:?}: {reason} ***\n");
    }
    if let Postgres::Started(c) = &postgres {
        eprintln!(
            "PostgreSQL tests run on a throw-away cluster in {}",
            c.root.path().display()
        );
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(postgres);
    conclusion.exit_code()
}
