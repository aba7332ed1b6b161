//! Several servers on one store, restarts and crashes: each server keeps its own index and
//! follows the store's ordered change log.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::backend_tests;
use crate::helpers::{call, case_with, Db, Server, TestApp};

/// The ids a member finds with an empty query (every indexed case), via `base`.
fn indexed_ids(base: &str, member: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut offset = 0;
    loop {
        let (status, body) = call(
            base,
            "GET",
            &format!("/search?limit=100&offset={offset}"),
            Some(member),
            None,
        );
        assert_eq!(status, 200, "{body}");
        let hits = body["hits"].as_array().cloned().unwrap_or_default();
        ids.extend(
            hits.iter()
                .filter_map(|h| h["id"].as_str().map(str::to_owned)),
        );
        offset += 100;
        if hits.is_empty() || offset as u64 >= body["total"].as_u64().unwrap_or(0) {
            return ids;
        }
    }
}

/// The ids of published cases according to the store (as a curator lists them).
fn published_ids(base: &str, curator: &str) -> BTreeSet<String> {
    let (status, body) = call(
        base,
        "GET",
        "/cases?status=published&limit=1000",
        Some(curator),
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["cases"]
        .as_array()
        .or_else(|| body.as_array())
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect()
}

/// Polls until `f` holds or the deadline passes; returns whether it held.
fn eventually(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn publish(base: &str, curator: &str, id: &str) {
    let (status, body) = call(
        base,
        "POST",
        &format!("/cases/{id}/publish"),
        Some(curator),
        None,
    );
    assert_eq!(status, 200, "{body}");
}

fn a_case_published_on_one_server_is_found_on_another(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let mut settings_b = app.settings.clone();
    settings_b.index_dir = app.dir.path().join("index-b");
    let b = Server::start(&settings_b);
    let (curator, member) = (app.token("curator"), app.token("member"));

    let id = app.submit("contributor", &case_with(500));
    publish(app.base(), curator, &id);
    let started = Instant::now();
    assert!(
        eventually(Duration::from_secs(5), || indexed_ids(&b.base, member)
            .contains(&id)),
        "server B never found the case published through A"
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "B found it only after {took:?}"
    );

    // Withdrawal through B disappears from A.
    let (status, _) = call(
        &b.base,
        "DELETE",
        &format!("/cases/{id}"),
        Some(curator),
        None,
    );
    assert_eq!(status, 204);
    assert!(
        eventually(Duration::from_secs(5), || indexed_ids(app.base(), member)
            .is_empty()),
        "server A still finds a case withdrawn through B"
    );
    b.stop();
}

fn a_server_that_was_down_catches_up(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let mut settings_b = app.settings.clone();
    settings_b.index_dir = app.dir.path().join("index-b");
    let (curator, member) = (app.token("curator"), app.token("member"));

    let first: Vec<String> = (510..513)
        .map(|n| app.submit("contributor", &case_with(n)))
        .collect();
    for id in &first {
        publish(app.base(), curator, id);
    }
    let b = Server::start(&settings_b);
    assert!(eventually(Duration::from_secs(5), || indexed_ids(
        &b.base, member
    )
    .len()
        == 3));
    b.stop();

    // While B is down: three more published, one of the first withdrawn.
    let more: Vec<String> = (513..516)
        .map(|n| app.submit("contributor", &case_with(n)))
        .collect();
    for id in &more {
        publish(app.base(), curator, id);
    }
    let (status, _) = call(
        app.base(),
        "DELETE",
        &format!("/cases/{}", first[0]),
        Some(curator),
        None,
    );
    assert_eq!(status, 204);

    let b = Server::start(&settings_b);
    let expected: BTreeSet<String> = first[1..].iter().chain(&more).cloned().collect();
    assert!(
        eventually(Duration::from_secs(5), || indexed_ids(&b.base, member)
            == expected),
        "after restart B holds {:?}, expected {expected:?}",
        indexed_ids(&b.base, member)
    );
    assert_eq!(published_ids(&b.base, curator), expected);
    b.stop();
}

/// `safetable serve` as a child process on a random port.
struct ServeProcess {
    child: Child,
    base: String,
}

impl ServeProcess {
    fn start(app: &TestApp) -> ServeProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_safetable"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("SAFETABLE_DATA_DIR", app.dir.path())
            .env("SAFETABLE_DATABASE_URL", &app.settings.database_url)
            .env("SAFETABLE_INDEX_DIR", &app.settings.index_dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
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
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        ServeProcess { child, base }
    }

    fn kill9(mut self) {
        // Child::kill sends SIGKILL on Unix: no shutdown code runs.
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A publication that may fail because the server died under it.
fn try_publish(base: &str, curator: &str, id: &str) -> Option<u16> {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .build();
    match agent
        .post(&format!("{base}/cases/{id}/publish"))
        .set("Authorization", &format!("Bearer {curator}"))
        .call()
    {
        Ok(r) => Some(r.status()),
        Err(ureq::Error::Status(s, _)) => Some(s),
        Err(_) => None,
    }
}

fn killed_during_bulk_publish_the_index_recovers_exactly(db: Db) {
    let Some(mut app) = TestApp::spawn(db) else {
        return;
    };
    let ids: Vec<String> = (520..680)
        .map(|n| app.submit("contributor", &case_with(n)))
        .collect();
    let curator = app.token("curator").to_owned();
    let member = app.token("member").to_owned();
    app.stop();

    let serve = ServeProcess::start(&app);
    let base = serve.base.clone();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let publisher = {
        let (base, curator, ids, done) = (base.clone(), curator.clone(), ids.clone(), done.clone());
        std::thread::spawn(move || {
            let mut ok = 0;
            for id in &ids {
                match try_publish(&base, &curator, id) {
                    Some(200) => ok += 1,
                    Some(other) => panic!("publish answered {other}"),
                    None => break,
                }
                done.store(ok, std::sync::atomic::Ordering::SeqCst);
            }
            ok
        })
    };
    // Let part of the bulk publication through, then kill the server mid-stream, while
    // the follower is indexing.
    assert!(eventually(Duration::from_secs(30), || {
        done.load(std::sync::atomic::Ordering::SeqCst) >= 25
    }));
    serve.kill9();
    let acknowledged = publisher.join().expect("publisher thread");
    assert!(
        acknowledged < ids.len(),
        "the server was killed too late to test anything"
    );

    let serve = ServeProcess::start(&app);
    let published = published_ids(&serve.base, &curator);
    assert!(
        published.len() >= acknowledged,
        "an acknowledged publication was lost"
    );
    assert!(
        eventually(Duration::from_secs(20), || indexed_ids(
            &serve.base,
            &member
        ) == published),
        "after restart the index holds {} cases, the store {} published",
        indexed_ids(&serve.base, &member).len(),
        published.len()
    );
    // And it keeps following: publish the rest, all of them are found.
    for id in ids.iter().filter(|id| !published.contains(*id)) {
        assert_eq!(try_publish(&serve.base, &curator, id), Some(200));
    }
    let all: BTreeSet<String> = ids.iter().cloned().collect();
    assert!(eventually(Duration::from_secs(20), || indexed_ids(
        &serve.base,
        &member
    ) == all));
}

backend_tests!(
    a_case_published_on_one_server_is_found_on_another,
    a_server_that_was_down_catches_up,
    killed_during_bulk_publish_the_index_recovers_exactly,
);
