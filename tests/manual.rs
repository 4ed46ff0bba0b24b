//! The decision table (CSV, Markdown) and the service manual (issue 4, point 6; R2.2, R2.6),
//! with golden files of the example policy's manual.
//!
//! `UPDATE_GOLDEN=1 cargo test --all-features --test manual` rewrites the golden files after an
//! intended change; review the diff before committing.
#![cfg(feature = "csv")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use unified_message::table::{DecisionTable, TABLE_COLUMNS};
use unified_message::{Channel, Contact, DecisionBrief, Engine, Outcome, Progress, Responder};

const SMALL: &str = include_str!("data/table/small-policy.toml");

fn example() -> Engine {
    Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap()
}

fn small() -> Engine {
    Engine::from_toml_str(SMALL).unwrap()
}

/// Compares `actual` with the golden file `name`, or rewrites it under `UPDATE_GOLDEN=1`.
fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; create it with UPDATE_GOLDEN=1 cargo test --all-features --test manual",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the generated text, first at line {}:\n  golden:    {:?}\n  generated: {:?}\n\
             if the change is intended, rewrite it with UPDATE_GOLDEN=1 cargo test --all-features --test manual and review `git diff`",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("(end of file)"),
            actual.lines().nth(line).unwrap_or("(end of file)"),
        );
    }
}

/// R2.2, R2.6: the whole company's manual in Spanish, as reviewed.
#[test]
fn r2_6_golden_manual_es() {
    golden("manual-es.md", &example().manual(None, "es").unwrap());
}

/// R2.6: a department's manual (rolled out per department), in English, as reviewed.
#[test]
fn r2_6_golden_manual_billing_en() {
    golden(
        "manual-billing-en.md",
        &example().manual(Some("billing"), "en").unwrap(),
    );
}

/// R2.6: the manual has an index whose every link reaches a heading anchor, in order.
#[test]
fn r2_6_manual_index_links_resolve() {
    let manual = example().manual(Some("support"), "es").unwrap();
    let index = manual
        .split("## Índice")
        .nth(1)
        .unwrap()
        .split("\n\n<a")
        .next()
        .unwrap();
    let links: Vec<&str> = index
        .lines()
        .filter_map(|l| l.split("](#").nth(1))
        .map(|l| l.trim_end_matches(')'))
        .collect();
    assert!(links.len() > 8, "{index}");
    let mut last = 0;
    for link in links {
        let anchor = format!("<a id=\"{link}\"></a>");
        let at = manual
            .find(&anchor)
            .unwrap_or_else(|| panic!("no anchor {anchor}"));
        assert!(at > last, "index out of order at {link}");
        last = at;
    }
    // Support's own topics are in full; billing's are only in "other departments".
    assert!(manual.contains("### `email.setup`"));
    assert!(!manual.contains("### `billing.refund`"));
    assert!(manual.contains("| `billing.refund` | Administración (`billing`) | `support-agent` |"));
}

/// R2.2, R4.3: per topic the ladder, who may answer and with what authority, the rank chain,
/// the rules with their why, and the forbidden phrases with their reasons.
#[test]
fn r2_2_manual_covers_ladder_authority_ranks_rules_style() {
    let engine = example();
    let manual = engine.manual(Some("billing"), "en").unwrap();
    let refund = manual
        .split("<a id=\"topic-billing-refund\"></a>")
        .nth(1)
        .unwrap()
        .split("<a id=\"other-departments-topics\"></a>")
        .next()
        .unwrap();
    assert!(
        refund.contains("**A system that explains** — Centro de Ayuda Acme (`self-diagnosis`)")
    );
    assert!(refund.contains("`refund-policy` v2:"));
    assert!(refund.contains("> You have 30 days from purchase"));
    assert!(refund.contains("authority `authorized` (approver: `supervisor`)"));
    assert!(refund.contains(
        "| `billing-agent` | Administración | agent | authorized (owning department) | request authorization from a `supervisor` |"
    ));
    assert!(refund.contains("| `billing-supervisor` | Administración | supervisor | own (grant `billing.*`) | answer with `refund-granted` |"));
    assert!(refund.contains("| `sales-agent` | Ventas | agent | consensual (another department's topic) | route to Administración (`billing`) |"));
    assert!(refund.contains("agent (`billing-agent`) → supervisor (`billing-supervisor`) → manager (`billing-manager`) → a review within 24h"));
    assert!(refund.contains("[`premium-refund`](#rule-premium-refund): when topic `billing.refund`, department `billing`, fact `plan` is `premium`, the authority is `own`."));
    assert!(manual.contains("- **Why:** Los clientes Premium tienen devolución garantizada"));
    assert!(manual.contains("| `(?i)eso no nos compete` | frase de exclusión"));
    // A pipe inside a pattern is escaped so the table keeps its columns.
    assert!(
        manual.contains(r"`(?i)(that.s\|that is\|it.s\|it is) not (our\|my) (concern\|business)`")
    );
    // The handover texts, as written, placeholders and all.
    assert!(
        manual.contains(
            "> To give you a firm answer, I am requesting authorization from a {rank} now"
        )
    );
}

