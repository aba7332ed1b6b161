//! `GET /measures`: the CRP measures page: the filters (a GET form, so the URL holds the
//! query), the charts, the tables with `<11` where a figure is suppressed, the formulas,
//! and links to the CSV and (for contributors) the board report.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::super::session::SignedIn;
use super::super::{Layout, Nav, NavItem, UiError};
use crate::auth::{Action, Principal};
use crate::case::{Category, Harm, Setting};
use crate::error::AppError;
use crate::measures::{chart, Definition, Figure, MeasuresQuery, MeasuresReport, DEFINITIONS};
use crate::service::measures::Form;
use crate::service::Services;

/// An option of a filter's `<select>`.
pub struct SelectOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// A cell as printed.
pub struct CellView {
    pub text: String,
    pub suppressed: bool,
}

pub struct RowView {
    pub label: String,
    pub cells: Vec<CellView>,
}

pub struct TableView {
    pub id: String,
    pub caption: String,
    pub row_header: String,
    pub columns: Vec<String>,
    pub rows: Vec<RowView>,
    /// Wide tables scroll sideways on small screens.
    pub wide: bool,
}

pub struct ChartView {
    pub id: &'static str,
    /// The SVG element, built by [`crate::pdf::Scene::to_svg`]: every text escaped,
    /// presentation attributes only.
    pub svg: String,
}

/// `templates/measures.html`.
#[derive(Template)]
#[template(path = "measures.html")]
pub struct MeasuresPage {
    pub layout: Layout,
    pub selection: String,
    pub populations: Vec<String>,
    pub suppressed: bool,
    pub suppression_note: &'static str,
    /// What the answer leaves out, and why.
    pub notes: Vec<String>,
    /// Whether the category, harm and setting filters combine (PSO staff only).
    pub combine_filters: bool,
    pub tables: Vec<TableView>,
    pub charts: Vec<ChartView>,
    pub definitions: &'static [Definition],
    pub population_note: &'static str,
    pub from: String,
    pub to: String,
    pub year_from: String,
    pub year_to: String,
    pub categories: Vec<SelectOption>,
    pub harms: Vec<SelectOption>,
    pub settings: Vec<SelectOption>,
    pub csv_href: String,
    /// For contributors.
    pub pdf_href: Option<String>,
    /// Why the filters asked were not used (names parameters, never echoes a value).
    pub error: Option<String>,
}

fn options<T: Copy + PartialEq>(
    all: &[T],
    selected: Option<T>,
    value: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<SelectOption> {
    all.iter()
        .map(|&v| SelectOption {
            value: value(v),
            label: label(v),
            selected: Some(v) == selected,
        })
        .collect()
}

fn setting_label(s: Setting) -> &'static str {
    match s {
        Setting::Inpatient => "Inpatient",
        Setting::Emergency => "Emergency",
        Setting::Ambulatory => "Ambulatory",
        Setting::Perioperative => "Perioperative",
        Setting::IntensiveCare => "Intensive care",
        Setting::LongTermCare => "Long-term care",
        Setting::HomeHealth => "Home health",
        Setting::BehavioralHealth => "Behavioral health",
        Setting::Other => "Other",
    }
}

