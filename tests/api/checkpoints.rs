//! Signed audit checkpoints: whoever can write the database can cut the chain's tail,
//! append forged entries with correct hashes or wipe the log, and `audit verify` alone
//! passes each of them; `audit verify --checkpoint` must fail each, and pass the chain
//! untouched or grown.

use safetable::audit::{AuditAction, AuditEvent, GENESIS};
use serde_json::Value;

use crate::backend_tests;
use crate::cli::{run, tamper, text, Cli, PgCopy};
use crate::helpers::Db;

/// Some activity: an organization, users and tokens.
fn activity(cli: &Cli, tag: &str) {
    cli.ok(&["org", "add", &format!("Org {tag}")]);
    for role in ["member", "curator"] {
        let email = format!("{role}-{tag}@t.invalid");
        cli.ok(&[
            "user",
            "add",
            &email,
            "--org",
            &format!("Org {tag}"),
            "--role",
            role,
        ]);
        cli.ok(&["token", "create", &email]);
    }
}

/// SQL that cuts the log to its first `keep` entries and moves the head back to match,
/// as someone with write access to the database would.
fn truncate_to(keep: i64) -> String {
    format!(
        "DELETE FROM audit_log WHERE seq > {keep};
         UPDATE audit_head SET seq = {keep},
           hash = COALESCE((SELECT hash FROM audit_log WHERE seq = {keep}), '{GENESIS}')
         WHERE id = 1;"
    )
}

