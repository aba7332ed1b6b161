//! `GET /sign-in`: the sign-in form. Its POST (checking the password, opening a session)
//! is not here yet; the form's CSRF token is bound to the pre-session cookie, which this
//! handler sets when the browser has none.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::super::{csrf, Layout, Nav, UiError, UiState};

/// `templates/sign_in.html`.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignIn {
    pub layout: Layout,
    pub csrf_token: String,
    /// The e-mail address typed before, shown again after a refused attempt.
    pub email: String,
    /// Why the last attempt was refused, shown in an error alert.
    pub error: Option<&'static str>,
}

impl SignIn {
    /// The empty form.
    pub fn new(csrf_token: String) -> Self {
        SignIn {
            layout: Layout::new("Sign in", Nav::signed_out()),
            csrf_token,
            email: String::new(),
            error: None,
        }
    }
}

/// The form, with a token bound to this browser's pre-session.
pub async fn form(req: HttpRequest, state: web::Data<UiState>) -> Result<HttpResponse, UiError> {
    let (pre, fresh) = match csrf::pre_session(&req) {
        Some(id) => (id, false),
        None => (state.csrf.new_pre_session()?, true),
    };
    let token = state.csrf.issue(pre.as_bytes())?;
    let mut res = super::render(&SignIn::new(token.as_str().to_owned()))?;
    if fresh {
        res.add_cookie(&csrf::pre_session_cookie(&req, pre))
            .map_err(|e| UiError::Internal(format!("cookie: {e}")))?;
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_escapes_what_it_shows_again() {
        let mut page = SignIn::new("ab12".into());
        page.email = "\"><script>x</script>".into();
        page.error = Some("Wrong e-mail address or password.");
        let html = page.render().unwrap();
        assert!(!html.contains("<script>x"));
        assert!(
            html.contains("&#34;&#62;&#60;script&#62;")
                || html.contains("&quot;&gt;&lt;script&gt;")
        );
        assert!(html.contains("usa-alert--error"));
        assert!(html.contains("name=\"csrf_token\" value=\"ab12\""));
    }
}
