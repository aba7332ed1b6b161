//! The `safetable` binary itself: init, organizations, users and tokens, import, audit
//! verification against a tampered log, interoperability of sealed originals with the
//! `age` command, break-glass decryption, backup and restore, and the `redact` filter.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use diesel::{Connection, RunQueryDsl};
use safetable::config::Settings;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{case_with, fresh_database_url, Db, PgDatabase, Server, TestApp};

/// A data directory for the binary, its database, and a working directory of its own
/// (so that nothing is written to, or read from, the test's working directory).
pub(crate) struct Cli {
    _root: tempfile::TempDir,
    /// `ROOT/data`, which does not exist before `init`.
    pub(crate) data: std::path::PathBuf,
    pub(crate) cwd: tempfile::TempDir,
    pub(crate) database_url: String,
    _pg: Option<PgDatabase>,
}

impl Cli {
    pub(crate) fn new(db: Db) -> Option<Cli> {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        let (database_url, pg) = fresh_database_url(db, &data)?;
        Some(Cli {
            _root: root,
            data,
            cwd: tempfile::tempdir().unwrap(),
            database_url,
            _pg: pg,
        })
    }

    pub(crate) fn data(&self) -> &Path {
        &self.data
    }

    /// Runs `safetable --data-dir DIR ARGS…` with stdin closed.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        run(self.data(), Some(&self.database_url), self.cwd.path(), args)
    }

    /// Runs and asserts success; returns stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "safetable {args:?} failed ({:?}):\n{}\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn settings(&self) -> Settings {
        let mut s = Settings::load(self.data(), None).unwrap();
        s.database_url = self.database_url.clone();
        s
    }

    pub(crate) fn store(&self) -> safetable::store::Store {
        safetable::store::Store::open(&self.database_url).unwrap()
    }
}

fn command(data_dir: &Path, database_url: Option<&str>, cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_safetable"));
    cmd.arg("--data-dir").arg(data_dir).args(args);
    for var in [
        "SAFETABLE_DATABASE_URL",
        "SAFETABLE_DATA_DIR",
        "SAFETABLE_BIND",
        "SAFETABLE_RECIPIENTS",
        "SAFETABLE_RULES_DIR",
        "SAFETABLE_INDEX_DIR",
        "SAFETABLE_WORKERS",
    ] {
        cmd.env_remove(var);
    }
    if let Some(url) = database_url.filter(|u| u.starts_with("postgres")) {
        cmd.env("SAFETABLE_DATABASE_URL", url);
    }
    cmd.env("RUST_LOG", "warn").current_dir(cwd);
    cmd
}

pub(crate) fn run(
    data_dir: &Path,
    database_url: Option<&str>,
    cwd: &Path,
    args: &[&str],
) -> Output {
    command(data_dir, database_url, cwd, args)
        .stdin(Stdio::null())
        .output()
        .expect("run the safetable binary")
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub(crate) fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or("").trim()
}

