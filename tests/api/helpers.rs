//! Spawning the real application for a test: a fresh data directory, a fresh database
//! (a temp SQLite file, or a new PostgreSQL database when `SAFETABLE_TEST_POSTGRES_URL`
//! is set), the server on 127.0.0.1 and a random port, one user per role.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use safetable::config::Settings;
use safetable::follow::Follower;
use safetable::index::{IndexSettings, SearchIndex};
use safetable::repository::Repository;
use safetable::web::Application;
use serde_json::Value;

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs a test body once per backend: `backend_tests!(name);` expects `fn name(db: Db)`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name($crate::helpers::Db::Sqlite) })+
        }
        mod postgres {
            $(#[test] fn $name() { super::$name($crate::helpers::Db::Postgres) })+
        }
    };
}

/// A fresh database for `db`, or `None` (with a loud notice) when PostgreSQL is not
/// configured outside CI. In CI a missing PostgreSQL fails the test.
pub fn fresh_database_url(db: Db, dir: &Path) -> Option<(String, Option<PgDatabase>)> {
    match db {
        Db::Sqlite => Some((
            format!("sqlite://{}", dir.join("safetable.db").display()),
            None,
        )),
        Db::Postgres => {
            let Ok(admin) = std::env::var("SAFETABLE_TEST_POSTGRES_URL") else {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true but SAFETABLE_TEST_POSTGRES_URL is not set: PostgreSQL tests cannot be skipped in CI");
                }
                eprintln!("\n*** SKIPPED: PostgreSQL test (set SAFETABLE_TEST_POSTGRES_URL to run it) ***\n");
                return None;
            };
            let name = format!("safetable_test_{}", safetable::case::CaseId::random());
            let mut conn =
                diesel::PgConnection::establish(&admin).expect("connect to the test PostgreSQL");
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .expect("create a test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
            Some((format!("{base}/{name}"), Some(PgDatabase { admin, name })))
        }
    }
}

/// A PostgreSQL database dropped when the test ends.
pub struct PgDatabase {
    admin: String,
    name: String,
}