impl MeasuresPage {
    /// The page of `report` (built for `query`) for `who`.
    pub fn new(report: &MeasuresReport, query: &MeasuresQuery, who: &Principal) -> Self {
        let roles = &who.roles;
        use crate::measures::report::{category_label, harm_label};
        let qs = query.query_string();
        let tables = report
            .tables
            .iter()
            .map(|t| TableView {
                id: t.id.clone(),
                caption: t.caption.clone(),
                row_header: t.row_header.clone(),
                wide: t.columns.len() > 3,
                columns: t.columns.clone(),
                rows: t
                    .rows
                    .iter()
                    .map(|r| RowView {
                        label: r.label.clone(),
                        cells: r
                            .values
                            .iter()
                            .map(|v| CellView {
                                text: v.display(),
                                suppressed: matches!(v, Figure::Suppressed),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        let charts = chart::all(&report.charts)
            .into_iter()
            .map(|(id, scene)| ChartView {
                id,
                svg: scene.to_svg(id),
            })
            .collect();
        let show = |v: Option<String>| v.unwrap_or_default();
        MeasuresPage {
            layout: Layout::new(
                "CRP measures",
                Nav::for_roles(roles, Some(NavItem::Measures)),
            ),
            selection: report.selection.clone(),
            populations: report.populations.clone(),
            suppressed: report.suppressed,
            suppression_note: report.suppression_note,
            notes: report.notes.clone(),
            combine_filters: who.may(Action::CombineMeasureFilters),
            tables,
            charts,
            definitions: DEFINITIONS,
            population_note: crate::measures::definitions::POPULATION,
            from: show(query.from.map(|q| q.to_string())),
            to: show(query.to.map(|q| q.to_string())),
            year_from: show(query.year_from.map(|y| y.to_string())),
            year_to: show(query.year_to.map(|y| y.to_string())),
            categories: options(
                Category::ALL,
                query.category,
                Category::as_str,
                category_label,
            ),
            harms: options(Harm::ALL, query.harm, Harm::as_str, harm_label),
            settings: options(Setting::ALL, query.setting, Setting::as_str, setting_label),
            csv_href: format!("/measures/export.csv{qs}"),
            pdf_href: who
                .may(Action::BoardReport)
                .then(|| format!("/measures/report.pdf{qs}")),
            error: None,
        }
    }
}

/// `GET /measures`: filters a bad value cannot be used are said in an alert, and the page
/// shows every case instead.
pub async fn show(
    user: SignedIn,
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, UiError> {
    let parsed = crate::web::body::query_pairs(&req)
        .and_then(|pairs| Ok(MeasuresQuery::from_form_pairs(&pairs)?));
    let (query, error) = match parsed {
        Ok(q) => (q, None),
        Err(e) => (MeasuresQuery::default(), Some(e.to_string())),
    };
    let principal = user.principal().clone();
    let q = query.clone();
    let again = services.clone();
    let answer = web::block(move || services.measures.report(&principal, &q, Form::Page)).await?;
    let (report, query, error) = match answer {
        Ok(report) => (report, query, error),
        // Filters the measures cannot answer together (a non-curator's two slices, or
        // both kinds of period): said in the alert, and every case shown instead.
        Err(AppError::BadQuery(message)) if error.is_none() => {
            let principal = user.principal().clone();
            let all = MeasuresQuery::default();
            let q = all.clone();
            let report =
                web::block(move || again.measures.report(&principal, &q, Form::Page)).await??;
            (report, all, Some(message))
        }
        Err(e) => return Err(e.into()),
    };
    let mut page = MeasuresPage::new(&report, &query, user.principal());
    page.layout = user.layout("CRP measures", Some(NavItem::Measures));
    page.error = error;
    super::render(&page)
}

/// `GET /measures/export.csv`: the tables of the page with the same query.
pub async fn export_csv(
    user: SignedIn,
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, UiError> {
    let query = crate::web::api::measures::query(&req)?;
    let principal = user.principal().clone();
    let csv = web::block(move || services.measures.csv(&principal, &query)).await??;
    Ok(crate::web::api::measures::csv_response(csv))
}

/// `GET /measures/report.pdf`: the board report (contributors).
pub async fn board_report(
    user: SignedIn,
    services: web::Data<Services>,
    req: HttpRequest,
) -> Result<HttpResponse, UiError> {
    user.require(Action::BoardReport)?;
    let query = crate::web::api::measures::query(&req)?;
    let principal = user.principal().clone();
    let pdf = web::block(move || services.measures.board_report(&principal, &query)).await??;
    Ok(crate::web::api::measures::pdf_response(pdf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::OrgId;
    use crate::measures::{build, Audience, CaseFacts};

    fn principal(roles: &str) -> Principal {
        Principal {
            user: crate::case::UserId::new(1),
            org: OrgId::new(2),
            roles: crate::auth::Roles::parse(roles).unwrap(),
        }
    }

    fn facts(n: usize, org: i64) -> Vec<CaseFacts> {
        let t = chrono::NaiveDate::from_ymd_opt(2025, 2, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        (0..n)
            .map(|i| CaseFacts {
                org: OrgId::new(org),
                received_at: t,
                event_year: 2024,
                category: Category::Fall,
                harm: Harm::Moderate,
                setting: Setting::Inpatient,
                first_contact_day: Some(i as i64 % 5),
                apology: None,
                clinician_support: Some(true),
                loop_closed: Some(i % 2 == 0),
                loop_closed_day: Some(30),
                standard_of_care: None,
                compensation: None,
                review_method: None,
                closed_day: 60,
                actions: Default::default(),
            })
            .collect()
    }

    #[test]
    fn the_page_shows_suppression_formulas_charts_and_no_inline_style() {
        let mut all = facts(40, 1);
        all.extend(facts(5, 2));
        let query = MeasuresQuery {
            category: Some(Category::Fall),
            ..Default::default()
        };
        let report = build(&all, &query, &Audience::Contributor { own: OrgId::new(2) });
        let html = MeasuresPage::new(&report, &query, &principal("contributor"))
            .render()
            .unwrap();
        assert!(html.contains("&lt;11"), "suppressed cells are shown as <11");
        assert!(html.contains("Your organization"));
        assert!(html.contains("<caption>"));
        assert!(html.contains("scope=\"col\""));
        for d in DEFINITIONS {
            assert!(html.contains(d.name), "{} is explained", d.id);
        }
        assert!(html.contains("<svg"));
        assert!(html.contains("<title id=\"chart-initial-communication-title\">"));
        assert!(!html.contains("style="), "the CSP forbids inline style");
        assert!(!html.contains("<script>"));
        assert!(html.contains("href=\"/measures/export.csv?category=fall\""));
        assert!(html.contains("href=\"/measures/report.pdf?category=fall\""));
        assert!(html.contains("<option value=\"fall\" selected>"));
        assert!(html.contains("method=\"get\" action=\"/measures\""));
        assert!(html.contains("aria-current=\"page\"><span>Measures</span>"));

        let report = build(&all, &query, &Audience::Collaborative);
        let html = MeasuresPage::new(&report, &query, &principal("member"))
            .render()
            .unwrap();
        assert!(!html.contains("Your organization"));
        assert!(!html.contains("report.pdf"), "members get no board report");
    }
}