#[cfg(unix)]
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn init_users_and_tokens_work_against_a_server(db: Db) {
    let Some(cli) = Cli::new(db) else {
        return;
    };
    // Before init there is no SQLite database to work on, and the message says what to do.
    if db == Db::Sqlite {
        let out = cli.run(&["org", "add", "Too Early"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("safetable init"),
            "{}",
            text(&out.stderr)
        );
        assert!(!cli.data().exists());
    }
    let out = cli.ok(&["init"]);
    assert!(
        cli.data().is_dir(),
        "init did not create the data directory"
    );
    #[cfg(unix)]
    assert_eq!(mode(cli.data()), 0o700, "data directory mode");
    let identity = cli.data().join("custodian-identity.txt");
    assert!(identity.exists(), "no identity file: {out}");
    assert!(
        out.contains(&identity.display().to_string()),
        "init does not print the identity's path: {out}"
    );
    assert!(
        out.contains("MOVE IT OFF THIS SERVER"),
        "init does not warn to move the identity: {out}"
    );
    #[cfg(unix)]
    assert_eq!(mode(&identity), 0o600, "identity file mode");
    let identity_text = std::fs::read_to_string(&identity).unwrap();
    assert!(identity_text.contains("AGE-SECRET-KEY-1"));
    let recipients = std::fs::read_to_string(cli.data().join("recipients.txt")).unwrap();
    assert!(recipients.trim().starts_with("age1"), "{recipients}");
    assert!(
        !recipients.contains("AGE-SECRET-KEY"),
        "the server-side file holds the secret"
    );
    // A second init keeps the existing recipients and does not make a new identity.
    let again = cli.ok(&["init"]);
    assert!(!again.contains("MOVE IT OFF"), "{again}");
    assert_eq!(std::fs::read_to_string(&identity).unwrap(), identity_text);

    let out = cli.ok(&["org", "add", "Mercy Test Hospital"]);
    assert!(out.contains("Mercy Test Hospital"), "{out}");
    cli.ok(&["org", "add", "The PSO"]);
    let dup = cli.run(&["org", "add", "Mercy Test Hospital"]);
    assert!(
        !dup.status.success(),
        "a duplicate organization was created"
    );

    let out = cli.ok(&[
        "user",
        "add",
        "safety@mercy.invalid",
        "--org",
        "Mercy Test Hospital",
        "--role",
        "member",
    ]);
    assert!(out.contains("one-time password"), "{out}");
    let password = last_line(&out).to_owned();
    assert!(
        password.len() >= 12 && !password.contains(' '),
        "not a password on the last line: {out}"
    );
    cli.ok(&[
        "user",
        "add",
        "reporter@mercy.invalid",
        "--org",
        "Mercy Test Hospital",
        "--role",
        "contributor",
    ]);
    cli.ok(&[
        "user",
        "add",
        "curator@pso.invalid",
        "--org",
        "The PSO",
        "--role",
        "curator,faculty",
    ]);
    for bad in [
        vec![
            "user",
            "add",
            "x@y.invalid",
            "--org",
            "Nowhere",
            "--role",
            "member",
        ],
        vec![
            "user",
            "add",
            "x@y.invalid",
            "--org",
            "The PSO",
            "--role",
            "admin",
        ],
        vec![
            "user",
            "add",
            "safety@mercy.invalid",
            "--org",
            "The PSO",
            "--role",
            "member",
        ],
    ] {
        let out = cli.run(&bad);
        assert!(!out.status.success(), "{bad:?} succeeded");
        assert!(!text(&out.stderr).is_empty(), "{bad:?}: no message");
    }
    let out = cli.run(&["token", "create", "nobody@mercy.invalid"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no user"),
        "{}",
        text(&out.stderr)
    );

    let member = last_line(&cli.ok(&["token", "create", "safety@mercy.invalid"])).to_owned();
    let contributor = last_line(&cli.ok(&["token", "create", "reporter@mercy.invalid"])).to_owned();
    let curator = last_line(&cli.ok(&["token", "create", "curator@pso.invalid"])).to_owned();
    assert_ne!(member, contributor);
    for token in [&member, &contributor, &curator] {
        assert!(
            token.len() >= 20 && !token.contains(char::is_whitespace),
            "not a token alone on the last line: {token:?}"
        );
    }
    // Only the hash is stored.
    if db == Db::Sqlite {
        let mut bytes = std::fs::read(cli.data().join("safetable.db")).unwrap();
        if let Ok(wal) = std::fs::read(cli.data().join("safetable.db-wal")) {
            bytes.extend(wal);
        }
        assert!(
            !bytes.windows(member.len()).any(|w| w == member.as_bytes()),
            "the token is stored in clear"
        );
    }

    let server = Server::start(&cli.settings());
    let call = |method: &str, path: &str, token: Option<&str>, body: Option<&Value>| {
        let bytes = body.map(|b| b.to_string().into_bytes());
        crate::helpers::call(&server.base, method, path, token, bytes.as_deref())
    };
    assert_eq!(call("GET", "/search?q=heparin", Some(&member), None).0, 200);
    assert_eq!(
        call("GET", "/search?q=heparin", Some(&contributor), None).0,
        403
    );
    assert_eq!(
        call("GET", "/search?q=heparin", Some("st_forged"), None).0,
        401
    );
    let (status, body) = call("POST", "/cases", Some(&contributor), Some(&case_with(401)));
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let (status, _) = call(
        "POST",
        &format!("/cases/{id}/publish"),
        Some(&curator),
        None,
    );
    assert_eq!(status, 200);
    let (status, body) = call("GET", &format!("/cases/{id}"), Some(&member), None);
    assert_eq!(status, 200, "{body}");
    // The printed password is the user's, but a one-time one: the API asks for a new
    // password first (chosen at the browser's sign-in), and a wrong one is still wrong.
    let login = json!({"email": "safety@mercy.invalid", "password": password});
    let (status, body) = call("POST", "/tokens", None, Some(&login));
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "password_change_required", "{body}");
    let wrong = json!({"email": "safety@mercy.invalid", "password": "not-it"});
    assert_eq!(call("POST", "/tokens", None, Some(&wrong)).0, 401);
    server.stop();

    // Everything above is in the audit log, and it verifies.
    let out = cli.ok(&["audit", "verify"]);
    assert!(out.contains("intact"), "{out}");
    let (entries, _) = cli.store().audit_log().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    for want in [
        "org_create",
        "user_create",
        "token_create",
        "submit",
        "publish",
    ] {
        assert!(actions.contains(&want), "no {want} entry in {actions:?}");
    }
    // Nothing was written to the working directory.
    assert_eq!(std::fs::read_dir(cli.cwd.path()).unwrap().count(), 0);
}

fn import_reports_rejects_and_is_idempotent(db: Db) {
    let Some(cli) = Cli::new(db) else {
        return;
    };
    cli.ok(&["init"]);
    cli.ok(&["org", "add", "Importing Org"]);
    let mut bad = case_with(503);
    bad["event"]["harm"] = json!("catastrophic");
    let lines = [
        case_with(501).to_string(),
        case_with(502).to_string(),
        bad.to_string(),
        String::new(),
        case_with(504).to_string(),
        "{not json".to_owned(),
    ];
    let file = cli.data().join("batch.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let ids_out = cli.data().join("batch.ids.tsv");
    let args = [
        "import",
        file.to_str().unwrap(),
        "--org",
        "Importing Org",
        "--ids-out",
        ids_out.to_str().unwrap(),
    ];

    let read_ids = || -> Vec<(String, String, String)> {
        let tsv = std::fs::read_to_string(&ids_out).unwrap();
        let mut rows = tsv.lines();
        assert_eq!(rows.next(), Some("external_ref\tid\toutcome"), "{tsv}");
        rows.map(|r| {
            let f: Vec<&str> = r.split('\t').collect();
            assert_eq!(f.len(), 3, "{r}");
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned())
        })
        .collect()
    };

    let out = cli.run(&args);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "rejected lines must fail the import: {stdout}{stderr}"
    );
    assert!(
        stdout.contains("3 created") && stdout.contains("2 rejected"),
        "summary: {stdout}"
    );
    assert!(stdout.contains("0 already present"), "{stdout}");
    assert!(stdout.contains(&ids_out.display().to_string()), "{stdout}");
    assert!(
        stderr.contains("line 3"),
        "the bad line is not named: {stderr}"
    );
    assert!(
        stderr.contains("line 6"),
        "the malformed line is not named: {stderr}"
    );
    assert!(stderr.contains("event.harm"), "{stderr}");
    assert!(
        !stderr.contains("catastrophic"),
        "the value is echoed: {stderr}"
    );
    let first = read_ids();
    let refs: Vec<String> = [501, 502, 504]
        .iter()
        .map(|n| case_with(*n)["external_ref"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        first.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        refs,
        "{first:?}"
    );
    for (_, id, outcome) in &first {
        assert_eq!(outcome, "created");
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
    }
    #[cfg(unix)]
    assert_eq!(mode(&ids_out), 0o600, "the ids file holds case numbers");
    let store = cli.store();
    let stored = |store: &safetable::store::Store| {
        let filter = safetable::store::CaseFilter {
            limit: 1000,
            ..Default::default()
        };
        let mut ids: Vec<String> = store
            .list_cases(&filter)
            .unwrap()
            .into_iter()
            .map(|c| c.id.to_string())
            .collect();
        ids.sort();
        ids
    };
    let mut want: Vec<String> = first.iter().map(|r| r.1.clone()).collect();
    want.sort();
    assert_eq!(stored(&store), want);

    // Again: nothing new, the same ids reported as already present.
    let out = cli.run(&args);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("0 created") && stdout.contains("3 already present"),
        "{stdout}"
    );
    let second = read_ids();
    assert_eq!(second.len(), 3);
    for (a, b) in first.iter().zip(&second) {
        assert_eq!((&a.0, &a.1), (&b.0, &b.1));
        assert_eq!(b.2, "already-present");
    }
    assert_eq!(stored(&store), want, "a second import stored new cases");

    // A clean file exits 0.
    let clean = cli.data().join("clean.jsonl");
    std::fs::write(&clean, format!("{}\n", case_with(505))).unwrap();
    let clean_ids = cli.data().join("clean.ids.tsv");
    let out = cli.ok(&[
        "import",
        clean.to_str().unwrap(),
        "--org",
        "Importing Org",
        "--ids-out",
        clean_ids.to_str().unwrap(),
    ]);
    assert!(out.contains("1 created"), "{out}");
    assert_eq!(stored(&store).len(), 4);
    // An unknown organization is refused before anything is read.
    let out = cli.run(&[
        "import",
        clean.to_str().unwrap(),
        "--org",
        "Nobody",
        "--ids-out",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no organization"));
    assert_eq!(std::fs::read_dir(cli.cwd.path()).unwrap().count(), 0);
    cli.ok(&["audit", "verify"]);
}

/// A PostgreSQL copy of a database (`CREATE DATABASE … TEMPLATE …`), dropped at the end.
pub(crate) struct PgCopy {
    pub(crate) url: String,
    _database: crate::helpers::PgDatabase,
}

impl PgCopy {
    pub(crate) fn of(url: &str, suffix: usize) -> PgCopy {
        let admin = std::env::var("SAFETABLE_TEST_POSTGRES_URL").unwrap();
        let (base, source) = url.rsplit_once('/').unwrap();
        let name = format!("{source}_copy{suffix}");
        let mut conn = diesel::PgConnection::establish(&admin).unwrap();
        // The template must have no other sessions; the last command's may still be
        // closing.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            match diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {source}"))
                .execute(&mut conn)
            {
                Ok(_) => break,
                Err(e) if std::time::Instant::now() < deadline => {
                    assert!(e.to_string().contains("being accessed"), "{e}");
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => panic!("copy the database: {e}"),
            }
        }
        PgCopy {
            url: format!("{base}/{name}"),
            _database: crate::helpers::PgDatabase::adopt(admin, name),
        }
    }
}

/// Runs SQL directly on a database, behind the application's back.
pub(crate) fn tamper(database_url: &str, sql: &str) {
    use diesel::connection::SimpleConnection;
    match database_url.strip_prefix("sqlite://") {
        Some(path) => diesel::SqliteConnection::establish(path)
            .unwrap()
            .batch_execute(sql)
            .unwrap(),
        None => diesel::PgConnection::establish(database_url)
            .unwrap()
            .batch_execute(sql)
            .unwrap(),
    }
}

fn audit_verify_names_the_first_broken_entry(db: Db) {
    let Some(cli) = Cli::new(db) else {
        return;
    };
    cli.ok(&["init"]);
    cli.ok(&["org", "add", "Org T"]);
    for (i, email) in ["a@t.invalid", "b@t.invalid", "c@t.invalid"]
        .iter()
        .enumerate()
    {
        let role = ["member", "contributor", "curator"][i];
        cli.ok(&["user", "add", email, "--org", "Org T", "--role", role]);
        cli.ok(&["token", "create", email]);
    }
    let file = cli.data().join("t.jsonl");
    std::fs::write(&file, format!("{}\n{}\n", case_with(601), case_with(602))).unwrap();
    let ids = cli.data().join("t.ids.tsv");
    cli.ok(&[
        "import",
        file.to_str().unwrap(),
        "--org",
        "Org T",
        "--ids-out",
        ids.to_str().unwrap(),
    ]);
    let (entries, _) = cli.store().audit_log().unwrap();
    let n = entries.len() as i64;
    assert!(n >= 9, "{n} entries");
    let out = cli.ok(&["audit", "verify"]);
    assert!(out.contains(&format!("{n} entries")), "{out}");

    let cases: &[(&str, String, i64)] = &[
        (
            "changed detail",
            "UPDATE audit_log SET detail = '{\"reason\":\"nothing to see\"}' WHERE seq = 4;"
                .to_owned(),
            4,
        ),
        (
            "changed actor",
            "UPDATE audit_log SET actor = 'user:1' WHERE seq = 7;".to_owned(),
            7,
        ),
        (
            "deleted entry",
            "DELETE FROM audit_log WHERE seq = 5;".to_owned(),
            5,
        ),
        (
            "deleted newest entry",
            format!("DELETE FROM audit_log WHERE seq = {n};"),
            n,
        ),
        (
            "swapped entries",
            "CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq IN (3, 6);
             UPDATE audit_log SET (at, actor, action, subject, detail, prev_hash, hash) =
               (SELECT at, actor, action, subject, detail, prev_hash, hash FROM t
                WHERE t.seq = CASE audit_log.seq WHEN 3 THEN 6 ELSE 3 END)
             WHERE seq IN (3, 6);"
                .to_owned(),
            3,
        ),
        (
            "swapped sequence numbers",
            "UPDATE audit_log SET seq = -1 WHERE seq = 2;
             UPDATE audit_log SET seq = 2 WHERE seq = 3;
             UPDATE audit_log SET seq = 3 WHERE seq = -1;"
                .to_owned(),
            2,
        ),
        (
            "rehashed entry without the head",
            // A forger who recomputes nothing still breaks the next link.
            "UPDATE audit_log SET hash = prev_hash WHERE seq = 6;".to_owned(),
            6,
        ),
    ];
    for (i, (what, sql, seq)) in cases.iter().enumerate() {
        // Each tampering on a fresh copy: `backup` for SQLite, a template for PostgreSQL.
        let copy_dir = tempfile::tempdir().unwrap();
        let (copy_url, _pg_copy) = match db {
            Db::Sqlite => {
                let copy = copy_dir.path().join("safetable.db");
                cli.ok(&["backup", copy.to_str().unwrap()]);
                (format!("sqlite://{}", copy.display()), None)
            }
            Db::Postgres => {
                let copy = PgCopy::of(&cli.database_url, i);
                (copy.url.clone(), Some(copy))
            }
        };
        let verify = || {
            run(
                copy_dir.path(),
                Some(&copy_url),
                cli.cwd.path(),
                &["audit", "verify"],
            )
        };
        // The untouched copy verifies.
        let out = verify();
        assert!(
            out.status.success(),
            "{what}: untouched copy: {}",
            text(&out.stdout)
        );
        tamper(&copy_url, sql);
        let out = verify();
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{what}: not detected: {stdout}");
        assert!(
            stdout.contains(&format!("broken at entry {seq}:")),
            "{what}: expected entry {seq} to be named: {stdout}"
        );
    }
    // The original is untouched and still verifies.
    cli.ok(&["audit", "verify"]);
}

#[derive(diesel::QueryableByName)]
struct Ciphertext {
    #[diesel(sql_type = diesel::sql_types::Binary)]
    ciphertext: Vec<u8>,
}

/// The stored ciphertext of a case, read from the table directly.
fn ciphertext(database_url: &str, id: &str) -> Vec<u8> {
    let rows = ciphertexts(database_url, id);
    assert_eq!(rows.len(), 1, "one sealed original for {id}");
    rows.into_iter().next().unwrap()
}

/// Every stored ciphertext row of a case.
fn ciphertexts(database_url: &str, id: &str) -> Vec<Vec<u8>> {
    let rows: Vec<Ciphertext> = if let Some(path) = database_url.strip_prefix("sqlite://") {
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        diesel::sql_query("SELECT ciphertext FROM sealed_originals WHERE case_id = ?")
            .bind::<diesel::sql_types::Text, _>(id)
            .load(&mut conn)
            .unwrap()
    } else {
        let mut conn = diesel::PgConnection::establish(database_url).unwrap();
        diesel::sql_query("SELECT ciphertext FROM sealed_originals WHERE case_id = $1")
            .bind::<diesel::sql_types::Text, _>(id)
            .load(&mut conn)
            .unwrap()
    };
    rows.into_iter().map(|r| r.ciphertext).collect()
}

fn sealed_originals_decrypt_with_the_age_command(db: Db) {
    crate::harness::require(crate::harness::Needs::Age);
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let case = case_with(701);
    let id = app.submit("contributor", &case);
    let sealed = ciphertext(&app.settings.database_url, &id);
    assert!(
        sealed.starts_with(b"age-encryption.org/v1\n"),
        "not an age file"
    );
    let name = case["patient"]["name"].as_str().unwrap();
    assert!(
        !sealed.windows(name.len()).any(|w| w == name.as_bytes()),
        "the name is in the ciphertext"
    );
    let file = app.dir.path().join("original.age");
    std::fs::write(&file, &sealed).unwrap();
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&app.identity)
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "age -d failed: {}", text(&out.stderr));
    let original: Value = serde_json::from_slice(&out.stdout).expect("the original is JSON");
    assert_eq!(original["external_ref"], case["external_ref"]);
    assert_eq!(original["patient"]["name"], case["patient"]["name"]);
    assert_eq!(original["event"]["summary"], case["event"]["summary"]);

    // Another identity cannot open it.
    let other = app.dir.path().join("other-identity.txt");
    safetable::seal::generate_identity(&other).unwrap();
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&other)
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a foreign identity decrypted the original"
    );
    assert!(out.stdout.is_empty());
}