impl PgDatabase {
    /// Takes charge of dropping `name`, created by the caller through `admin`.
    pub fn adopt(admin: String, name: String) -> Self {
        PgDatabase { admin, name }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::PgConnection::establish(&self.admin) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

/// A running server.
pub struct Server {
    pub base: String,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    follower: Option<Follower>,
    pub index: Arc<SearchIndex>,
}

impl Server {
    /// Starts a server over `settings` on a random loopback port.
    pub fn start(settings: &Settings) -> Server {
        let repo = Repository::open(settings).expect("open the repository");
        std::fs::create_dir_all(&settings.index_dir).unwrap();
        let index = Arc::new(
            SearchIndex::open(&settings.index_dir, &IndexSettings::embedded())
                .expect("open the index"),
        );
        let follower = Follower::spawn(
            repo.store.clone(),
            index.clone(),
            Duration::from_millis(200),
        );
        let nudge = follower.nudger();
        let (tx, rx) = std::sync::mpsc::channel();
        let idx = index.clone();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build("127.0.0.1:0", 2, repo, idx, nudge).expect("bind");
                let port = app.port();
                let server = app.into_server();
                tx.send((port, server.handle())).unwrap();
                let _ = server.await;
            })
        });
        let (port, handle) = rx.recv().expect("server started");
        Server {
            base: format!("http://127.0.0.1:{port}/api/v1"),
            handle,
            thread: Some(thread),
            follower: Some(follower),
            index,
        }
    }

    /// Stops the server and its follower.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(thread) = self.thread.take() {
            let handle = self.handle.clone();
            actix_web::rt::System::new().block_on(handle.stop(true));
            let _ = thread.join();
        }
        if let Some(f) = self.follower.take() {
            f.stop();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The application with its users, for one test.
pub struct TestApp {
    pub server: Option<Server>,
    pub settings: Settings,
    pub dir: tempfile::TempDir,
    pub identity: PathBuf,
    /// Tokens by name: `curator`, `contributor` (org A), `contributor_b` (org B),
    /// `member`, `faculty`.
    pub tokens: HashMap<&'static str, String>,
    _pg: Option<PgDatabase>,
}

impl TestApp {
    /// A fresh application on `db`; `None` when that backend is not available here.
    pub fn spawn(db: Db) -> Option<TestApp> {
        let dir = tempfile::tempdir().unwrap();
        let (url, pg) = fresh_database_url(db, dir.path())?;
        let mut settings = Settings::load(dir.path(), None).unwrap();
        settings.database_url = url;
        let identity = dir.path().join("custodian-identity.txt");
        let recipients = safetable::seal::generate_identity(&identity).unwrap();
        std::fs::write(settings.recipients_file(), recipients.to_lines()).unwrap();
        // What `init` does: the pseudonym key, the migrations, private modes.
        safetable::setup::initialize(&settings).unwrap();
        let repo = Repository::open(&settings).unwrap();
        let store = &repo.store;
        let pso = store.create_org("The PSO", "test").unwrap();
        let a = store.create_org("Org A", "test").unwrap();
        let b = store.create_org("Org B", "test").unwrap();
        let mut tokens = HashMap::new();
        for (name, org, roles) in [
            ("curator", pso.id, "curator"),
            ("contributor", a.id, "contributor"),
            ("contributor_b", b.id, "contributor"),
            ("member", a.id, "member"),
            ("faculty", b.id, "faculty"),
        ] {
            let email = format!("{name}@test.invalid");
            let roles = safetable::auth::Roles::parse(roles).unwrap();
            let user = store
                .create_user(
                    &email,
                    org,
                    &roles,
                    &safetable::seal::hash_password("pw-12345"),
                    "test",
                )
                .unwrap();
            let token = safetable::seal::ApiToken::generate();
            store.create_token(user, &token.hash(), "test").unwrap();
            tokens.insert(name, token.reveal().to_owned());
        }
        drop(repo);
        let server = Server::start(&settings);
        Some(TestApp {
            server: Some(server),
            settings,
            dir,
            identity,
            tokens,
            _pg: pg,
        })
    }

    pub fn base(&self) -> &str {
        &self.server.as_ref().expect("server running").base
    }

    /// The server's root URL, `http://127.0.0.1:PORT` (the browser application).
    pub fn root(&self) -> String {
        self.base().trim_end_matches("/api/v1").to_owned()
    }

    pub fn token(&self, who: &str) -> &str {
        self.tokens
            .get(who)
            .map(String::as_str)
            .unwrap_or("st_nobody")
    }

    /// Sends a request as `who` (`None`: no Authorization header); returns status and
    /// JSON body (`Null` when the body is not JSON).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        who: Option<&str>,
        body: Option<&[u8]>,
    ) -> (u16, Value) {
        call(self.base(), method, path, who.map(|w| self.token(w)), body)
    }

    /// Submits a case as `who` and returns its id (asserting 201).
    pub fn submit(&self, who: &str, case: &Value) -> String {
        let (status, body) = self.call(
            "POST",
            "/cases",
            Some(who),
            Some(&serde_json::to_vec(case).unwrap()),
        );
        assert_eq!(status, 201, "submit failed: {body}");
        body["id"].as_str().unwrap().to_owned()
    }

    /// Publishes a case as the curator (asserting 200).
    pub fn publish(&self, id: &str) {
        let (status, body) = self.call(
            "POST",
            &format!("/cases/{id}/publish"),
            Some("curator"),
            None,
        );
        assert_eq!(status, 200, "publish failed: {body}");
    }

    /// Waits until the index holds `n` documents.
    pub fn wait_indexed(&self, n: u64) {
        let index = &self.server.as_ref().unwrap().index;
        let deadline = Instant::now() + Duration::from_secs(20);
        while index.doc_count() != n {
            assert!(
                Instant::now() < deadline,
                "index holds {} documents, expected {n}",
                index.doc_count()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (files stay for inspection).
    pub fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop();
        }
    }
}

/// One HTTP request with a raw token.
pub fn call(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&[u8]>,
) -> (u16, Value) {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let mut req = agent.request(method, &format!("{base}{path}"));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    let result = match body {
        Some(b) => req.set("Content-Type", "application/json").send_bytes(b),
        None => req.call(),
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("request {method} {path} failed: {e}"),
    };
    let status = response.status();
    let text = response.into_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Lower-case letters that spell `n` (a unique, letter-only name part).
pub fn letters(mut n: u32) -> String {
    let mut out = String::new();
    for _ in 0..4 {
        out.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
    }
    out
}

/// The identifiers planted in `case_with(n)`, as they appear in the case.
pub fn planted(n: u32) -> Vec<String> {
    let t = letters(n);
    let d = format!("{n:04}");
    vec![
        format!("Zorbat{t}"),
        format!("Quillane{t}"),
        format!("Vexley{t}"),
        format!("Ardent{t}"),
        format!("77{d}31"),
        format!("555-01{d}"),
        format!("zq{t}@example.org"),
        format!("Glimmerton{t}"),
        format!("Brisk{t}ville"),
        format!("REF-{t}-{d}"),
    ]
}

/// A valid case with planted identifiers; every identifier is unique to `n`.
pub fn case_with(n: u32) -> Value {
    let t = letters(n);
    let d = format!("{n:04}");
    serde_json::json!({
        "schema_version": "1",
        "external_ref": format!("REF-{t}-{d}"),
        "closed_on": "2024-06-30",
        "event": {
            "occurred_on": "2024-03-14",
            "discovered_on": "2024-03-15",
            "category": "medication",
            "harm": "moderate",
            "setting": "inpatient",
            "service": "cardiology",
            "summary": format!("Zorbat{t} Quillane{t} (MRN 77{d}31) received heparin at ten times the ordered rate on 3/14/2024 at 03:10 on 4 West at Glimmerton{t} Hospital. Nurse Vexley{t} stopped the Alaris pump and called the daughter at 555-01{d}. Mrs. Quillane{t} recovered."),
        },
        "patient": {
            "name": format!("Zorbat{t} Quillane{t}"),
            "mrn": format!("77{d}31"),
            "age_years": 67,
            "sex": "female",
            "email": format!("zq{t}@example.org"),
            "address": { "city": format!("Brisk{t}ville"), "state": "OH" },
        },
        "people": [
            { "name": format!("Ardent{t} Vexley{t}"), "role": "RN" },
            { "name": format!("Ola{t} Quillane{t}"), "role": "daughter", "phone": format!("555-01{d}") },
        ],
        "facility": { "name": format!("Glimmerton{t} Hospital"), "unit": "4 West", "city": format!("Brisk{t}ville"), "state": "OH" },
        "review": { "method": "rca2", "standard_of_care_met": "no", "contributing_factors": ["equipment-device"], "findings": "The pump library was bypassed on override." },
        "lessons_learned": "Smart pump hard limits for heparin prevent tenfold rate errors.",
        "improvement_actions": [
            { "description": "Hard limits for heparin in the Alaris drug library", "strength": "stronger", "status": "implemented" }
        ]
    })
}
