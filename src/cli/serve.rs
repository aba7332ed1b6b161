//! `serve`, `demo` and `reindex`: the commands that open the search index.

use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use super::CliError;
use crate::app::App;
use crate::auth::Roles;
use crate::config::Settings;
use crate::error::AppError;
use crate::index::IndexChange;
use crate::seal::{self, ApiToken};
use crate::store::SubmitOutcome;
use crate::web::Application;

/// `safetable serve`.
pub fn serve(settings: Settings) -> Result<ExitCode, CliError> {
    if settings.generated_identity_file().exists() {
        tracing::warn!(
            path = %settings.generated_identity_file().display(),
            "a custodian identity file sits in the data directory: move it off the server"
        );
    }
    let app = App::build(&settings)?;
    crate::setup::tighten_data(&settings)?;
    run_server(&settings, app, &settings.bind)
}

fn run_server(settings: &Settings, app: App, bind: &str) -> Result<ExitCode, CliError> {
    let workers = settings.workers;
    let host = bind
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or("127.0.0.1")
        .to_owned();
    let services = app.services.clone();
    let result = actix_web::rt::System::new().block_on(async move {
        let server = Application::build(bind, workers, services)
            .map_err(|e| CliError(format!("cannot listen on {bind}: {e}")))?;
        let port = server.port();
        tracing::info!(port, "serving");
        println!("safetable is listening on http://{host}:{port}/");
        println!("  web: open http://{host}:{port}/ in a browser and sign in");
        println!("  API: http://{host}:{port}/api/v1/healthz");
        server.into_server().await.map_err(CliError::from)
    });
    app.stop();
    result.map(|()| ExitCode::SUCCESS)
}