fn audit_verify_with_a_checkpoint_finds_truncation_forgery_and_wiping(db: Db) {
    let Some(cli) = Cli::new(db) else {
        return;
    };
    cli.ok(&["init"]);
    let key_file = cli.data().join("audit-signing.key");
    #[cfg(unix)]
    assert_eq!(crate::cli::mode(&key_file), 0o600, "signing key mode");
    activity(&cli, "A");
    let checkpoint = cli.data().join("checkpoint.json");
    let out = cli.ok(&["audit", "checkpoint", "--out", checkpoint.to_str().unwrap()]);
    let cp: Value = serde_json::from_str(&std::fs::read_to_string(&checkpoint).unwrap()).unwrap();
    let n = cp["seq"].as_i64().unwrap();
    assert!(n >= 5, "{cp}");
    assert!(out.contains(&format!("entry {n}")), "{out}");
    for field in [
        "format",
        "head_hash",
        "entries",
        "time",
        "key_id",
        "public_key",
        "signature",
    ] {
        assert!(!cp[field].is_null(), "{field} missing: {cp}");
    }
    // The export is the entry right after the head it covers, and names it.
    let (entries, _) = cli.store().audit_log().unwrap();
    assert_eq!(
        entries[n as usize - 1].hash,
        cp["head_hash"].as_str().unwrap()
    );
    let export = &entries[n as usize];
    assert_eq!(export.action, "audit_checkpoint");
    let detail: Value = serde_json::from_str(&export.detail).unwrap();
    assert_eq!(detail["seq"], cp["seq"]);
    assert_eq!(detail["head_hash"], cp["head_hash"]);
    assert_eq!(detail["key_id"], cp["key_id"]);
    // A second export to the same file is refused rather than overwriting it.
    let again = cli.run(&["audit", "checkpoint", "--out", checkpoint.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));

    // The log grows after the checkpoint: still verified.
    activity(&cli, "B");
    let cp_arg = checkpoint.to_str().unwrap();
    let out = cli.ok(&["audit", "verify", "--checkpoint", cp_arg]);
    assert!(out.contains("audit log intact"), "{out}");
    assert!(
        out.contains(&format!("checkpoint {cp_arg} verified: entry {n}")),
        "{out}"
    );
    assert!(!out.contains("note:"), "the local key was not used: {out}");

    let forged = |store: &safetable::store::Store, count: usize| {
        for _ in 0..count {
            store
                .audit(&AuditEvent::new("cli", AuditAction::Backup, None))
                .unwrap();
        }
    };
    type Forgery<'a> = (&'a str, i64, usize, String);
    let cases: Vec<Forgery> = vec![
        // (what, keep the first K entries, append M forged ones, expected message)
        (
            "truncated tail",
            n - 1,
            0,
            format!(
                "no longer holds checkpoint entry {n}: it ends at entry {}",
                n - 1
            ),
        ),
        (
            "wiped log",
            0,
            0,
            format!("no longer holds checkpoint entry {n}: it ends at entry 0"),
        ),
        (
            "forged append in place of the checkpointed entry",
            n - 1,
            4,
            format!("checkpoint entry {n} has a different hash now"),
        ),
        (
            "rewritten from the second entry",
            1,
            n as usize + 3,
            format!("checkpoint entry {n} has a different hash now"),
        ),
    ];
    for (i, (what, keep, append, message)) in cases.iter().enumerate() {
        // Each forgery on a fresh copy, with the signing key beside it as on the server.
        let copy_dir = tempfile::tempdir().unwrap();
        let (copy_url, _pg_copy) = match db {
            Db::Sqlite => {
                let copy = copy_dir.path().join("safetable.db");
                cli.ok(&["backup", copy.to_str().unwrap()]);
                (format!("sqlite://{}", copy.display()), None)
            }
            Db::Postgres => {
                let copy = PgCopy::of(&cli.database_url, 100 + i);
                (copy.url.clone(), Some(copy))
            }
        };
        std::fs::copy(&key_file, copy_dir.path().join("audit-signing.key")).unwrap();
        let verify = |args: &[&str]| run(copy_dir.path(), Some(&copy_url), cli.cwd.path(), args);
        let out = verify(&["audit", "verify", "--checkpoint", cp_arg]);
        assert!(
            out.status.success(),
            "{what}: untouched copy: {}",
            text(&out.stdout)
        );

        tamper(&copy_url, &truncate_to(*keep));
        forged(&safetable::store::Store::open(&copy_url).unwrap(), *append);

        // The chain alone is consistent again: this is what the checkpoint is for.
        let out = verify(&["audit", "verify"]);
        assert!(
            out.status.success(),
            "{what}: the forgery is not a clean one: {}",
            text(&out.stdout)
        );
        let out = verify(&["audit", "verify", "--checkpoint", cp_arg]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{what}: not detected: {stdout}");
        assert!(
            stdout.contains(message),
            "{what}: expected {message:?}: {stdout}"
        );
        assert!(
            stdout.contains(&format!("checkpoint {cp_arg} failed")),
            "{stdout}"
        );
    }
    // The original is untouched and still verifies against the checkpoint.
    cli.ok(&["audit", "verify", "--checkpoint", cp_arg]);
}