/// R2.6: a Spanish manual is written in Spanish, headings included.
#[test]
fn r2_6_spanish_manual_in_spanish() {
    let manual = example().manual(Some("billing"), "es").unwrap();
    for heading in [
        "# Manual de atención al cliente — Acme Hosting",
        "## Índice",
        "#### Quién puede responder",
        "## Palabras y frases que nunca se usan",
        "#### Si el cliente pide un superior",
    ] {
        assert!(manual.contains(heading), "no {heading}");
    }
    assert!(manual.contains("> Tiene 30 días desde la contratación"));
    assert!(manual.contains("| `billing-agent` | Administración | agent | authorized (departamento responsable) | pide autorización a un `supervisor` |"));
    assert!(!manual.contains("Who may answer"));
}

/// The manual is deterministic and follows the locale; an unknown locale gets the default.
#[test]
fn manual_is_deterministic_and_localized() {
    let engine = example();
    assert_eq!(
        engine.manual(None, "en").unwrap(),
        engine.manual(None, "en").unwrap()
    );
    let en = engine.manual(Some("billing"), "en").unwrap();
    assert!(en.contains("> You have 30 days from purchase"));
    // The empty locale is the default one; a regional variant finds its language.
    assert_eq!(
        engine.manual(Some("billing"), "").unwrap(),
        engine.manual(Some("billing"), "es").unwrap()
    );
    assert_eq!(
        engine.manual(Some("billing"), "EN-gb").unwrap(),
        engine.manual(Some("billing"), "en").unwrap()
    );
    // Issue 19 decision: an undeclared locale is an error naming the declared ones, like an
    // unknown department — never a silent fallback.
    let err = engine.manual(Some("billing"), "fr").unwrap_err();
    assert_eq!(err.locale(), Some("fr"));
    assert_eq!(err.department(), None);
    assert_eq!(
        err.to_string(),
        "unknown locale `fr`; the policy's locales are `es`, `en`"
    );
    let err = engine.manual(Some("suport"), "es").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown department `suport` (did you mean `support`?); the policy's departments are `support`, `sales`, `projects`, `billing`"
    );
}

fn staff_rows(table: &DecisionTable) -> usize {
    table
        .rows
        .iter()
        .filter(|r| matches!(r.responder, Responder::Staff(_)))
        .count()
}

/// R2.2: every row of the table is what `decide` says for that circumstance, on each of
/// its channels (every channel when none is listed).
#[test]
fn r2_2_table_rows_agree_with_decide() {
    for engine in [example(), small()] {
        let table = engine.decision_table();
        for row in &table.rows {
            let channels: Vec<Channel> = if row.channels.is_empty() {
                vec![Channel::Phone, Channel::Web, Channel::Custom("sms".into())]
            } else {
                row.channels
                    .iter()
                    .map(|c| Channel::from(c.as_str()))
                    .collect()
            };
            for channel in channels {
                let mut contact = Contact::new("t", channel)
                    .with_topic(row.topic.clone())
                    .with_progress(row.progress);
                for (k, v) in &row.facts {
                    contact = contact.with_fact(k.clone(), v.clone());
                }
                if row.asks_for_superior {
                    contact = contact.asking_for_superior();
                }
                let d = engine.decide(&contact, &row.responder);
                assert_eq!(DecisionBrief::from(&d), row.decision, "{row:?}");
            }
        }
    }
}

