//! Spawning the real application for a test: a fresh data directory, a fresh database
//! (a temp SQLite file, or a new PostgreSQL database when `SAFETABLE_TEST_POSTGRES_URL`
//! is set), the server on 127.0.0.1 and a random port, one user per role.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use safetable::app::App;
use safetable::config::Settings;
use safetable::index::SearchIndex;
use safetable::intake::Intake;
use safetable::web::Application;
use serde_json::Value;

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// The embedded rule set, compiled once for the whole test process.
pub fn rules() -> &'static safetable::redaction::RuleSet {
    static RULES: std::sync::OnceLock<safetable::redaction::RuleSet> = std::sync::OnceLock::new();
    RULES.get_or_init(safetable::redaction::RuleSet::embedded)
}

/// Registers a test body once per backend: `backend_tests!(name);` expects
/// `fn name(db: Db)`, and gives `module::sqlite::name` and `module::postgres::name`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        $crate::backend_tests!(needs []: $($name),+);
    };
    (needs $needs:tt: $($name:ident),+ $(,)?) => {
        mod sqlite {
            $(pub fn $name() { super::$name($crate::helpers::Db::Sqlite) })+
        }
        mod postgres {
            $(pub fn $name() { super::$name($crate::helpers::Db::Postgres) })+
        }
        $(inventory::submit! { $crate::harness::Case {
            module: module_path!(), name: concat!("sqlite::", stringify!($name)),
            needs: $crate::needs_list!($needs), manual: false, run: sqlite::$name,
        } })+
        $(inventory::submit! { $crate::harness::Case {
            module: module_path!(), name: concat!("postgres::", stringify!($name)),
            needs: $crate::needs_list!(@with Postgres $needs),
            manual: false, run: postgres::$name,
        } })+
    };
}

/// A fresh database for `db`. The runner ([`crate::harness`]) sets
/// `SAFETABLE_TEST_POSTGRES_URL` or reports the PostgreSQL tests as ignored; a PostgreSQL
/// test that runs without it (in CI) fails here.
pub fn fresh_database_url(db: Db, dir: &Path) -> Option<(String, Option<PgDatabase>)> {
    match db {
        Db::Sqlite => Some((
            format!("sqlite://{}", dir.join("safetable.db").display()),
            None,
        )),
        Db::Postgres => {
            let Ok(admin) = std::env::var("SAFETABLE_TEST_POSTGRES_URL") else {
                panic!("no PostgreSQL for this test: SAFETABLE_TEST_POSTGRES_URL is not set and none could be started (see the runner's notice)");
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
    app: Option<App>,
    pub index: Arc<SearchIndex>,
}

impl Server {
    /// Starts a server over `settings` on a random loopback port.
    pub fn start(settings: &Settings) -> Server {
        let app = App::build_with(settings, Duration::from_millis(200)).expect("open the app");
        let index = app.index.clone();
        let services = app.services.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = Application::build("127.0.0.1:0", 2, services).expect("bind");
                let port = server.port();
                let server = server.into_server();
                tx.send((port, server.handle())).unwrap();
                let _ = server.await;
            })
        });
        let (port, handle) = rx.recv().expect("server started");
        Server {
            base: format!("http://127.0.0.1:{port}/api/v1"),
            handle,
            thread: Some(thread),
            app: Some(app),
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
        if let Some(app) = self.app.take() {
            app.stop();
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
    /// `member` (org A), `member_b` (org B), `faculty`.
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
        let repo = Intake::open(&settings).unwrap();
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
            ("member_b", b.id, "member"),
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
                    false,
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
