//! `GET /search`: the published cases, for members, faculty and curators. The URL holds
//! the whole search (`q`, one parameter per facet value, `page`), so that a search can be
//! bookmarked and shared; the page calls the same search service as the API.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::super::labels::{self, sentence};
use super::super::session::SignedIn;
use super::super::snippet::Snippet;
use super::super::url::{href, Params};
use super::super::{Layout, NavItem, UiError};
use crate::auth::Action;
use crate::case::IndexField;
use crate::error::AppError;
use crate::index::{FacetKind, SearchRequest, SearchResults};
use crate::service::Services;

/// Results on one page.
pub const PAGE_SIZE: usize = 10;
/// Values of one facet shown before the rest fold away.
const FACET_SHOWN: usize = 6;

/// One value of a facet in the sidebar.
pub struct FacetValue {
    pub label: String,
    pub count: u64,
    /// The search with this value added, or removed when active.
    pub href: String,
    pub active: bool,
}

/// One facet in the sidebar.
pub struct FacetView {
    pub name: &'static str,
    pub heading: &'static str,
    pub shown: Vec<FacetValue>,
    pub more: Vec<FacetValue>,
    pub any_active: bool,
}

/// An active filter, as a chip that removes it.
pub struct Chip {
    pub label: String,
    pub href: String,
}

/// A highlighted passage of a field other than the summary.
pub struct HitPassage {
    pub field: String,
    pub html: Snippet,
}

/// One result.
pub struct HitView {
    pub id: String,
    pub href: String,
    pub category: String,
    pub harm: String,
    pub harm_class: &'static str,
    pub setting: String,
    pub year: i32,
    pub summary: Snippet,
    pub passages: Vec<HitPassage>,
    pub strengths: Vec<(String, &'static str)>,
}

/// A link of the pagination.
pub struct PageLink {
    pub number: usize,
    pub href: String,
    pub current: bool,
}

/// `templates/search.html`.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub csrf_token: String,
    /// For faculty and curators: the discussions a result can be added to.
    pub add_to: Vec<(i64, String)>,
    pub q: String,
    pub error: Option<String>,
    pub total: usize,
    pub first: usize,
    pub last: usize,
    pub hits: Vec<HitView>,
    pub facets: Vec<FacetView>,
    pub chips: Vec<Chip>,
    pub clear_href: String,
    pub pages: Vec<PageLink>,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub fields: Vec<&'static str>,
    /// The filters that can be typed in the box (`category:fall`).
    pub facet_names: Vec<&'static str>,
    /// Whether anything was asked (a query or a filter).
    pub asked: bool,
    /// Hidden inputs that keep the filters when the query box is submitted.
    pub kept: Vec<(String, String)>,
    /// When no case had every word: the words the hits have, and those dropped.
    pub relaxed: Option<(String, String)>,
}

/// The request's parameters: empty ones dropped (an empty query box sends `q=`), `page`
/// read apart.
fn read(params: &[(String, String)]) -> Result<(Params, usize), String> {
    let mut kept = Params::default();
    let mut page = 1usize;
    for (k, v) in params {
        if v.trim().is_empty() {
            continue;
        }
        if k == "page" {
            page = v
                .trim()
                .parse()
                .ok()
                .filter(|p| (1..=crate::index::MAX_OFFSET / PAGE_SIZE).contains(p))
                .ok_or_else(|| "The page number is not one of this search's pages.".to_owned())?;
            continue;
        }
        kept.push(k, v.trim());
    }
    Ok((kept, page))
}