/// The table enumerates every topic × progress × responder × request for a superior: one
/// row without facts each (systems: no request rows, since they ignore it), when no rule
/// names a channel.
#[test]
fn r2_2_table_enumerates_every_circumstance() {
    let engine = example();
    let table = engine.decision_table();
    let base = |staff: bool| {
        table
            .rows
            .iter()
            .filter(|r| r.facts.is_empty() && r.channels.is_empty())
            .filter(|r| matches!(r.responder, Responder::Staff(_)) == staff)
            .count()
    };
    let cells = engine.topics().len() * Progress::ALL.len();
    assert_eq!(base(true), cells * engine.roles().len() * 2);
    assert_eq!(base(false), cells * engine.systems().len());
    assert!(staff_rows(&table) > base(true), "rule facts add rows");
    // Fact rows exist only where a rule makes the facts matter.
    for row in table.rows.iter().filter(|r| !r.facts.is_empty()) {
        assert!(
            row.decision.rule.is_some() || row.decision.outcome == Outcome::Answer,
            "{row:?}"
        );
    }
}

/// A rule that names a channel splits the circumstance into channel groups.
#[test]
fn table_lists_channel_groups_when_a_rule_names_a_channel() {
    let table = small().decision_table();
    let split: Vec<_> = table
        .rows
        .iter()
        .filter(|r| r.topic == "billing" && r.progress == Progress::Fresh && !r.channels.is_empty())
        .collect();
    assert_eq!(split.len(), 2, "{split:?}");
    assert_eq!(split[0].channels, ["phone"]);
    assert_eq!(split[0].decision.rule.as_deref(), Some("phone-answers"));
    assert!(!split[1].channels.contains(&"phone".to_owned()));
    assert!(split[1].channels.contains(&"web".to_owned()));
    assert_eq!(split[1].decision.outcome, Outcome::Redirect);
}

