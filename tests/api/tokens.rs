//! API tokens: they expire, record their last use (throttled), can be listed without
//! being shown, and revoked; an expired or revoked token is a 401 over HTTP.

use diesel::{Connection, RunQueryDsl};
use safetable::seal::TokenHash;
use safetable::store::{Store, StoreError, TokenId};

use crate::backend_tests;
use crate::cli::{last_line, text, Cli};
use crate::helpers::{Db, TestApp};

/// Runs SQL directly on a database, behind the application's back.
pub(crate) fn execute(database_url: &str, sql: &str) {
    match database_url.strip_prefix("sqlite://") {
        Some(path) => {
            diesel::sql_query(sql)
                .execute(&mut diesel::SqliteConnection::establish(path).unwrap())
                .unwrap();
        }
        None => {
            diesel::sql_query(sql)
                .execute(&mut diesel::PgConnection::establish(database_url).unwrap())
                .unwrap();
        }
    }
}

fn token_id_of(store: &Store, email: &str) -> TokenId {
    let user = store.user_by_email(email).unwrap().unwrap();
    let tokens = store.list_tokens(Some(user.id)).unwrap();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    tokens[0].id
}

fn expired_and_revoked_tokens_get_401(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let url = &app.settings.database_url;
    let store = Store::open(url).unwrap();
    let search = "/search?q=heparin";
    for who in ["member", "faculty"] {
        let (status, body) = app.call("GET", search, Some(who), None);
        assert_eq!(status, 200, "{who}: {body}");
    }

    // Expired: the same token, its expiry moved into the past.
    let member = token_id_of(&store, "member@test.invalid");
    execute(
        url,
        &format!(
            "UPDATE api_tokens SET expires_at = created_at WHERE id = {}",
            member.get()
        ),
    );
    let (status, body) = app.call("GET", search, Some("member"), None);
    assert_eq!(status, 401, "an expired token was accepted: {body}");

    // Revoked.
    let faculty = token_id_of(&store, "faculty@test.invalid");
    let record = store.revoke_token(faculty, None, "test").unwrap();
    assert!(record.revoked_at.is_some());
    assert_eq!(record.revoked_by.as_deref(), Some("test"));
    let (status, body) = app.call("GET", search, Some("faculty"), None);
    assert_eq!(status, 401, "a revoked token was accepted: {body}");
    assert!(matches!(
        store.revoke_token(faculty, None, "test"),
        Err(StoreError::Conflict(_))
    ));
    let (entries, _) = store.audit_log().unwrap();
    assert!(
        entries.iter().any(|e| e.action == "token_revoke"
            && e.subject.as_deref() == Some(&*format!("token:{faculty}"))),
        "the revocation is not in the audit log"
    );

    // A user revoking "their own" token finds only their own.
    let curator = store
        .user_by_email("curator@test.invalid")
        .unwrap()
        .unwrap();
    let contributor = token_id_of(&store, "contributor@test.invalid");
    assert!(matches!(
        store.revoke_token(contributor, Some(curator.id), "user:1"),
        Err(StoreError::NotFound)
    ));
    let (status, _) = app.call("GET", "/cases", Some("contributor"), None);
    assert_eq!(status, 200, "another user's refused revocation took effect");
    assert!(matches!(
        store.revoke_token(TokenId::new(999_999), None, "test"),
        Err(StoreError::NotFound)
    ));

    // Other tokens are untouched, and a new token is valid for the default 90 days.
    let (status, _) = app.call("GET", "/cases", Some("curator"), None);
    assert_eq!(status, 200);
    let curator_token = token_id_of(&store, "curator@test.invalid");
    let t = store
        .list_tokens(Some(curator.id))
        .unwrap()
        .into_iter()
        .find(|t| t.id == curator_token)
        .unwrap();
    let lifetime = t.expires_at.unwrap() - t.created_at;
    assert_eq!(lifetime.num_days(), safetable::store::DEFAULT_TOKEN_DAYS);
}