fn a_tampered_or_foreign_checkpoint_is_refused(db: Db) {
    let Some(cli) = Cli::new(db) else {
        return;
    };
    cli.ok(&["init"]);
    activity(&cli, "C");
    let printed = cli.ok(&["audit", "checkpoint"]);
    let cp: Value = serde_json::from_str(&printed).expect("the checkpoint on stdout is JSON");
    let write = |name: &str, value: &Value| {
        let path = cli.data().join(name);
        std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let good = write("good.json", &cp);
    cli.ok(&["audit", "verify", "--checkpoint", &good]);

    let flip = |hex: &str| -> String {
        let first = if hex.starts_with('0') { "1" } else { "0" };
        format!("{first}{}", &hex[1..])
    };
    let mut cases: Vec<(&str, Value, &str)> = Vec::new();
    let mut v = cp.clone();
    v["signature"] = Value::String(flip(cp["signature"].as_str().unwrap()));
    cases.push(("changed signature", v, "signature does not verify"));
    let mut v = cp.clone();
    v["head_hash"] = Value::String(flip(cp["head_hash"].as_str().unwrap()));
    cases.push(("changed head hash", v, "signature does not verify"));
    let mut v = cp.clone();
    v["seq"] = Value::from(cp["seq"].as_i64().unwrap() - 1);
    cases.push(("changed sequence", v, "signature does not verify"));
    let mut v = cp.clone();
    v["key_id"] = Value::String(flip(cp["key_id"].as_str().unwrap()));
    cases.push((
        "changed key id",
        v,
        "is not the fingerprint of its public key",
    ));
    for (what, value, needle) in &cases {
        let file = write(&format!("{}.json", what.replace(' ', "-")), value);
        let out = cli.run(&["audit", "verify", "--checkpoint", &file]);
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{what}: accepted: {stdout}");
        assert!(stdout.contains(needle), "{what}: {stdout}");
    }
    // Not a checkpoint at all.
    let junk = cli.data().join("junk.json");
    std::fs::write(&junk, "{\"seq\": 1}").unwrap();
    let out = cli.run(&["audit", "verify", "--checkpoint", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not a safetable audit checkpoint"),
        "{}",
        text(&out.stderr)
    );

    // A checkpoint correctly signed by another key (say, a forger's own) is not this
    // server's; with the expected key id given, neither is it.
    let Some(other) = Cli::new(db) else {
        return;
    };
    other.ok(&["init"]);
    activity(&other, "C");
    let foreign: Value = serde_json::from_str(&other.ok(&["audit", "checkpoint"])).unwrap();
    let foreign_file = write("foreign.json", &foreign);
    let out = cli.run(&["audit", "verify", "--checkpoint", &foreign_file]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("not by the expected key"), "{stdout}");
    let key_id = cp["key_id"].as_str().unwrap();
    let out = other.run(&[
        "audit",
        "verify",
        "--checkpoint",
        &foreign_file,
        "--key-id",
        key_id,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    // Without the local key and without --key-id, the checkpoint's own key is used, and
    // the output says so.
    std::fs::remove_file(cli.data().join("audit-signing.key")).unwrap();
    let out = cli.ok(&["audit", "verify", "--checkpoint", &good]);
    assert!(out.contains("note: no audit signing key"), "{out}");
    assert!(out.contains(key_id), "{out}");
    // And no checkpoint can be made without the key.
    let out = cli.run(&["audit", "checkpoint"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("safetable init"),
        "{}",
        text(&out.stderr)
    );
}

/// Sixteen threads appending at once (grouped into shared commits) lose no entry, and the
/// chain they make verifies, each entry once, in one order.
fn concurrent_audit_appends_are_grouped_and_the_chain_holds(db: Db) {
    let Some(app) = crate::helpers::TestApp::spawn(db) else {
        return;
    };
    let store = safetable::store::Store::open(&app.settings.database_url).unwrap();
    let (before, _) = store.audit_log().unwrap();
    let commits_before = store.audit_commits();
    std::thread::scope(|s| {
        for t in 0..16 {
            let store = store.clone();
            s.spawn(move || {
                for i in 0..25 {
                    store
                        .audit(
                            &AuditEvent::new(format!("user:{t}"), AuditAction::Search, None)
                                .with_detail(serde_json::json!({ "n": i })),
                        )
                        .unwrap();
                }
            });
        }
    });
    let commits = store.audit_commits() - commits_before;
    assert!(
        (1..16 * 25).contains(&commits),
        "400 appends from 16 threads took {commits} commits: none was grouped"
    );
    let (entries, (seq, hash)) = store.audit_log().unwrap();
    assert_eq!(entries.len(), before.len() + 16 * 25);
    assert_eq!(
        safetable::audit::verify(&entries, Some((seq, &hash))).unwrap(),
        entries.len() as u64
    );
    let mut seen = std::collections::HashSet::new();
    for e in &entries[before.len()..] {
        assert!(
            seen.insert((e.actor.clone(), e.detail.clone())),
            "{} twice",
            e.detail
        );
    }
}

backend_tests!(
    concurrent_audit_appends_are_grouped_and_the_chain_holds,
    audit_verify_with_a_checkpoint_finds_truncation_forgery_and_wiping,
    a_tampered_or_foreign_checkpoint_is_refused,
);