/// CSV: the header, one record per row, and RFC 4180 quoting of commas and quotes.
#[test]
fn csv_has_header_rows_and_quoting() {
    let engine = small();
    let table = engine.decision_table();
    let csv_text = table.to_csv();
    assert!(csv_text.starts_with(&format!("{}\r\n", TABLE_COLUMNS.join(","))));
    assert!(csv_text.contains(r#","plan=gold, ""vip""","#), "{csv_text}");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        TABLE_COLUMNS
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), table.rows.len());
    for (record, row) in records.iter().zip(&table.rows) {
        assert_eq!(record.len(), TABLE_COLUMNS.len());
        assert_eq!(
            record.iter().map(str::to_owned).collect::<Vec<_>>(),
            row.cells()
        );
    }
    assert!(records.iter().any(|r| &r[4] == r#"plan=gold, "vip""#));
    assert!(records.iter().any(|r| &r[3] == "phone"));

    let example = example().decision_table();
    let lines = example.to_csv().lines().count();
    assert_eq!(lines, example.rows.len() + 1);
}

/// Markdown: an index of topics, one table per topic, a data line per row, pipes escaped.
#[test]
fn markdown_table_has_index_and_one_line_per_row() {
    let engine = example();
    let table = engine.decision_table();
    let md = table.to_markdown();
    assert!(md.starts_with("# Decision table — Acme Hosting\n"));
    for topic in engine.topics() {
        assert!(md.contains(&format!("## `{topic}`")));
        assert!(md.contains(&format!("- [`{topic}`](#table-")));
    }
    let header = "| progress | responder | channels | facts | asks for superior | outcome | message | version | system | department | rank | rule | authority | flags |";
    assert_eq!(md.matches(header).count(), engine.topics().len());
    let data_lines = md
        .lines()
        .filter(|l| l.starts_with("| ") && *l != header)
        .count();
    assert_eq!(data_lines, table.rows.len());
    for line in md.lines().filter(|l| l.starts_with("| ")) {
        let cells = line.replace(r"\|", "").matches('|').count();
        assert_eq!(cells, 15, "{line}");
    }
}

/// R3.3: the manual's rank chain is the one the engine escalates through, up to the review:
/// a rank nobody of the department holds is skipped.
#[test]
fn r3_3_manual_rank_chain_follows_escalation() {
    let manager = "[roles.sales-manager]\ndepartment = \"sales\"\nrank = \"manager\"\n";
    let policy = unified_message::EXAMPLE_POLICY.replace(manager, "");
    assert_ne!(policy, unified_message::EXAMPLE_POLICY);
    let engine = Engine::from_toml_str(&policy).unwrap();
    let manual = engine.manual(Some("sales"), "en").unwrap();
    assert!(manual.contains(
        "- Ventas (`sales`): agent (`sales-agent`) → supervisor (`sales-supervisor`) → a review within 24h"
    ), "{manual}");
    let angry = Contact::new("c", Channel::Phone)
        .with_topic("sales.plans")
        .asking_for_superior();
    let d = engine.decide(&angry, &Responder::staff("sales-agent"));
    assert_eq!(
        (d.outcome(), d.rank()),
        (Outcome::Escalate, Some("supervisor"))
    );
    let d = engine.decide(&angry, &Responder::staff("sales-supervisor"));
    assert_eq!(d.outcome(), Outcome::Review);

    let full = example().manual(Some("sales"), "en").unwrap();
    assert!(full.contains(
        "- Ventas (`sales`): agent (`sales-agent`) → supervisor (`sales-supervisor`) → manager (`sales-manager`) → a review within 24h"
    ));
}

/// R2.2: the table covers the whole circumstance space of `Engine::circumstances` — every
/// circumstance is stated by exactly one row (a fact row, else the row without facts; for a
/// system asked for a superior, else the unasked row), which says what `decide` says.
#[test]
fn r2_2_table_covers_every_circumstance_once() {
    for engine in [example(), small()] {
        let table = engine.decision_table();
        let mut used = vec![false; table.rows.len()];
        let mut count = 0;
        for c in engine.circumstances() {
            count += 1;
            let topic = c.contact.topic.as_deref().unwrap();
            let find = |facts: &unified_message::Facts, asks: bool| -> Vec<usize> {
                table
                    .rows
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| {
                        r.topic == topic
                            && r.progress == c.contact.progress
                            && r.responder == c.responder
                            && r.asks_for_superior == asks
                            && r.facts == *facts
                            && (r.channels.is_empty()
                                || r.channels
                                    .iter()
                                    .any(|ch| *ch == c.contact.channel.as_str()))
                    })
                    .map(|(i, _)| i)
                    .collect()
            };
            let none = unified_message::Facts::new();
            let asks = c.contact.asks_for_superior;
            let mut found = find(&c.contact.facts, asks);
            if found.is_empty() && matches!(c.responder, Responder::System(_)) && asks {
                found = find(&c.contact.facts, false);
            }
            if found.is_empty() {
                found = find(&none, asks);
            }
            if found.is_empty() && matches!(c.responder, Responder::System(_)) && asks {
                found = find(&none, false);
            }
            assert_eq!(found.len(), 1, "{c:?}");
            let row = &table.rows[found[0]];
            used[found[0]] = true;
            let d = engine.decide(&c.contact, &c.responder);
            assert_eq!(
                (d.outcome(), d.message_id(), d.rule()),
                (
                    row.decision.outcome,
                    row.decision.message.as_str(),
                    row.decision.rule.as_deref()
                ),
                "{c:?}"
            );
        }
        assert_eq!(count, engine.circumstances().len());
        assert!(used.iter().all(|u| *u), "a row states no circumstance");
    }
}

/// The manual shows a host placeholder as written, and fills `{system}` and `{where}`.
#[test]
fn manual_keeps_host_placeholders() {
    let manual = small().manual(None, "en").unwrap();
    assert!(
        manual.contains("> Here is the answer, {customer_name}; {braces} stay."),
        "{manual}"
    );
    assert!(
        manual.contains("> See Help: https://help.example"),
        "{manual}"
    );
}

/// A row's JSON keeps its flat shape: the decision in brief's fields sit between the
/// circumstance and the authority, as columns, and the JSON reads back to the same row.
#[test]
fn table_row_json_lists_the_decision_in_brief_as_columns() {
    let table = small().decision_table();
    let row = table
        .rows
        .iter()
        .find(|r| !r.channels.is_empty() && r.decision.rule.is_some())
        .unwrap();
    let json = serde_json::to_string(row).unwrap();
    let keys: Vec<String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&json)
            .unwrap()
            .keys()
            .cloned()
            .collect();
    let mut at = 0;
    for key in [
        "topic",
        "progress",
        "responder",
        "channels",
        "asks_for_superior",
        "outcome",
        "message",
        "version",
        "rule",
        "flags",
    ] {
        let found = json
            .find(&format!("\"{key}\":"))
            .unwrap_or_else(|| panic!("{key}: {json}"));
        assert!(found >= at, "{key} out of order: {json}");
        at = found;
    }
    assert!(!keys.iter().any(|k| k == "decision"), "{json}");
    assert_eq!(
        &serde_json::from_str::<unified_message::table::TableRow>(&json).unwrap(),
        row
    );
}

