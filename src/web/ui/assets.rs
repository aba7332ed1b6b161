//! Static assets, embedded in the binary: the vendored U.S. Web Design System (see
//! `assets/vendor/README.md`) and our own `safetable.css`.
//!
//! URLs carry a version, a digest of every embedded file ([`version`]), so that a
//! browser may keep them a year (`immutable`) and still gets new files after an upgrade.
//! A request naming another version (an old page during a rolling upgrade) gets the
//! current file with `no-cache`. Every file also has an `ETag` (its own SHA-256), and
//! `If-None-Match` answers 304.

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use ring::digest;
use rust_embed::RustEmbed;

/// The files under `src/web/ui/assets/`, in the binary even in debug builds (not the
/// vendored files' notes, update script and licence texts).
#[derive(RustEmbed)]
#[folder = "src/web/ui/assets/"]
#[exclude = "*.md"]
#[exclude = "*.sh"]
#[exclude = "*.txt"]
#[exclude = "*/LICENSE-*"]
struct Embedded;

/// `Cache-Control` of a versioned URL naming the current version.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A digest of every embedded file and its path: 16 hex digits.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut paths: Vec<_> = Embedded::iter().collect();
        paths.sort();
        let mut ctx = digest::Context::new(&digest::SHA256);
        for path in paths {
            if let Some(file) = Embedded::get(&path) {
                ctx.update(path.as_bytes());
                ctx.update(&[0]);
                ctx.update(&file.metadata.sha256_hash());
            }
        }
        hex::encode(&ctx.finish().as_ref()[..8])
    })
}

/// The URL prefix of the assets, `/assets/{version}`: templates write
/// `{{ layout.assets }}/safetable.css`.
pub fn prefix() -> &'static str {
    static PREFIX: OnceLock<String> = OnceLock::new();
    PREFIX.get_or_init(|| format!("/assets/{}", version()))
}

/// The content type of a file we serve, by extension; `None` for a kind we do not serve.
fn content_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "gif" => "image/gif",
        "woff2" => "font/woff2",
        _ => return None,
    })
}

/// Whether `If-None-Match` lists `etag` (or `*`).
fn matches_etag(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// `GET /assets/{version}/{path}`.
pub async fn serve(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (asked_version, path) = path.into_inner();
    let (Some(file), Some(content_type)) = (Embedded::get(&path), content_type(&path)) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such asset");
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    let cache_control = if asked_version == version() {
        IMMUTABLE
    } else {
        "no-cache"
    };
    if matches_etag(&req, &etag) {
        return HttpResponse::NotModified()
            .insert_header((header::CACHE_CONTROL, cache_control))
            .insert_header((header::ETAG, etag))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
        .body(file.data.into_owned())
}

/// `GET /favicon.ico`: browsers ask for it whatever the page says; send them to the
/// versioned icon.
pub async fn favicon() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header((header::LOCATION, format!("{}/favicon.svg", prefix())))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_system_and_our_stylesheet_are_embedded() {
        for path in [
            "vendor/uswds/css/uswds.min.css",
            "vendor/uswds/js/uswds.min.js",
            "vendor/uswds/js/uswds-init.min.js",
            "vendor/uswds/img/sprite.svg",
            "safetable.css",
            "favicon.svg",
        ] {
            assert!(Embedded::get(path).is_some(), "{path} is not embedded");
        }
        assert!(Embedded::get("vendor/README.md").is_none());
    }

    #[test]
    fn every_url_in_the_stylesheets_names_an_embedded_file() {
        for css in ["vendor/uswds/css/uswds.min.css", "safetable.css"] {
            let file = Embedded::get(css).unwrap();
            let text = std::str::from_utf8(&file.data).unwrap();
            let dir = css.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            for piece in text.split("url(").skip(1) {
                let target = piece
                    .split(')')
                    .next()
                    .unwrap()
                    .trim_matches(|c| c == '"' || c == '\'');
                if target.is_empty() || target.starts_with("data:") || target.contains("hero.") {
                    continue;
                }
                let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
                for seg in target.split('/') {
                    match seg {
                        ".." => {
                            parts.pop();
                        }
                        "." => {}
                        s => parts.push(s),
                    }
                }
                let resolved = parts.join("/");
                assert!(
                    Embedded::get(&resolved).is_some() && content_type(&resolved).is_some(),
                    "{css} refers to {target}, which is not served"
                );
            }
        }
    }

    #[test]
    fn the_version_is_a_stable_digest() {
        assert_eq!(version().len(), 16);
        assert_eq!(version(), version());
        assert_eq!(prefix(), format!("/assets/{}", version()));
    }

    #[test]
    fn unknown_kinds_of_file_are_not_served() {
        assert_eq!(content_type("x.woff2"), Some("font/woff2"));
        assert_eq!(content_type("x.md"), None);
        assert_eq!(content_type("noext"), None);
    }
}