fn build_page(
    user: &SignedIn,
    params: &Params,
    page: usize,
    results: Option<SearchResults>,
    error: Option<String>,
) -> SearchPage {
    let q = params.get("q").unwrap_or_default().to_owned();
    let mut facets = Vec::new();
    let mut chips = Vec::new();
    let empty = SearchResults {
        total: 0,
        offset: 0,
        limit: PAGE_SIZE,
        hits: Vec::new(),
        facets: Default::default(),
        relaxed: None,
    };
    let results = results.unwrap_or(empty);
    for kind in FacetKind::ALL {
        let name = kind.name();
        let active: Vec<&str> = params.values_of(name).collect();
        let mut values: Vec<(String, u64)> = results
            .facets
            .get(name)
            .map(|m| m.iter().map(|(v, c)| (v.clone(), *c)).collect())
            .unwrap_or_default();
        for a in &active {
            if !values.iter().any(|(v, _)| v == a) {
                values.push(((*a).to_owned(), 0));
            }
        }
        if *kind == FacetKind::Year {
            values.sort_by(|a, b| b.0.cmp(&a.0));
        } else {
            values.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        let views: Vec<FacetValue> = values
            .into_iter()
            .map(|(v, count)| {
                let is_active = active.contains(&v.as_str());
                let toggled = if is_active {
                    params.without(name, &v)
                } else {
                    params.with(name, &v)
                };
                FacetValue {
                    label: labels::value(&v),
                    count,
                    href: href("/search", &toggled),
                    active: is_active,
                }
            })
            .collect();
        for a in &active {
            chips.push(Chip {
                label: format!("{}: {}", labels::facet(*kind), labels::value(a)),
                href: href("/search", &params.without(name, a)),
            });
        }
        if views.is_empty() {
            continue;
        }
        let mut views = views;
        let more = if views.len() > FACET_SHOWN {
            views.split_off(FACET_SHOWN)
        } else {
            Vec::new()
        };
        facets.push(FacetView {
            name,
            heading: labels::facet(*kind),
            any_active: !active.is_empty(),
            shown: views,
            more,
        });
    }
    if !q.is_empty() {
        chips.insert(
            0,
            Chip {
                label: format!("Words: {q}"),
                href: href("/search", &params.without_key("q")),
            },
        );
    }
    let pages_total = results
        .total
        .div_ceil(PAGE_SIZE)
        .min(crate::index::MAX_OFFSET / PAGE_SIZE);
    let page_href = |n: usize| {
        let p = params.clone();
        let p = if n > 1 {
            p.with("page", &n.to_string())
        } else {
            p
        };
        href("/search", &p)
    };
    let window_start = page.saturating_sub(2).max(1);
    let window_end = (window_start + 4).min(pages_total);
    let pages = if pages_total > 1 {
        (window_start..=window_end)
            .map(|n| PageLink {
                number: n,
                href: page_href(n),
                current: n == page,
            })
            .collect()
    } else {
        Vec::new()
    };
    let hits: Vec<HitView> = results
        .hits
        .iter()
        .map(|h| HitView {
            id: h.id.to_string(),
            href: format!("/cases/{}", h.id),
            category: labels::value(h.category.as_str()),
            harm: labels::value(h.harm.as_str()),
            harm_class: labels::harm_class(h.harm),
            setting: labels::value(h.setting.as_str()),
            year: h.year,
            summary: Snippet::trusted(h.summary.clone()),
            passages: h
                .highlights
                .iter()
                .map(|p| HitPassage {
                    field: labels::value(p.field),
                    html: Snippet::trusted(p.html.clone()),
                })
                .collect(),
            strengths: h
                .strengths
                .iter()
                .map(|s| (labels::value(s.as_str()), labels::strength_class(*s)))
                .collect(),
        })
        .collect();
    let relaxed = results
        .relaxed
        .as_ref()
        .map(|r| (r.matched_terms.join(" "), r.dropped_terms.join(" ")));
    let first = if hits.is_empty() {
        0
    } else {
        results.offset + 1
    };
    let last = results.offset + hits.len();
    let kept = params
        .iter()
        .filter(|(k, _)| *k != "q")
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    SearchPage {
        csrf_token: user.csrf_token.clone(),
        add_to: Vec::new(),
        layout: user.layout(
            if q.is_empty() {
                "Search".to_owned()
            } else {
                format!("{q} – Search")
            },
            Some(NavItem::Search),
        ),
        asked: !params.is_empty(),
        q,
        error,
        total: results.total,
        first,
        last,
        hits,
        facets,
        chips,
        clear_href: "/search".into(),
        prev: (page > 1 && pages_total > 0).then(|| page_href(page - 1)),
        next: (page < pages_total).then(|| page_href(page + 1)),
        pages,
        fields: IndexField::ALL.iter().map(|f| f.name()).collect(),
        facet_names: crate::index::FacetKind::ALL
            .iter()
            .map(|k| k.name())
            .collect(),
        kept,
        relaxed,
    }
}

/// `GET /search`.
pub async fn search(
    user: SignedIn,
    services: web::Data<Services>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, UiError> {
    user.require(Action::Search)?;
    let (params, page) = match read(&query) {
        Ok(read) => read,
        Err(message) => {
            let page = build_page(&user, &Params::default(), 1, None, Some(message));
            return Ok(super::html(
                HttpResponse::build(StatusCode::BAD_REQUEST),
                page.render()?,
            ));
        }
    };
    // `category:fall` typed in the box is the category filter: the page says so with the
    // address it would have had from the sidebar, so that its chip and facet show it.
    if let Some(canonical) = facet_terms_moved(&params) {
        return Ok(HttpResponse::SeeOther()
            .insert_header((
                actix_web::http::header::LOCATION,
                href("/search", &canonical),
            ))
            .finish());
    }
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    pairs.push(("limit".into(), PAGE_SIZE.to_string()));
    pairs.push(("offset".into(), ((page - 1) * PAGE_SIZE).to_string()));
    let request = match SearchRequest::from_query_pairs(&pairs) {
        Ok(r) => r,
        Err(e) => {
            let message = AppError::from(e).to_string();
            let page = build_page(&user, &params, page, None, Some(sentence(&message)));
            return Ok(super::html(
                HttpResponse::build(StatusCode::BAD_REQUEST),
                page.render()?,
            ));
        }
    };
    let principal = user.principal().clone();
    let (outcome, add_to) = web::block(move || {
        let outcome = services.search.search(&principal, &request);
        let add_to = services
            .discussions
            .managed_list(&principal)
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.id.get(), d.title))
            .collect::<Vec<_>>();
        (outcome, add_to)
    })
    .await?;
    let (results, error, status) = match outcome {
        Ok(results) => (Some(results), None, StatusCode::OK),
        Err(AppError::BadQuery(message)) => {
            (None, Some(sentence(&message)), StatusCode::BAD_REQUEST)
        }
        Err(e) => return Err(e.into()),
    };
    let mut page = build_page(&user, &params, page, results, error);
    page.add_to = add_to;
    Ok(super::html(HttpResponse::build(status), page.render()?))
}