/// The example policy with Markdown in its strings: a name that would be a bold phishing
/// link, HTML, emphasis, strikethrough, a heading, a list, an image, a code span closed
/// early by a backtick in the revision.
fn hostile() -> Engine {
    const PHISH: &str = "**[Your session expired: sign in again](https://evil.example/login)**";
    let text = unified_message::EXAMPLE_POLICY
        .replace(
            "name = \"Acme Hosting\"",
            &format!("name = \"Acme {PHISH}\""),
        )
        .replace("revision = \"2026-11-27\"", "revision = \"r`](https://evil.example/rev)`\"")
        .replace(
            "support = { name = \"Soporte técnico\" }",
            &format!("support = {{ name = \"{PHISH}\" }}"),
        )
        .replace(
            "name = \"Centro de Ayuda Acme\"",
            "name = \"<img src=x onerror=alert(1)> _Help_ ~~gone~~ &lt;b&gt;\"",
        )
        .replace(
            "Create or review your mailbox in {system}",
            "# Heading\\n1. [click](https://evil.example/x) *now* `code` ![i](https://evil.example/i.png)\\n- item\\n> quoted\\nCreate or review your mailbox in {system}",
        )
        .replace(
            "exclusion phrase: the customer feels brushed off (R2.3)",
            "[why](https://evil.example/why) | *why*",
        );
    Engine::from_toml_str(&text).unwrap()
}

#[test]
fn issue30_4_policy_strings_are_text_in_the_manual() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let engine = hostile();
    for (department, locale) in [
        (None, "en"),
        (Some("support"), "en"),
        (Some("billing"), "es"),
    ] {
        let manual = engine.manual(department, locale).unwrap();
        let mut emphasis = 0;
        let mut heading = false;
        let mut plain = String::new();
        let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
        for event in Parser::new_ext(&manual, options) {
            match event {
                Event::Start(Tag::Link { dest_url, .. }) => {
                    assert!(dest_url.starts_with('#'), "a link to {dest_url}:\n{manual}");
                }
                Event::Start(Tag::Image { dest_url, .. }) => {
                    panic!("an image of {dest_url}:\n{manual}")
                }
                Event::Start(Tag::Strikethrough) => panic!("a strikethrough:\n{manual}"),
                Event::Start(Tag::Emphasis | Tag::Strong) => emphasis += 1,
                Event::End(TagEnd::Emphasis | TagEnd::Strong) => emphasis -= 1,
                Event::Start(Tag::Heading { .. }) => heading = true,
                Event::End(TagEnd::Heading(_)) => heading = false,
                Event::Html(html) | Event::InlineHtml(html) => {
                    let html = html.trim();
                    assert!(
                        html.starts_with("<a id=\"") || html == "</a>" || html.starts_with("<!--"),
                        "HTML {html:?}:\n{manual}"
                    );
                }
                Event::Text(t) | Event::Code(t) => {
                    for word in [
                        "evil", "session", "Help", "gone", "now", "Heading", "why", "item",
                    ] {
                        assert!(
                            !(t.contains(word) && (emphasis > 0 || (heading && word == "Heading"))),
                            "{word:?} emphasised or a heading in {t:?}:\n{manual}"
                        );
                    }
                    plain.push_str(&t);
                }
                Event::SoftBreak | Event::HardBreak => plain.push('\n'),
                _ => {}
            }
        }
        // The strings are all there, as the policy wrote them.
        let phish = "**[Your session expired: sign in again](https://evil.example/login)**";
        assert!(plain.contains(&format!("Acme {phish}")), "{plain}");
        assert!(plain.contains("r`](https://evil.example/rev)`"), "{plain}");
        if department != Some("billing") {
            assert!(
                plain.contains("<img src=x onerror=alert(1)> _Help_ ~~gone~~ &lt;b&gt;"),
                "{plain}"
            );
            assert!(plain.contains("# Heading\n1. [click](https://evil.example/x) *now* `code` ![i](https://evil.example/i.png)\n- item\n> quoted\n"), "{plain}");
        }
        if department.is_none() {
            assert!(plain.contains(phish), "{plain}");
        }
    }
}