fn original_decrypt_prints_the_original_and_is_audited(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let case = case_with(702);
    let id = app.submit("contributor", &case);
    let url = Some(app.settings.database_url.as_str());
    let cwd = tempfile::tempdir().unwrap();
    let identity = app.identity.to_str().unwrap();
    let decrypts = || {
        let store = safetable::store::Store::open(&app.settings.database_url).unwrap();
        let (entries, _) = store.audit_log().unwrap();
        entries
            .into_iter()
            .filter(|e| e.action == "decrypt")
            .collect::<Vec<_>>()
    };
    let reason = "family asked for a review of the pump programming";

    let out = run(
        app.dir.path(),
        url,
        cwd.path(),
        &[
            "original",
            "decrypt",
            &id,
            "--identity",
            identity,
            "--reason",
            reason,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let original: Value = serde_json::from_slice(&out.stdout).expect("the original is JSON");
    assert_eq!(original["external_ref"], case["external_ref"]);
    assert_eq!(original["patient"]["mrn"], case["patient"]["mrn"]);
    let entries = decrypts();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].subject.as_deref(), Some(id.as_str()));
    assert_eq!(entries[0].actor, "cli");
    assert!(entries[0].detail.contains(reason), "{}", entries[0].detail);
    // Who ran it, on the operating system, and with which custodian key.
    let detail: Value = serde_json::from_str(&entries[0].detail).unwrap();
    let recipient = std::fs::read_to_string(app.settings.recipients_file()).unwrap();
    assert_eq!(
        detail["custodian_key"],
        json!([recipient.trim()]),
        "{detail}"
    );
    #[cfg(unix)]
    assert_eq!(detail["os_user"]["uid"], json!(rustix_uid()), "{detail}");
    assert!(detail["os_user"]["name"].is_string(), "{detail}");
    let out = run(app.dir.path(), url, cwd.path(), &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stdout));

    // Without a reason clap refuses; a reason too short, a foreign identity and an
    // unknown case are refused too; none of them decrypts or records a decryption.
    let other = app.dir.path().join("other-identity.txt");
    safetable::seal::generate_identity(&other).unwrap();
    let unknown = "0123456789abcdef0123456789abcdef";
    for (args, code, needle) in [
        (
            vec!["original", "decrypt", &id, "--identity", identity],
            2,
            "--reason",
        ),
        (
            vec![
                "original",
                "decrypt",
                &id,
                "--identity",
                identity,
                "--reason",
                "x",
            ],
            1,
            "--reason",
        ),
        (
            vec![
                "original",
                "decrypt",
                &id,
                "--identity",
                other.to_str().unwrap(),
                "--reason",
                reason,
            ],
            1,
            "decrypt",
        ),
        (
            vec![
                "original",
                "decrypt",
                unknown,
                "--identity",
                identity,
                "--reason",
                reason,
            ],
            1,
            unknown,
        ),
    ] {
        let out = run(app.dir.path(), url, cwd.path(), &args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            out.stdout.is_empty(),
            "{args:?} printed: {}",
            text(&out.stdout)
        );
        assert!(
            text(&out.stderr).contains(needle),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert_eq!(decrypts().len(), 1, "a refused decryption was recorded");

    // Withdrawal destroys the ciphertext: break-glass has nothing left to open.
    let (status, _) = app.call("DELETE", &format!("/cases/{id}"), Some("contributor"), None);
    assert_eq!(status, 204);
    assert!(
        ciphertexts(&app.settings.database_url, &id).is_empty(),
        "the ciphertext of a withdrawn case is still stored"
    );
    let out = run(
        app.dir.path(),
        url,
        cwd.path(),
        &[
            "original",
            "decrypt",
            &id,
            "--identity",
            identity,
            "--reason",
            reason,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("no sealed original"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(decrypts().len(), 1);
}

/// The real uid of this process (the test runs the binary as the same user).
#[cfg(unix)]
fn rustix_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    // A file this process just created is owned by its effective uid; in the test
    // environment real and effective uid agree.
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::metadata(f.path()).unwrap().uid()
}

fn original_export_writes_a_file_the_age_command_decrypts(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let case = case_with(703);
    let id = app.submit("contributor", &case);
    let url = Some(app.settings.database_url.as_str());
    let cwd = tempfile::tempdir().unwrap();
    let file = cwd.path().join("original.age");
    let out = run(
        app.dir.path(),
        url,
        cwd.path(),
        &["original", "export", &id, "--out", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read(&file).unwrap();
    assert_eq!(
        written,
        ciphertext(&app.settings.database_url, &id),
        "not the stored ciphertext"
    );
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600, "export file mode");
    let name = case["patient"]["name"].as_str().unwrap();
    assert!(!text(&out.stdout).contains(name), "{}", text(&out.stdout));
    // Audited, with the operating-system user.
    let store = safetable::store::Store::open(&app.settings.database_url).unwrap();
    let (entries, _) = store.audit_log().unwrap();
    let export: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "original_export")
        .collect();
    assert_eq!(export.len(), 1, "{export:?}");
    assert_eq!(export[0].subject.as_deref(), Some(id.as_str()));
    assert!(export[0].detail.contains("os_user"), "{}", export[0].detail);
    // An existing file is never overwritten, an unknown case is refused.
    let out = run(
        app.dir.path(),
        url,
        cwd.path(),
        &["original", "export", &id, "--out", file.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("exists"),
        "{}",
        text(&out.stderr)
    );
    let other = cwd.path().join("other.age");
    let out = run(
        app.dir.path(),
        url,
        cwd.path(),
        &[
            "original",
            "export",
            "0123456789abcdef0123456789abcdef",
            "--out",
            other.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!other.exists());
    crate::harness::require(crate::harness::Needs::Age);
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&app.identity)
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "age -d failed: {}", text(&out.stderr));
    let original: Value = serde_json::from_slice(&out.stdout).expect("the original is JSON");
    assert_eq!(original["external_ref"], case["external_ref"]);
    assert_eq!(original["patient"]["name"], case["patient"]["name"]);
    assert_eq!(original["event"]["summary"], case["event"]["summary"]);
}

fn audit_list_filters_by_action_actor_subject_time_and_count(db: Db) {
    let Some(cli) = Cli::new(db) else {
        return;
    };
    cli.ok(&["init"]);
    cli.ok(&["org", "add", "Org L"]);
    cli.ok(&["org", "add", "Org M"]);
    cli.ok(&[
        "user",
        "add",
        "l@t.invalid",
        "--org",
        "Org L",
        "--role",
        "member",
    ]);
    cli.ok(&["token", "create", "l@t.invalid"]);
    let lines = |args: &[&str]| -> Vec<Value> {
        let mut all = vec!["audit", "list"];
        all.extend_from_slice(args);
        cli.ok(&all)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let all = lines(&[]);
    assert_eq!(all.len(), 4, "{all:?}");
    let orgs = lines(&["--action", "org_create"]);
    assert_eq!(orgs.len(), 2);
    assert!(orgs.iter().all(|e| e["action"] == "org_create"));
    assert_eq!(lines(&["--actor", "cli"]).len(), 4);
    assert_eq!(lines(&["--actor", "user:1"]).len(), 0);
    let subject = all[1]["subject"].as_str().unwrap().to_owned();
    let about = lines(&["--subject", &subject]);
    assert_eq!(about.len(), 1);
    assert_eq!(about[0]["seq"], all[1]["seq"]);
    let last_two = lines(&["--limit", "2"]);
    assert_eq!(
        last_two
            .iter()
            .map(|e| e["seq"].clone())
            .collect::<Vec<_>>(),
        vec![all[2]["seq"].clone(), all[3]["seq"].clone()],
        "the newest two, oldest first"
    );
    assert_eq!(lines(&["--since", "2000-01-01"]).len(), 4);
    assert_eq!(lines(&["--since", "2999-01-01T00:00:00Z"]).len(), 0);
    let out = cli.run(&["audit", "list", "--action", "nonsense"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("org_create"),
        "{}",
        text(&out.stderr)
    );
    let out = cli.run(&["audit", "list", "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(1));
}

fn backup_and_restore_lose_nothing(db: Db) {
    let Some(mut app) = TestApp::spawn(db) else {
        return;
    };
    let cwd = tempfile::tempdir().unwrap();
    let url = Some(app.settings.database_url.as_str());
    if db == Db::Postgres {
        let dest = cwd.path().join("pg.db");
        let out = run(
            app.dir.path(),
            url,
            cwd.path(),
            &["backup", dest.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(1));
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("PostgreSQL") && stderr.contains("pg_dump"),
            "the refusal does not say what to use: {stderr}"
        );
        assert!(!dest.exists());
        return;
    }

    let mut ids = Vec::new();
    for n in 801..807 {
        ids.push(app.submit("contributor", &case_with(n)));
    }
    for id in &ids[..3] {
        app.publish(id);
    }
    let comment = json!({"comment": "Please add the review findings."}).to_string();
    let (status, _) = app.call(
        "POST",
        &format!("/cases/{}/return", ids[3]),
        Some("curator"),
        Some(comment.as_bytes()),
    );
    assert_eq!(status, 200);
    assert_eq!(
        app.call(
            "DELETE",
            &format!("/cases/{}", ids[4]),
            Some("contributor"),
            None
        )
        .0,
        204
    );
    app.wait_indexed(3);
    let (_, before_search) = app.call("GET", "/search?limit=100", Some("member"), None);
    assert_eq!(before_search["total"], 3);
    let (_, before_list) = app.call("GET", "/cases?limit=100", Some("curator"), None);
    let views_of = |app: &TestApp, list: &Value| -> Vec<(String, Value)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let id = c["id"].as_str().unwrap().to_owned();
                let (status, view) =
                    app.call("GET", &format!("/cases/{id}"), Some("curator"), None);
                assert_eq!(status, 200);
                (id, view)
            })
            .collect()
    };
    let before_views = views_of(&app, &before_list);
    assert_eq!(before_views.len(), 5, "{before_list}");

    // The backup, while the server runs.
    let restored = tempfile::tempdir().unwrap();
    let dest = restored.path().join("safetable.db");
    let out = run(
        app.dir.path(),
        url,
        cwd.path(),
        &["backup", dest.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("backup written"));
    // Not over an existing file.
    let out = run(
        app.dir.path(),
        url,
        cwd.path(),
        &["backup", dest.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("exists"),
        "{}",
        text(&out.stderr)
    );
    app.stop();

    // The restore: the backup and the keys beside it, then a fresh index.
    for f in ["recipients.txt", "pseudonym.key"] {
        std::fs::copy(app.dir.path().join(f), restored.path().join(f)).unwrap();
    }
    let out = run(restored.path(), None, cwd.path(), &["reindex"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("reindexed 3 published cases"),
        "{}",
        text(&out.stdout)
    );
    let out = run(restored.path(), None, cwd.path(), &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stdout));

    let settings = Settings::load(restored.path(), None).unwrap();
    app.settings = settings;
    app.server = Some(Server::start(&app.settings));
    app.wait_indexed(3);
    let (status, after_list) = app.call("GET", "/cases?limit=100", Some("curator"), None);
    assert_eq!(status, 200, "the tokens do not survive: {after_list}");
    let status_of = |list: &Value| -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().to_owned(),
                    c["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(status_of(&after_list), status_of(&before_list));
    let after_views = views_of(&app, &after_list);
    let mut a = before_views.clone();
    let mut b = after_views.clone();
    a.sort_by(|x, y| x.0.cmp(&y.0));
    b.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(a, b, "shared views differ after restore");
    let (_, after_search) = app.call("GET", "/search?limit=100", Some("member"), None);
    let hit_set = |r: &Value| -> std::collections::BTreeSet<String> {
        r["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(hit_set(&after_search), hit_set(&before_search));
    assert_eq!(
        hit_set(&after_search),
        ids[..3].iter().cloned().collect(),
        "search does not find the published cases"
    );
    let (_, r) = app.call("GET", "/search?q=heparin", Some("member"), None);
    assert_eq!(r["total"], 3, "{r}");
    // The withdrawn case stays withdrawn.
    assert_eq!(
        app.call("GET", &format!("/cases/{}", ids[4]), Some("curator"), None)
            .0,
        404
    );
    // The organization still finds its case by its number (the pseudonym key came along).
    let reference = case_with(802)["external_ref"].as_str().unwrap().to_owned();
    let (_, list) = app.call(
        "GET",
        &format!("/cases?external_ref={reference}"),
        Some("contributor"),
        None,
    );
    assert_eq!(list[0]["id"], ids[1].as_str(), "{list}");
    // The sealed originals came along.
    let out = run(
        restored.path(),
        None,
        cwd.path(),
        &[
            "original",
            "decrypt",
            &ids[5],
            "--identity",
            app.identity.to_str().unwrap(),
            "--reason",
            "restore drill",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let original: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(original["external_ref"], case_with(806)["external_ref"]);
    app.stop();
    let out = run(restored.path(), None, cwd.path(), &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0);
}

/// Runs `safetable redact` with `input` on stdin.
fn redact(input: &str) -> Output {
    redact_with(input, &[])
}

/// Runs `safetable redact EXTRA…` with `input` on stdin.
fn redact_with(input: &str, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<&str> = std::iter::once("redact")
        .chain(extra.iter().copied())
        .collect();
    let mut child = command(dir.path(), None, dir.path(), &args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let owned = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(owned.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    // `redact` needs no data directory, database or network.
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "redact wrote files"
    );
    out
}

fn redact_writes_one_line_per_input_line() {
    let mut wrong = case_with(902);
    wrong["patient"]["age_years"] = json!("old");
    let input = [
        case_with(901).to_string(),
        "{\"schema_version\": ".to_owned(),
        wrong.to_string(),
        case_with(903).to_string(),
    ]
    .join("\n")
        + "\n";
    let out = redact(&input);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    for (i, n) in [(0, 901), (3, 903)] {
        let view = &lines[i];
        assert!(view.get("error").is_none(), "line {i}: {view}");
        assert_eq!(view["event"]["year"], 2024);
        assert_eq!(view["patient"]["age_band"], "60-69");
        assert!(view.get("external_ref").is_none());
        assert!(view["patient"].get("name").is_none());
        assert!(view.get("facility").is_none());
        let text = view.to_string();
        assert!(!text.contains(&format!("REF-{}", crate::helpers::letters(n))));
    }
    assert!(lines[1]["error"].is_string(), "{}", lines[1]);
    assert!(lines[2]["error"].is_string(), "{}", lines[2]);
    assert!(
        lines[2]["error"]
            .as_str()
            .unwrap()
            .contains("patient.age_years"),
        "{}",
        lines[2]
    );
    assert!(!lines[2].to_string().contains("old\""));

    // All good: exit 0, same count; nothing in, nothing out.
    let good = format!("{}\n{}\n", case_with(904), case_with(905));
    let out = redact(&good);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 2);
    let out = redact("");
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    // The same input gives the same output.
    assert_eq!(redact(&good).stdout, redact(&good).stdout);
}

/// `reredact` replaces a view the current pipeline would write differently, sends a
/// published case whose new view found more back to review and out of search, leaves an
/// unchanged case alone, and audits every case.
fn reredact_updates_changed_views_and_reviews_new_finds(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let stale = app.submit("contributor", &case_with(801));
    let fresh = app.submit("contributor", &case_with(802));
    app.publish(&stale);
    app.publish(&fresh);
    app.wait_indexed(2);
    let store = safetable::store::Store::open(&app.settings.database_url).unwrap();
    let stale_id: safetable::case::CaseId = stale.parse().unwrap();
    let fresh_id: safetable::case::CaseId = fresh.parse().unwrap();
    let current = store.case(&stale_id).unwrap().unwrap();
    // What an older pipeline would have written: the same text, fewer spans found.
    let mut older = current.view.clone();
    older.redaction.counts.clear();
    older.redaction.rule_set_version = "2020.01.01-1".into();
    store
        .replace_view(
            &stale_id,
            &older,
            "{}",
            false,
            &safetable::audit::AuditEvent::new(
                "test",
                safetable::audit::AuditAction::Reredact,
                Some(stale.clone()),
            ),
        )
        .unwrap();
    let reredacts = || {
        let (entries, _) = store.audit_log().unwrap();
        entries
            .into_iter()
            .filter(|e| e.action == "reredact" && e.actor == "cli")
            .collect::<Vec<_>>()
    };
    assert!(reredacts().is_empty());

    let cwd = tempfile::tempdir().unwrap();
    let url = Some(app.settings.database_url.as_str());
    let out = run(
        app.dir.path(),
        url,
        cwd.path(),
        &["reredact", "--identity", app.identity.to_str().unwrap()],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", text(&out.stderr));
    assert!(
        stdout.contains("2 cases, 1 unchanged, 1 updated (1 back in review)"),
        "{stdout}"
    );
    let after = store.case(&stale_id).unwrap().unwrap();
    assert_eq!(after.status, safetable::case::CaseStatus::InReview);
    assert_eq!(
        after.view, current.view,
        "the current pipeline's view is back"
    );
    let untouched = store.case(&fresh_id).unwrap().unwrap();
    assert_eq!(untouched.status, safetable::case::CaseStatus::Published);
    let entries = reredacts();
    let mut subjects: Vec<_> = entries.iter().filter_map(|e| e.subject.clone()).collect();
    subjects.sort();
    let mut expected = vec![stale.clone(), fresh.clone()];
    expected.sort();
    assert_eq!(subjects, expected, "one audit entry per case");
    // The case back in review leaves search on the next follow.
    app.wait_indexed(1);
    let out = run(app.dir.path(), url, cwd.path(), &["audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    // A foreign identity decrypts nothing and changes nothing.
    let other = app.dir.path().join("other-identity.txt");
    safetable::seal::generate_identity(&other).unwrap();
    let out = run(
        app.dir.path(),
        url,
        cwd.path(),
        &["reredact", "--identity", other.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("0 updated"),
        "{}",
        text(&out.stdout)
    );
}

/// A panic inside the pipeline (here one provoked on purpose, quoting the summary the way
/// a bad string slice does) refuses that line with `{"error": …}`, and the binary's panic
/// hook prints where it happened, never the panic's message.
fn redact_refuses_a_case_the_pipeline_panics_on_and_never_prints_the_panic_message() {
    let canary = "Zorbatcanary Quillanecanary 7731415926";
    let mut case = case_with(907);
    case["event"]["summary"] = json!(format!("{canary} fell on 3/14/2024."));
    let input = format!("{case}\n{{\"schema_version\": \n");
    let out = redact_with(&input, &["--fail-every-case"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let refusal = lines[0]["error"].as_str().unwrap_or_default();
    assert!(refusal.contains("could not be redacted"), "{}", lines[0]);
    assert!(lines[0].get("event").is_none(), "{}", lines[0]);
    assert!(lines[1]["error"].is_string(), "{}", lines[1]);
    // The hook ran (the panic was real) and named only the place.
    assert!(stderr.contains("withheld"), "{stderr}");
    assert!(stderr.contains("src/redaction/fault.rs:"), "{stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
    for part in canary.split(' ') {
        assert!(
            !stderr.contains(part),
            "the panic message was printed: {stderr}"
        );
        assert!(!stdout.contains(part), "case text in the output: {stdout}");
    }
}

backend_tests!(
    init_users_and_tokens_work_against_a_server,
    reredact_updates_changed_views_and_reviews_new_finds,
    import_reports_rejects_and_is_idempotent,
    audit_verify_names_the_first_broken_entry,
    original_decrypt_prints_the_original_and_is_audited,
    audit_list_filters_by_action_actor_subject_time_and_count,
    backup_and_restore_lose_nothing,
);

/// The tests that decrypt with the `age` command.
mod with_age {
    use super::*;
    backend_tests!(needs [Age]:
        sealed_originals_decrypt_with_the_age_command,
        original_export_writes_a_file_the_age_command_decrypts,
    );
}

/// `safetable demo` as a child process on a random port, with `env` set; returns its
/// printed lines up to the API line, and the child (killed on drop by the caller).
fn start_demo(args: &[&str], env: &[(&str, &str)]) -> (std::process::Child, Vec<String>) {
    use std::io::BufRead;
    let cwd = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_safetable"));
    cmd.args(["demo", "--bind", "127.0.0.1:0", "--cases", "12"])
        .args(args)
        .current_dir(cwd.path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start safetable demo");
    let stdout = child.stdout.take().unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.contains("/healthz");
        lines.push(line);
        if done {
            break;
        }
    }
    (child, lines)
}

fn demo_uses_its_own_database_prints_a_sign_in_per_role_and_honours_the_data_dir() {
    let root = tempfile::tempdir().unwrap();
    let elsewhere = root.path().join("real.db");
    let dir = root.path().join("demo");
    let (mut child, lines) = start_demo(
        &["--data-dir", dir.to_str().unwrap()],
        &[
            (
                "SAFETABLE_DATABASE_URL",
                &format!("sqlite://{}", elsewhere.display()),
            ),
            // Ignored like the rest of the environment: the demo makes its own custodian
            // identity, the case in which `init` and `serve` raise the alarm.
            ("SAFETABLE_RECIPIENTS", "age1notarecipient"),
        ],
    );
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        std::io::Read::read_to_string(&mut err, &mut stderr).unwrap();
    }
    let text = lines.join("\n");
    assert!(
        dir.join("custodian-identity.txt").exists(),
        "the demo made no custodian identity of its own"
    );
    // Neither `init`'s alarm ("MOVE IT OFF THIS SERVER NOW") nor `serve`'s warning ("a
    // custodian identity file sits in the data directory: move it off the server"), on
    // standard output or in the log.
    for out in [&text, &stderr] {
        let lower = out.to_lowercase();
        for alarm in [
            "move it off this server",
            "move it off the server",
            "custodian identity file sits in the data directory",
        ] {
            assert!(!lower.contains(alarm), "the demo raised {alarm:?}: {out}");
        }
    }
    assert!(text.contains("/healthz"), "the demo never served: {text}");
    assert!(
        !elsewhere.exists(),
        "the demo wrote into the database of the environment"
    );
    assert!(
        dir.join("safetable.db").exists(),
        "the demo ignored --data-dir"
    );
    for role in ["curator", "contributor", "member", "faculty"] {
        let line = lines
            .iter()
            .find(|l| l.trim_start().starts_with(role) && l.contains("@demo.invalid"))
            .unwrap_or_else(|| panic!("no sign-in line for {role}: {text}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words.len(), 3, "{line}");
        assert_eq!(words[1], format!("{role}@demo.invalid"));
        assert_eq!(words[2].len(), 20, "{line}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("open http://127.0.0.1:") && l.contains("in a browser")),
        "{text}"
    );
    // A directory the demo did not make is refused, and left as it was.
    let real = root.path().join("real");
    std::fs::create_dir_all(&real).unwrap();
    std::fs::write(real.join("safetable.db"), b"not the demo's").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_safetable"))
        .args([
            "demo",
            "--bind",
            "127.0.0.1:0",
            "--data-dir",
            real.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("did not make"));
    assert_eq!(
        std::fs::read(real.join("safetable.db")).unwrap(),
        b"not the demo's"
    );
}

crate::tests!(
    demo_uses_its_own_database_prints_a_sign_in_per_role_and_honours_the_data_dir,
    redact_writes_one_line_per_input_line,
    redact_refuses_a_case_the_pipeline_panics_on_and_never_prints_the_panic_message,
);