/// The search's parameters with the facet terms typed in `q` moved to their facets'
/// parameters (the page number dropped), when `q` has any.
fn facet_terms_moved(params: &Params) -> Option<Params> {
    let q = params.get("q")?;
    let typed = crate::index::take_facet_terms(q).ok()?;
    if typed.filters.is_empty() {
        return None;
    }
    let mut out = params.without_key("q").without_key("page");
    if let Some(text) = &typed.text {
        out = out.with("q", text);
    }
    for (kind, value) in &typed.filters {
        out = out.with(kind.name(), value);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facet_terms_typed_in_the_box_become_the_facets_parameters() {
        let (params, _) = read(&pairs(&[
            ("q", "heparin category:fall"),
            ("harm", "severe"),
        ]))
        .unwrap();
        let moved = facet_terms_moved(&params).unwrap();
        assert_eq!(
            href("/search", &moved),
            "/search?harm=severe&q=heparin&category=fall"
        );
        let (params, _) = read(&pairs(&[("q", "harm:severe")])).unwrap();
        assert_eq!(
            href("/search", &facet_terms_moved(&params).unwrap()),
            "/search?harm=severe"
        );
        let (params, _) = read(&pairs(&[("q", "heparin")])).unwrap();
        assert!(facet_terms_moved(&params).is_none());
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn empty_parameters_are_dropped_and_the_page_is_read_apart() {
        let (params, page) = read(&pairs(&[
            ("q", ""),
            ("harm", "severe"),
            ("page", "3"),
            ("setting", " "),
        ]))
        .unwrap();
        assert_eq!(page, 3);
        assert_eq!(params.iter().collect::<Vec<_>>(), [("harm", "severe")]);
        assert!(read(&pairs(&[("page", "0")])).is_err());
        assert!(read(&pairs(&[("page", "x")])).is_err());
        assert!(read(&pairs(&[("page", "100000")])).is_err());
    }
}
