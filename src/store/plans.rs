//! The query plans of the reads on a search page's path, checked on SQLite: a page of
//! hits must read its ten cases by key, whatever the size of the table. (A planner's
//! choice is invisible in results and shows only as time at scale: see BENCHMARKS.md,
//! "Search at 100,000 cases: a regression found and fixed".)

use diesel::prelude::*;
use diesel::query_builder::QueryFragment;
use diesel::sqlite::{Sqlite, SqliteConnection};

use super::schema::cases;
use super::Store;

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    detail: String,
}

/// The steps of SQLite's plan for `query` (its parameters left unbound).
fn plan(conn: &mut SqliteConnection, query: &impl QueryFragment<Sqlite>) -> Vec<String> {
    let sql = diesel::debug_query::<Sqlite, _>(query).to_string();
    let sql = sql.split(" -- binds").next().unwrap_or_default();
    diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
        .load::<PlanRow>(conn)
        .expect("explain")
        .into_iter()
        .map(|r| r.detail)
        .collect()
}

/// Whether every step of `plan` that reads `table` searches it by `key` (an index
/// name), and none scans it or takes another index.
fn searches_by(plan: &[String], table: &str, key: &str) -> bool {
    let steps: Vec<&String> = plan
        .iter()
        .filter(|d| d.split_whitespace().nth(1) == Some(table))
        .collect();
    !steps.is_empty()
        && steps
            .iter()
            .all(|d| d.starts_with("SEARCH") && d.contains(key))
}

fn store_and_connection() -> (tempfile::TempDir, Store, SqliteConnection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plans.db");
    let store = Store::open(&format!("sqlite://{}", path.display())).unwrap();
    let conn = SqliteConnection::establish(&path.to_string_lossy()).unwrap();
    (dir, store, conn)
}

fn ten_ids() -> Vec<String> {
    (0..10).map(|i| format!("{i:032x}")).collect()
}

#[test]
fn a_page_of_views_is_read_by_primary_key() {
    let (_dir, _store, mut conn) = store_and_connection();
    let ids = ten_ids();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let by_key = "sqlite_autoindex_cases_1";
    let p = plan(&mut conn, &super::cases::rows_by_id(&ids));
    assert!(searches_by(&p, "cases", by_key), "{p:?}");
    // The shape the regression had is caught by the same check.
    let with_status = cases::table
        .filter(cases::id.eq_any(&ids))
        .filter(cases::status.eq("published"))
        .select((cases::id, cases::status, cases::shared_view));
    let p = plan(&mut conn, &with_status);
    assert!(!searches_by(&p, "cases", by_key), "{p:?}");
}

#[test]
fn takeaways_are_read_by_the_case_index() {
    let (_dir, _store, mut conn) = store_and_connection();
    let ids = ten_ids();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let p = plan(&mut conn, &super::discussions::takeaway_rows(&ids));
    assert!(
        searches_by(&p, "discussion_cases", "discussion_cases_case"),
        "{p:?}"
    );
}
