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
    // An alias of the contributing organization, which its cases mention: the pipeline
    // redacts it, so no index file may hold it (the organizations' own table does).
    let alias = "Kestrelwood Regional";
    let store = safetable::store::Store::open(&app.settings.database_url).unwrap();
    let org = store.org_by_name("Org A").unwrap().unwrap();
    store.add_org_alias(org.id, alias, "test").unwrap();
    let mut published = 0;
    for n in range.clone() {
        let mut case = case_with(n);
        case["lessons_learned"] = serde_json::json!(format!(
            "{} at {alias} now double-checks heparin rates.",
            case["lessons_learned"].as_str().unwrap()
        ));
        let id = app.submit("contributor", &case);
        if n % 3 == 0 {
            app.publish(&id);
            published += 1;
        } else if n % 7 == 0 {
            // A curator's return comment that names the patient: redacted before it is
            // stored.
            let t = crate::helpers::letters(n);
            let d = format!("{n:04}");
            let comment = serde_json::json!({
                "comment": format!("Mrs. Quillane{t} (MRN 77{d}31) is still named in the notes; her daughter's number 555-01{d} too.")
            });
            let (status, body) = app.call(
                "POST",
                &format!("/cases/{id}/return"),
                Some("curator"),
                Some(&serde_json::to_vec(&comment).unwrap()),
            );
            assert_eq!(status, 200, "{body}");
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
    // Searches and views leave traces only in the audit log, which holds no content:
    // a member typing a patient's name leaves a keyed digest of it.
    app.call("GET", "/search?q=heparin", Some("member"), None);
    for n in range.clone().step_by(4) {
        let t = crate::helpers::letters(n);
        let (status, _) = app.call(
            "GET",
            &format!("/search?q=Zorbat{t}+Quillane{t}"),
            Some("member"),
            None,
        );
        assert_eq!(status, 200);
    }
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
    // The alias is in the organizations' table, and nowhere in the index.
    let index_files: Vec<_> = files
        .iter()
        .filter(|f| f.starts_with(&app.settings.index_dir))
        .collect();
    assert!(!index_files.is_empty());
    for file in index_files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        assert!(
            !bytes.windows(alias.len()).any(|w| w == alias.as_bytes()),
            "{} holds the organization's alias",
            file.display()
        );
    }
}

backend_tests!(planted_identifiers_never_reach_the_disk);
