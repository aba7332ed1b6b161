//! No plaintext identifier at rest: plant unique identifiers in many cases, publish some,
//! withdraw some, then scan every byte the service wrote.

use std::path::Path;

use crate::backend_tests;
use crate::helpers::{case_with, planted, Db, TestApp};

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn planted_identifiers_never_reach_the_disk(db: Db) {
    let Some(mut app) = TestApp::spawn(db) else {
        return;
    };
    let range = 300..352u32;
    let mut published = 0;
    for n in range.clone() {
        let id = app.submit("contributor", &case_with(n));
        if n % 3 == 0 {
            app.publish(&id);
            published += 1;
        }
        if n % 5 == 0 {
            assert_eq!(
                app.call("DELETE", &format!("/cases/{id}"), Some("contributor"), None)
                    .0,
                204
            );
            if n % 3 == 0 {
                published -= 1;
            }
        }
    }
    app.wait_indexed(published);
    // Searches and views leave traces only in the audit log, which holds no content.
    app.call("GET", "/search?q=heparin", Some("member"), None);
    app.stop();

    let mut files = Vec::new();
    files_under(app.dir.path(), &mut files);
    // On PostgreSQL the store's bytes live in the cluster's directory (tables, WAL):
    // `.ci/run` names it; scan it too.
    if db == Db::Postgres {
        match std::env::var_os("SAFETABLE_TEST_POSTGRES_DATA") {
            Some(dir) => files_under(std::path::Path::new(&dir), &mut files),
            None => eprintln!(
                "\n*** NOTE: SAFETABLE_TEST_POSTGRES_DATA not set: the PostgreSQL cluster's files were not scanned ***\n"
            ),
        }
    }
    assert!(
        files.iter().any(|f| f.starts_with(&app.settings.index_dir)),
        "the index wrote nothing"
    );
    let values: Vec<(u32, String)> = range
        .clone()
        .flat_map(|n| planted(n).into_iter().map(move |v| (n, v)))
        .collect();
    let matcher = aho_corasick::AhoCorasick::new(values.iter().map(|(_, v)| v.as_bytes())).unwrap();
    let mut hits = Vec::new();
    for file in &files {
        // PostgreSQL may remove a WAL segment while we walk; what is gone holds nothing.
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        for m in matcher.find_iter(&bytes) {
            let (n, _) = &values[m.pattern().as_usize()];
            hits.push(format!(
                "{} contains a planted identifier of case {n}",
                file.display()
            ));
        }
    }
    assert!(
        hits.is_empty(),
        "plaintext identifiers at rest:\n{}",
        hits.join("\n")
    );
}

backend_tests!(planted_identifiers_never_reach_the_disk);