fn last_use_is_recorded_at_most_once_a_minute(db: Db) {
    let Some(app) = TestApp::spawn(db) else {
        return;
    };
    let store = Store::open(&app.settings.database_url).unwrap();
    let member = store.user_by_email("member@test.invalid").unwrap().unwrap();
    let last_used = || store.list_tokens(Some(member.id)).unwrap()[0].last_used_at;
    assert_eq!(last_used(), None, "a token never used has a last use");
    let (status, _) = app.call("GET", "/search?q=heparin", Some("member"), None);
    assert_eq!(status, 200);
    let first = last_used().expect("the last use was not recorded");
    let now = chrono::Utc::now().naive_utc();
    assert!((now - first).num_seconds().abs() < 60, "{first} vs {now}");
    for _ in 0..3 {
        let (status, _) = app.call("GET", "/search?q=heparin", Some("member"), None);
        assert_eq!(status, 200);
    }
    assert_eq!(
        last_used(),
        Some(first),
        "the last use is written on every request"
    );
    // A minute later (moved back instead of waiting), the next request writes again.
    let token = store.list_tokens(Some(member.id)).unwrap()[0].id;
    let old = first - chrono::Duration::seconds(120);
    let old_text = old.format("%Y-%m-%d %H:%M:%S%.6f");
    execute(
        &app.settings.database_url,
        &format!(
            "UPDATE api_tokens SET last_used_at = '{old_text}' WHERE id = {}",
            token.get()
        ),
    );
    assert_eq!(last_used(), Some(old));
    let (status, _) = app.call("GET", "/search?q=heparin", Some("member"), None);
    assert_eq!(status, 200);
    assert!(
        last_used().unwrap() > first,
        "a stale last use was not refreshed"
    );
}

fn token_list_and_revoke_never_show_a_token(db: Db) {
    let Some(cli) = Cli::new(db) else {
        return;
    };
    cli.ok(&["init"]);
    cli.ok(&["org", "add", "Org K"]);
    for email in ["k1@t.invalid", "k2@t.invalid"] {
        cli.ok(&["user", "add", email, "--org", "Org K", "--role", "member"]);
    }
    let out = cli.ok(&["token", "create", "k1@t.invalid", "--days", "7"]);
    let token = last_line(&out).to_owned();
    assert!(token.starts_with("st_"), "{out}");
    let out = cli.ok(&["token", "create", "k2@t.invalid"]);
    let token2 = last_line(&out).to_owned();
    let secrets = [
        token.clone(),
        TokenHash::of(&token).as_str().to_owned(),
        token2.clone(),
        TokenHash::of(&token2).as_str().to_owned(),
    ];
    let list = cli.ok(&["token", "list"]);
    for secret in &secrets {
        assert!(
            !list.contains(&secret[3..]),
            "token list shows a token: {list}"
        );
    }
    let header = list.lines().next().unwrap();
    for column in ["id", "user", "created", "expires", "last used", "revoked"] {
        assert!(header.contains(column), "{header}");
    }
    let rows: Vec<&str> = list.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{list}");
    assert!(
        rows[0].contains("k1@t.invalid") && rows[0].contains("valid"),
        "{list}"
    );
    // Seven days from creation.
    let store = cli.store();
    let k1 = store.user_by_email("k1@t.invalid").unwrap().unwrap();
    let t = &store.list_tokens(Some(k1.id)).unwrap()[0];
    assert_eq!((t.expires_at.unwrap() - t.created_at).num_days(), 7);
    let expires = t
        .expires_at
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    assert!(rows[0].contains(&expires), "{list}");

    let only = cli.ok(&["token", "list", "--user", "k2@t.invalid"]);
    assert_eq!(only.lines().count(), 2, "{only}");
    assert!(
        only.contains("k2@t.invalid") && !only.contains("k1@t.invalid"),
        "{only}"
    );

    let id = t.id.to_string();
    let out = cli.ok(&["token", "revoke", &id]);
    assert!(out.contains("revoked"), "{out}");
    let list = cli.ok(&["token", "list", "--user", "k1@t.invalid"]);
    assert!(
        list.contains("revoked") && list.contains("by cli"),
        "{list}"
    );
    for secret in &secrets {
        assert!(!list.contains(&secret[3..]), "{list}");
    }
    let out = cli.run(&["token", "revoke", &id]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("revoked already"),
        "{}",
        text(&out.stderr)
    );
    let out = cli.run(&["token", "revoke", "424242"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no token 424242"),
        "{}",
        text(&out.stderr)
    );
    let out = cli.run(&["token", "create", "k1@t.invalid", "--days", "0"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a token valid for 0 days was made"
    );
    cli.ok(&["audit", "verify"]);
}

backend_tests!(
    expired_and_revoked_tokens_get_401,
    last_use_is_recorded_at_most_once_a_minute,
    token_list_and_revoke_never_show_a_token,
);
