//! The page and its assets, embedded in the binary: plain HTML, CSS and JavaScript, no build
//! step, no request to any other origin (the Content-Security-Policy says so to the browser).

use std::sync::OnceLock;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName};
use axum::response::IntoResponse;

const INDEX: &str = include_str!("../assets/index.html");
const SCRIPT: &str = include_str!("../assets/app.js");
const STYLE: &str = include_str!("../assets/style.css");

/// Where the example policy goes in `index.html`: the editor's initial text.
const EXAMPLE_SLOT: &str = "{{EXAMPLE_POLICY}}";

/// Only this origin, no inline script or style, no frames, no forms sent anywhere.
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

type Headers = [(HeaderName, &'static str); 4];

fn headers(content_type: &'static str) -> Headers {
    [
        (CONTENT_TYPE, content_type),
        (CACHE_CONTROL, "no-cache"),
        (HeaderName::from_static("content-security-policy"), CSP),
        (HeaderName::from_static("x-content-type-options"), "nosniff"),
    ]
}

/// `text` with the five characters that mean something in HTML escaped.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page, with the example policy in the editor.
fn page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        INDEX.replacen(
            EXAMPLE_SLOT,
            &escape_html(unified_message::EXAMPLE_POLICY),
            1,
        )
    })
}

pub(crate) async fn index() -> impl IntoResponse {
    (headers("text/html; charset=utf-8"), page())
}

pub(crate) async fn script() -> impl IntoResponse {
    (headers("text/javascript; charset=utf-8"), SCRIPT)
}

pub(crate) async fn style() -> impl IntoResponse {
    (headers("text/css; charset=utf-8"), STYLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_carries_the_example_policy_escaped() {
        let page = page();
        assert!(!page.contains(EXAMPLE_SLOT));
        assert!(page.contains("[policy]\nname = &quot;Acme Hosting&quot;"));
        assert!(!page.contains("'(?i)eso no nos compete'"));
    }

    #[test]
    fn the_page_names_no_other_origin() {
        for asset in [INDEX, SCRIPT, STYLE] {
            for scheme in ["http://", "https://", "//cdn", "@import"] {
                assert!(!asset.contains(scheme), "an asset refers to `{scheme}`");
            }
        }
    }
}