/// `safetable reindex`: clears the index and rebuilds it from the published cases.
pub fn reindex(settings: &Settings) -> Result<ExitCode, CliError> {
    let repo = App::intake_only(settings)?;
    let index = crate::app::open_index(settings)?;
    let store = &repo.store;
    // Position first: changes made while rebuilding are replayed by the follower.
    let position = store.last_change_seq()?;
    let total = store.published_count()?;
    index.clear()?;
    let bar = ProgressBar::new(u64::try_from(total).unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} cases {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut after = None;
    loop {
        let page = store.published_page(after.as_ref(), 1000)?;
        let Some(last) = page.last().and_then(|v| v.id.clone()) else {
            break;
        };
        let n = page.len() as u64;
        let changes: Vec<IndexChange> = page.into_iter().map(IndexChange::Upsert).collect();
        index.apply(&changes, position)?;
        bar.inc(n);
        after = Some(last);
    }
    bar.finish_and_clear();
    index.apply(&[], position)?;
    if let Err(e) = index.optimize() {
        // Not fatal: every case is indexed; the index is only less compact.
        tracing::warn!(error = %e, "could not merge the index into one segment");
    }
    store.audit(&crate::audit::AuditEvent::new(
        "cli",
        crate::audit::AuditAction::Reindex,
        None,
    ))?;
    println!("reindexed {} published cases", index.doc_count());
    Ok(ExitCode::SUCCESS)
}

/// `safetable demo`: a throw-away data directory with synthetic cases and one user per
/// role, then the server.
/// A published safe table (three falls, with questions) and a draft, the first time:
/// faculty and members see the feature at once.
fn seed_discussions(app: &App, faculty: &crate::store::UserRecord) -> Result<(), CliError> {
    let svc = &app.services.discussions;
    let who = crate::auth::Principal {
        user: faculty.id,
        org: faculty.org,
        roles: faculty.roles.clone(),
    };
    if !svc.list(&who)?.is_empty() {
        return Ok(());
    }
    let views = app.intake.store.published_page(None, 500)?;
    let pick = |category: crate::case::Category, n: usize| -> Vec<crate::case::CaseId> {
        views
            .iter()
            .filter(|v| v.event.category == category)
            .filter_map(|v| v.id.clone())
            .take(n)
            .collect()
    };
    let next_month = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT15:00")
        .to_string();
    let body = |title: &str, description: &str| crate::discussion::DiscussionBody {
        title: title.into(),
        starts_at: next_month.clone(),
        time_zone: "America/Chicago".into(),
        duration_minutes: 90,
        description: description.into(),
        facilitator_notes: "Open with the second case: the family's question about bed alarms."
            .into(),
        invite_all: true,
        invited_orgs: Vec::new(),
    };
    let fall_cases = pick(crate::case::Category::Fall, 3);
    if fall_cases.is_empty() {
        return Ok(());
    }
    let falls = svc.create(
        &who,
        &body(
            "Falls at night: what the teams changed",
            "Three inpatient falls, how each team talked with the family, and which actions held.",
        ),
    )?;
    let questions = [
        "What made the risk hard to see that night?".to_owned(),
        "Which of this team's actions would hold on your units?".to_owned(),
    ];
    for case in &fall_cases {
        svc.add_case(&who, falls, case, &questions)?;
    }
    svc.publish(&who, falls)?;
    let draft = svc.create(
        &who,
        &body(
            "Medication errors at handover",
            "Draft: cases being chosen.",
        ),
    )?;
    for case in pick(crate::case::Category::Medication, 2) {
        svc.add_case(&who, draft, &case, &[])?;
    }
    Ok(())
}

pub fn demo(settings: Settings, bind: &str, cases: usize) -> Result<ExitCode, CliError> {
    // The same set-up as `init` (idempotent). Its custodian identity stays in the demo's
    // own directory: nothing real is sealed to it, so there is nothing to move.
    crate::setup::initialize(&settings)?;
    println!(
        "demo data directory: {} (synthetic cases only; its custodian identity stays there)",
        settings.data_dir.display()
    );
    let app = App::build(&settings)?;
    let repo = app.intake.clone();
    let store = &repo.store;
    let org = match store.org_by_name("Demo Health System")? {
        Some(org) => org,
        None => store.create_org("Demo Health System", "demo")?,
    };
    if store.published_count()? == 0 {
        let started = std::time::Instant::now();
        let mut published = 0;
        let mut refused = 0;
        for (i, case) in crate::demo::synthetic_cases(cases, 7).enumerate() {
            let body = serde_json::to_vec(&case)?;
            let prepared = match repo.prepare(org.id, &body) {
                Ok(p) => p,
                // Refused by the pipeline: left out, like any case that cannot be redacted.
                Err(AppError::Redaction(_)) => {
                    refused += 1;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            // Most cases published, a few left in review for the curator.
            let publish = i % 10 != 0;
            if let SubmitOutcome::Created(_) = repo.store_prepared(&prepared, "demo", publish)? {
                published += usize::from(publish);
            }
        }
        println!(
            "loaded {} synthetic cases ({published} published) in {:.1} s",
            cases.saturating_sub(refused),
            started.elapsed().as_secs_f64()
        );
        if refused > 0 {
            println!("{refused} synthetic cases were refused by the redaction pipeline");
        }
    }
    // A password for each demo user, new on every start (the data directory is the
    // demo's own): printed, so that a newcomer can sign in at once.
    let mut lines = Vec::new();
    for role in ["curator", "contributor", "member", "faculty"] {
        let email = format!("{role}@demo.invalid");
        let password = seal::generate_password();
        let hash = seal::hash_password(&password);
        let user = match store.user_by_email(&email)? {
            Some(u) => {
                store.set_password_hash(u.id, &hash, false)?;
                u
            }
            None => {
                store.create_user(
                    &email,
                    org.id,
                    &Roles::parse(role).map_err(CliError)?,
                    &hash,
                    false,
                    "demo",
                )?;
                store
                    .user_by_email(&email)?
                    .ok_or_else(|| CliError("demo user vanished".into()))?
            }
        };
        let token = ApiToken::generate();
        store.create_token(user.id, &token.hash(), "demo")?;
        if role == "faculty" {
            seed_discussions(&app, &user)?;
        }
        lines.push((role, email, password, token));
    }
    println!();
    println!("sign in with one of these (ROLE EMAIL PASSWORD):");
    for (role, email, password, _) in &lines {
        println!("  {role:<12} {email:<26} {password}");
    }
    println!("API tokens (Authorization: Bearer TOKEN), new on every start:");
    for (role, _, _, token) in &lines {
        println!("  {role:<12} {}", token.reveal());
    }
    run_server(&settings, app, bind)
}
