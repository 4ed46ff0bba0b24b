//! The service manual (Markdown, from the library) as HTML the page can show: the policy is a
//! stranger's text, so raw HTML in it is shown as text, images are left out (no request
//! to another origin), a link is kept only to an anchor of the manual or an http(s) address,
//! and the manual's own anchors get a prefix so that they cannot clash with the page's ids.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// The prefix of the manual's anchors in the page.
pub(crate) const ANCHOR_PREFIX: &str = "manual-";

/// `<a id="ID"></a>` or its opening tag alone (inline HTML comes tag by tag), the anchors
/// the manual writes before its headings: `Some(ID)`.
fn anchor_id(html: &str) -> Option<&str> {
    let rest = html.trim().strip_prefix("<a id=\"")?;
    let id = rest
        .strip_suffix("\"></a>")
        .or_else(|| rest.strip_suffix("\">"))?;
    let plain = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    plain.then_some(id)
}

fn safe_link(dest: &str) -> Option<String> {
    if let Some(anchor) = dest.strip_prefix('#') {
        return Some(format!("#{ANCHOR_PREFIX}{anchor}"));
    }
    let lower = dest.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| dest.to_owned())
}

/// The manual's Markdown as HTML safe to put in the page.
pub(crate) fn to_html(markdown: &str) -> String {
    let mut kept_links: Vec<bool> = Vec::new();
    let mut open_anchor = false;
    let events = Parser::new_ext(markdown, Options::ENABLE_TABLES).filter_map(|event| {
        Some(match event {
            Event::Html(text) | Event::InlineHtml(text) => {
                if let Some(id) = anchor_id(&text) {
                    open_anchor = !text.trim_end().ends_with("</a>");
                    let close = if open_anchor { "" } else { "</a>" };
                    Event::Html(CowStr::from(format!(
                        "<a id=\"{ANCHOR_PREFIX}{id}\">{close}"
                    )))
                } else if open_anchor && text.trim() == "</a>" {
                    open_anchor = false;
                    Event::Html(text)
                } else if text.trim_start().starts_with("<!--") {
                    return None;
                } else {
                    Event::Text(text)
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => match safe_link(&dest_url) {
                Some(dest) => {
                    kept_links.push(true);
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url: CowStr::from(dest),
                        title,
                        id,
                    })
                }
                None => {
                    kept_links.push(false);
                    return None;
                }
            },
            Event::End(TagEnd::Link) => {
                if kept_links.pop().unwrap_or(false) {
                    Event::End(TagEnd::Link)
                } else {
                    return None;
                }
            }
            // An image would be a request to wherever it points; its text stays.
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => return None,
            other => other,
        })
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_in_a_policy_is_shown_as_text() {
        let html = to_html("> Hello <script>alert(1)</script> and <img src=x onerror=alert(2)>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn only_anchors_and_web_links_are_kept() {
        let html = to_html(
            "[a](#topics) [b](javascript:alert(1)) [c](https://example.com/x) ![d](https://example.com/i.png)\n\n<a id=\"topics\"></a>\n\n## Topics\n",
        );
        assert!(html.contains("href=\"#manual-topics\""), "{html}");
        assert!(!html.contains("javascript"), "{html}");
        assert!(html.contains("href=\"https://example.com/x\""), "{html}");
        assert!(!html.contains("i.png"), "{html}");
        assert!(html.contains("<a id=\"manual-topics\"></a>"), "{html}");
    }

    #[test]
    fn the_example_manual_renders_with_its_index() {
        #![allow(clippy::unwrap_used)]
        let engine =
            unified_message::Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
        let html = to_html(&engine.manual(Some("billing"), "en").unwrap());
        assert!(
            html.contains("<h1>Service manual — Acme Hosting</h1>"),
            "{html}"
        );
        assert!(html.contains("href=\"#manual-topic-billing-invoice\""));
        assert!(html.contains("id=\"manual-topic-billing-invoice\""));
        assert!(!html.contains("&lt;a id="), "an anchor shown as text");
        assert!(!html.contains("Generated by"), "the comment is left out");
    }
}
