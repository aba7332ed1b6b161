//! Confidentiality beyond the case text: what the service writes to its logs, its audit
//! log and its data directory, and what it refuses to start with.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::backend_tests;
use crate::helpers::{call, Db, TestApp};

/// `safetable serve` as a child process on a random port, its stderr (the logs) going to a
/// file.
struct LoggedServe {
    child: Child,
    base: String,
    log: PathBuf,
}

impl LoggedServe {
    fn start(app: &TestApp, log: PathBuf) -> LoggedServe {
        let file = std::fs::File::create(&log).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_safetable"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("SAFETABLE_DATA_DIR", app.dir.path())
            .env("SAFETABLE_DATABASE_URL", &app.settings.database_url)
            .env("SAFETABLE_INDEX_DIR", &app.settings.index_dir)
            .env("RUST_LOG", "debug")
            .env_remove("SAFETABLE_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(file))
            .spawn()
            .expect("start safetable serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("serve exited before listening")
                .expect("read serve output");
            if let Some(url) = line
                .split_whitespace()
                .find(|w| w.starts_with("http://") && w.ends_with("/healthz"))
            {
                break url.trim_end_matches("/healthz").to_owned();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        LoggedServe { child, base, log }
    }

    /// Stops the server and returns everything it logged.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for LoggedServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn access_log_names_the_route_never_the_path_or_query(db: Db) {
    let Some(mut app) = TestApp::spawn(db) else {
        return;
    };
    app.stop();
    let serve = LoggedServe::start(&app, app.dir.path().join("serve.log"));
    let (member, contributor) = (app.token("member"), app.token("contributor"));
    let canaries = [
        "Qzorbcanaryq",
        "Qzorbcanaryref",
        "Qzorbcanarypath",
        "Qzorbcanaryunrouted",
    ];
    let (status, _) = call(
        &serve.base,
        "GET",
        &format!("/search?q={}+heparin", canaries[0]),
        Some(member),
        None,
    );
    assert_eq!(status, 200);
    let (status, _) = call(
        &serve.base,
        "GET",
        &format!("/cases?external_ref={}", canaries[1]),
        Some(contributor),
        None,
    );
    assert_eq!(status, 200);
    let (status, _) = call(
        &serve.base,
        "GET",
        &format!("/cases/{}?x={}", canaries[2], canaries[1]),
        Some(member),
        None,
    );
    // An unknown parameter is refused before the path is looked at.
    assert_eq!(status, 400);
    let (status, _) = call(
        &serve.base,
        "GET",
        &format!("/nowhere/{}", canaries[3]),
        None,
        None,
    );
    assert_eq!(status, 404);
    let log = serve.stop();
    for canary in canaries {
        assert!(
            !log.to_lowercase().contains(&canary.to_lowercase()),
            "the log holds {canary}:\n{log}"
        );
    }
    // The requests were logged, by route pattern, with their status.
    assert!(log.contains("/api/v1/search"), "no access log line:\n{log}");
    assert!(
        log.contains("/api/v1/cases/{id}"),
        "no route pattern:\n{log}"
    );
    assert!(log.contains("404"), "no status:\n{log}");
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        out.push(path.clone());
        if path.is_dir() {
            files_under(&path, out);
        }
    }
}

/// `safetable ARGS…` against the test application's data directory and database.
pub(crate) fn safetable(app: &TestApp, args: &[&str]) -> std::process::Output {
    safetable_in(app.dir.path(), &app.settings.database_url, args, None)
}

/// `safetable --data-dir DIR ARGS…`, under `umask` when given.
pub(crate) fn safetable_in(
    data: &Path,
    database_url: &str,
    args: &[&str],
    umask: Option<&str>,
) -> std::process::Output {
    let mut cmd = match umask {
        Some(mask) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("umask {mask} && exec \"$0\" \"$@\""))
                .arg(env!("CARGO_BIN_EXE_safetable"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_safetable")),
    };
    cmd.arg("--data-dir").arg(data).args(args);
    for var in [
        "SAFETABLE_DATA_DIR",
        "SAFETABLE_RECIPIENTS",
        "SAFETABLE_RULES_DIR",
        "SAFETABLE_INDEX_DIR",
        "SAFETABLE_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("SAFETABLE_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .current_dir(data)
        .stdin(Stdio::null())
        .output()
        .expect("run safetable")
}

fn search_text_is_kept_in_the_audit_log_only_as_a_keyed_digest(db: Db) {
    let Some(mut app) = TestApp::spawn(db) else {
        return;
    };
    let canary = "Qzorbmarlowe";
    let (status, _) = app.call(
        "GET",
        &format!("/search?q={canary}+Heparin&category=medication&harm=moderate,severe"),
        Some("member"),
        None,
    );
    assert_eq!(status, 200);
    app.stop();

    let key = safetable::seal::PseudonymKey::load(&app.settings.pseudonym_key_file()).unwrap();
    let store = safetable::store::Store::open(&app.settings.database_url).unwrap();
    let (entries, (seq, hash)) = store.audit_log().unwrap();
    let search: Vec<_> = entries.iter().filter(|e| e.action == "search").collect();
    assert_eq!(search.len(), 1, "{entries:?}");
    let detail: serde_json::Value = serde_json::from_str(&search[0].detail).unwrap();
    let want = key.query_digest(&format!("  {} heparin", canary.to_uppercase()));
    assert_eq!(detail["query"], want.as_str(), "{detail}");
    assert!(want
        .as_str()
        .starts_with(&format!("{}:", key.id().as_str())));
    assert_eq!(
        detail["filters"]["category"],
        serde_json::json!(["medication"])
    );
    assert_eq!(
        detail["filters"]["harm"],
        serde_json::json!(["moderate", "severe"])
    );
    for e in &entries {
        assert!(
            !format!("{e:?}").to_lowercase().contains("qzorbmarlowe"),
            "the audit log holds the typed text: {e:?}"
        );
    }
    assert_eq!(
        safetable::audit::verify(&entries, Some((seq, &hash))),
        Ok(entries.len() as u64)
    );
    // The operator's view of the log says the same.
    let out = safetable(&app, &["audit", "list"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{listed}");
    assert_eq!(listed.lines().count(), entries.len(), "{listed}");
    assert!(listed.contains(want.as_str()), "{listed}");
    assert!(!listed.to_lowercase().contains("qzorbmarlowe"), "{listed}");
    let out = safetable(&app, &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Nor is it anywhere in the files.
    if db == Db::Sqlite {
        let mut files = Vec::new();
        files_under(app.dir.path(), &mut files);
        for f in files.iter().filter(|f| f.is_file()) {
            let bytes = std::fs::read(f).unwrap().to_ascii_lowercase();
            assert!(
                !bytes.windows(canary.len()).any(|w| w == b"qzorbmarlowe"),
                "{} holds the search text",
                f.display()
            );
        }
    }
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every file under `dir` is 0600 and every directory 0700 (the paths that are not).
fn not_private(dir: &Path) -> Vec<String> {
    let mut all = vec![dir.to_path_buf()];
    files_under(dir, &mut all);
    all.iter()
        .filter_map(|p| {
            let m = std::fs::symlink_metadata(p).ok()?;
            let want = if m.is_dir() { 0o700 } else { 0o600 };
            let got = mode(p);
            (got != want).then(|| format!("{} is {got:04o}", p.display()))
        })
        .collect()
}

pub(crate) fn ok(out: std::process::Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn data_directory_files_are_private_whatever_the_umask(db: Db) {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let Some((url, _pg)) = crate::helpers::fresh_database_url(db, &data) else {
        return;
    };
    let run = |args: &[&str]| safetable_in(&data, &url, args, Some("000"));
    std::fs::create_dir_all(&data).unwrap();
    chmod(&data, 0o755);
    ok(run(&["init"]), "init");
    assert_eq!(not_private(&data), Vec::<String>::new(), "after init");
    ok(run(&["org", "add", "Org P"]), "org add");
    ok(
        run(&[
            "user",
            "add",
            "p@test.invalid",
            "--org",
            "Org P",
            "--role",
            "curator,member",
        ]),
        "user add",
    );
    let token = ok(run(&["token", "create", "p@test.invalid"]), "token create");
    let token = token.lines().last().unwrap().trim().to_owned();

    // Files that already exist, more open than they should be.
    let ids = root.path().join("cases.ids.tsv");
    std::fs::write(&ids, "old\n").unwrap();
    chmod(&ids, 0o644);
    for f in ["recipients.txt", "index"] {
        chmod(&data.join(f), 0o755);
    }
    if db == Db::Sqlite {
        chmod(&data.join("safetable.db"), 0o644);
    }
    let cases = root.path().join("cases.jsonl");
    let lines: Vec<String> = (700..703)
        .map(|n| crate::helpers::case_with(n).to_string())
        .collect();
    std::fs::write(&cases, lines.join("\n")).unwrap();
    ok(
        run(&[
            "import",
            cases.to_str().unwrap(),
            "--org",
            "Org P",
            "--publish",
            "--ids-out",
            ids.to_str().unwrap(),
        ]),
        "import",
    );
    assert_eq!(mode(&ids), 0o600, "the ids file");
    assert_eq!(not_private(&data), Vec::<String>::new(), "after import");

    // The server, while it runs: the database's WAL and shared memory, the index.
    if db == Db::Sqlite {
        chmod(&data.join("safetable.db"), 0o644);
    }
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("umask 000 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_safetable"))
        .arg("--data-dir")
        .arg(&data)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("SAFETABLE_DATABASE_URL", &url)
        .env_remove("SAFETABLE_INDEX_DIR")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("serve exited").unwrap();
        if let Some(u) = line
            .split_whitespace()
            .find(|w| w.starts_with("http://") && w.ends_with("/healthz"))
        {
            break u.trim_end_matches("/healthz").to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, body) = call(&base, "GET", "/search?q=heparin", Some(&token), None);
        assert_eq!(status, 200, "{body}");
        if body["total"] == 3 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never indexed: {body}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    if db == Db::Sqlite {
        assert!(data.join("safetable.db-wal").exists());
    }
    let open = not_private(&data);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(open, Vec::<String>::new(), "while serving");

    if db == Db::Sqlite {
        let backup = root.path().join("backup.db");
        ok(run(&["backup", backup.to_str().unwrap()]), "backup");
        assert_eq!(mode(&backup), 0o600, "the backup");
    }
}

fn serve_and_import_refuse_a_missing_or_open_pseudonym_key(db: Db) {
    let Some(mut app) = TestApp::spawn(db) else {
        return;
    };
    app.stop();
    let key = app.settings.pseudonym_key_file();
    let saved = std::fs::read(&key).unwrap();
    let cases = app.dir.path().join("k.jsonl");
    std::fs::write(&cases, crate::helpers::case_with(710).to_string()).unwrap();
    let ids = app.dir.path().join("k.ids.tsv");
    let import = [
        "import",
        cases.to_str().unwrap(),
        "--org",
        "Org A",
        "--ids-out",
        ids.to_str().unwrap(),
    ];
    let serve = ["serve", "--bind", "127.0.0.1:0"];

    std::fs::remove_file(&key).unwrap();
    for args in [&import[..], &serve[..]] {
        let out = safetable(&app, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?} started: {err}");
        assert!(
            err.contains("pseudonym.key") && err.contains("safetable init"),
            "{args:?}: {err}"
        );
        assert!(!key.exists(), "{args:?} made up a key of its own");
    }
    std::fs::write(&key, &saved).unwrap();
    chmod(&key, 0o644);
    for args in [&import[..], &serve[..]] {
        let out = safetable(&app, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?} started: {err}");
        assert!(
            err.contains(&format!("chmod 600 {}", key.display())),
            "{args:?}: {err}"
        );
    }
    chmod(&key, 0o600);
    let out = ok(safetable(&app, &import), "import with the key back");
    assert!(out.contains("1 created"), "{out}");
}

/// The `ref_digest` column of a query's rows.
fn digests(db: Db, url: &str, sql: &str) -> Vec<String> {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        ref_digest: String,
    }
    let rows = match db {
        Db::Sqlite => {
            let mut c =
                diesel::SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap();
            diesel::sql_query(sql).load::<Row>(&mut c).unwrap()
        }
        Db::Postgres => {
            let mut c = diesel::PgConnection::establish(url).unwrap();
            diesel::sql_query(sql).load::<Row>(&mut c).unwrap()
        }
    };
    rows.into_iter().map(|r| r.ref_digest).collect()
}

/// Digests of case numbers start with the key's id; digests stored before they did are
/// still found.
fn stored_digests_carry_the_key_id(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let case = crate::helpers::case_with(720);
    let reference = case["external_ref"].as_str().unwrap().to_owned();
    let id = app.submit("contributor", &case);
    let key = safetable::seal::PseudonymKey::load(&app.settings.pseudonym_key_file()).unwrap();
    let url = &app.settings.database_url;
    let query = |sql: &str| digests(db, url, sql);
    let stored = query("SELECT ref_digest FROM cases");
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0].starts_with(&format!("{}:", key.id().as_str())),
        "{stored:?}"
    );
    assert!(!stored[0].contains(&reference));
    let path = format!("/cases?external_ref={reference}");
    let (status, list) = app.call("GET", &path, Some("contributor"), None);
    assert_eq!(status, 200);
    assert_eq!(list[0]["id"], id.as_str(), "{list}");

    // A digest written before key ids: the bare hex.
    query("UPDATE cases SET ref_digest = substr(ref_digest, 10) RETURNING ref_digest");
    assert_eq!(query("SELECT ref_digest FROM cases")[0].len(), 64);
    let (_, list) = app.call("GET", &path, Some("contributor"), None);
    assert_eq!(
        list[0]["id"],
        id.as_str(),
        "an old digest is not found: {list}"
    );
    let (status, body) = app.call(
        "POST",
        "/cases",
        Some("contributor"),
        Some(case.to_string().as_bytes()),
    );
    assert_eq!(
        status, 409,
        "an old digest no longer refuses duplicates: {body}"
    );
}

/// After a rotation (the key moved to `pseudonym-retired/`, `init` makes a new one),
/// what the old key made is still found and recognized; new digests use the new key.
fn a_rotated_key_still_finds_and_recognizes_what_it_made(db: Db) {
    let Some(mut app) = TestApp::spawn(db) else {
        return;
    };
    let old_case = crate::helpers::case_with(730);
    let reference = old_case["external_ref"].as_str().unwrap().to_owned();
    let id = app.submit("contributor", &old_case);
    app.stop();
    let key_file = app.settings.pseudonym_key_file();
    let old = safetable::seal::PseudonymKey::load(&key_file).unwrap();
    let retired = app.settings.retired_keys_dir();
    std::fs::create_dir(&retired).unwrap();
    std::fs::rename(&key_file, retired.join("2026-12.key")).unwrap();
    let out = ok(safetable(&app, &["init"]), "init after rotation");
    assert!(out.contains("pseudonym key created"), "{out}");
    let new = safetable::seal::PseudonymKey::load(&key_file).unwrap();
    assert_ne!(old.id(), new.id());

    app.server = Some(crate::helpers::Server::start(&app.settings));
    let path = format!("/cases?external_ref={reference}");
    let (_, list) = app.call("GET", &path, Some("contributor"), None);
    assert_eq!(
        list[0]["id"],
        id.as_str(),
        "not found after rotation: {list}"
    );
    let (status, _) = app.call(
        "POST",
        "/cases",
        Some("contributor"),
        Some(old_case.to_string().as_bytes()),
    );
    assert_eq!(status, 409);
    // The same case again is recognized as the same, a different one as a conflict.
    let file = app.dir.path().join("again.jsonl");
    let ids = app.dir.path().join("again.ids.tsv");
    let import = [
        "import",
        file.to_str().unwrap(),
        "--org",
        "Org A",
        "--ids-out",
        ids.to_str().unwrap(),
    ];
    std::fs::write(&file, old_case.to_string()).unwrap();
    let out = ok(safetable(&app, &import), "import of the same case");
    assert!(out.contains("1 already present"), "{out}");
    let mut different = old_case.clone();
    different["event"]["harm"] = serde_json::json!("severe");
    std::fs::write(&file, different.to_string()).unwrap();
    let out = safetable(&app, &import);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 conflicts"));

    let new_id = app.submit("contributor", &crate::helpers::case_with(731));
    let url = &app.settings.database_url;
    let stored = digests(
        db,
        url,
        &format!("SELECT ref_digest FROM cases WHERE id = '{new_id}'"),
    );
    assert!(
        stored[0].starts_with(&format!("{}:", new.id().as_str())),
        "{stored:?}"
    );
    let stored = digests(
        db,
        url,
        &format!("SELECT ref_digest FROM cases WHERE id = '{id}'"),
    );
    assert!(
        stored[0].starts_with(&format!("{}:", old.id().as_str())),
        "{stored:?}"
    );
}

/// An organization's aliases, given with the CLI, are redacted in its cases as
/// `[FACILITY]`; another organization's cases keep the words.
fn organization_aliases_are_redacted_in_its_cases(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let out = safetable(&app, &["org", "alias", "add", "Org A", "SRMC"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = safetable(&app, &["org", "alias", "add", "Org A", "Tower Six North"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = safetable(&app, &["org", "alias", "list", "Org A"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "SRMC\nTower Six North\n"
    );
    // The same alias twice is refused; an unknown organization too.
    assert!(!safetable(&app, &["org", "alias", "add", "Org A", "SRMC"])
        .status
        .success());
    assert!(!safetable(&app, &["org", "alias", "add", "Nobody", "X1"])
        .status
        .success());
    let out = safetable(
        &app,
        &[
            "org",
            "add",
            "Org C",
            "--alias",
            "OCH",
            "--alias",
            "Old Crown",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = safetable(&app, &["org", "alias", "list", "Org C"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "OCH\nOld Crown\n");

    let mut case = crate::helpers::case_with(3);
    case["lessons_learned"] = serde_json::json!(
        "The SRMC M&M review found that Tower Six North had no smart pump library."
    );
    // The server has not read Org A's names yet: it reads them with this case.
    let id = app.submit("contributor", &case);
    let (_, view) = app.call("GET", &format!("/cases/{id}"), Some("curator"), None);
    let lessons = view["lessons_learned"].as_str().unwrap();
    assert!(
        !lessons.contains("SRMC") && !lessons.contains("Tower Six North"),
        "{lessons}"
    );
    assert!(lessons.contains("[FACILITY]"), "{lessons}");
    assert!(lessons.contains("smart pump library"), "{lessons}");
    // Org B's case keeps them: they are Org A's names, not everyone's.
    let id = app.submit("contributor_b", &case);
    let (_, view) = app.call("GET", &format!("/cases/{id}"), Some("curator"), None);
    assert!(view["lessons_learned"]
        .as_str()
        .unwrap()
        .contains("Tower Six North"));
    // The audit log records that an alias was added, never the alias.
    let store = safetable::store::Store::open(&app.settings.database_url).unwrap();
    let (entries, _) = store.audit_log().unwrap();
    let aliases: Vec<_> = entries.iter().filter(|e| e.action == "org_alias").collect();
    assert_eq!(aliases.len(), 4);
    for e in entries {
        assert!(
            !e.detail.contains("SRMC") && !e.detail.contains("Six North"),
            "{}",
            e.detail
        );
    }
}

backend_tests!(
    organization_aliases_are_redacted_in_its_cases,
    a_rotated_key_still_finds_and_recognizes_what_it_made,
    access_log_names_the_route_never_the_path_or_query,
    search_text_is_kept_in_the_audit_log_only_as_a_keyed_digest,
    data_directory_files_are_private_whatever_the_umask,
    serve_and_import_refuse_a_missing_or_open_pseudonym_key,
    stored_digests_carry_the_key_id,
);
