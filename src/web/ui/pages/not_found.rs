//! The page for every path no route takes.

use super::super::UiError;

/// The default service of the UI scope: the HTML 404 page.
pub async fn not_found() -> Result<actix_web::HttpResponse, UiError> {
    Err(UiError::NotFound)
}
