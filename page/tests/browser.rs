//! The playground in a real browser: headless Chromium from Debian's packages, driven through
//! chromedriver (WebDriver) started here on a free port, against the page served in-process
//! on 127.0.0.1. Screenshots go to `target/tmp/playground/`.
//!
//! Where `/usr/bin/chromium` or `/usr/bin/chromedriver` is missing, each test prints
//! `SKIPPED` to standard error and passes, unless `UM_REQUIRE_SERVICES=1` (CI), where it fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use unified_message::{Channel, Contact, EXAMPLE_POLICY, Engine, Progress, Responder};

/// Debian's Chromium and its chromedriver; `UM_CHROMIUM` and `UM_CHROMEDRIVER` name others.
fn installed(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// One browser at a time: the machine is small, and each test has its own.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Browser {
    client: Client,
    base: String,
    _driver: Child,
    _profile: tempfile::TempDir,
}

/// Chromium outlives chromedriver when the driver is killed (its processes are re-parented),
/// and every leftover holds memory and inotify instances that later tests need (the decision
/// service watches its policy file). So a browser, however its test ends, takes its Chromium
/// with it: every process whose command line names this browser's own profile directory.
impl Drop for Browser {
    fn drop(&mut self) {
        let profile = self._profile.path().display().to_string();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
            else {
                continue;
            };
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            if String::from_utf8_lossy(&cmdline).contains(&profile) {
                let _ = std::process::Command::new("kill")
                    .args(["-9", pid])
                    .status();
            }
        }
    }
}

fn shots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("playground");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The browser, or `None` (after saying SKIPPED) where Chromium is not installed.
async fn browser(width: u32, height: u32) -> Option<Browser> {
    let chromium = installed("UM_CHROMIUM", "/usr/bin/chromium");
    let chromedriver = installed("UM_CHROMEDRIVER", "/usr/bin/chromedriver");
    if !chromium.exists() || !chromedriver.exists() {
        let missing = format!(
            "{} or {} is missing (apt-get install chromium chromium-driver)",
            chromium.display(),
            chromedriver.display()
        );
        if std::env::var("UM_REQUIRE_SERVICES").as_deref() == Ok("1") {
            panic!("{missing}; UM_REQUIRE_SERVICES=1 requires the browser");
        }
        eprintln!("SKIPPED: {missing}");
        return None;
    }

    // The page, in-process.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, unified_message_page::router()).await });

    // chromedriver on a free port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
                format!("--user-data-dir={}", profile.path().display()),
                format!("--window-size={width},{height}"),
            ],
        }),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = loop {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => break client,
            Err(e) if Instant::now() > deadline => panic!("chromedriver did not start: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    };
    client.set_window_size(width, height).await.unwrap();
    Some(Browser {
        client,
        base,
        _driver: driver,
        _profile: profile,
    })
}

impl Browser {
    async fn js(&self, script: &str) -> Value {
        self.client.execute(script, Vec::new()).await.unwrap()
    }

    async fn shot(&self, name: &str) -> PathBuf {
        let path = shots().join(format!("{name}.png"));
        std::fs::write(&path, self.client.screenshot().await.unwrap()).unwrap();
        path
    }

    /// Waits until `condition` (a JavaScript expression) is true; fails with a screenshot.
    async fn until(&self, condition: &str, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ok = self
                .client
                .execute(&format!("return !!({condition});"), Vec::new())
                .await
                .map(|v| v == Value::Bool(true))
                .unwrap_or(false);
            if ok {
                return;
            }
            if Instant::now() > deadline {
                let shot = self.shot("failure").await;
                panic!(
                    "timed out waiting for {what} ({condition}); see {}",
                    shot.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until nothing is scheduled or in flight.
    async fn settled(&self) {
        // A debounced change is scheduled on the event that follows the keys; give it a turn.
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.until(
            "document.body.dataset.pending === '0'",
            "the page to settle",
        )
        .await;
    }

    async fn open(&self) {
        self.client.goto(&self.base).await.unwrap();
        self.settled().await;
        self.until("document.getElementById('outcome')", "the first decision")
            .await;
    }

    async fn click(&self, css: &str) {
        self.retrying(css, async |e: Element| e.click().await.map(drop))
            .await;
    }

    async fn select(&self, css: &str, value: &str) {
        self.retrying(css, async |e: Element| e.select_by_value(value).await)
            .await;
    }

    /// Finds `css` and acts on it, finding it again when the page re-rendered it in between
    /// (a form rebuilt from a fresh answer of the server): a stale element is the page being
    /// live, not a failure. Gives up after 50 tries (5 s).
    async fn retrying<T>(&self, css: &str, act: impl AsyncFn(Element) -> Result<T, CmdError>) -> T {
        for _ in 0..50 {
            let element = self.client.find(Locator::Css(css)).await.unwrap();
            match act(element).await {
                Err(CmdError::Standard(e)) if e.error == ErrorStatus::StaleElementReference => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                other => return other.unwrap(),
            }
        }
        panic!("{css} kept being re-rendered for 5 s");
    }

    /// Types `text` as key presses into whatever has the focus, where its caret is.
    async fn keys(&self, text: &str) {
        let mut keys = KeyActions::new("keyboard".to_owned());
        for c in text.chars() {
            keys = keys
                .then(KeyAction::Down { value: c })
                .then(KeyAction::Up { value: c });
        }
        self.client.perform_actions(keys).await.unwrap();
    }

    async fn text(&self, css: &str) -> String {
        self.retrying(css, async |e: Element| e.text().await).await
    }

    /// Selects `needle` (the first occurrence after `after`) in the editor, focused.
    async fn select_in_editor(&self, after: &str, needle: &str) {
        let script = format!(
            "const t = document.getElementById('policy'); const a = t.value.indexOf({after}); \
             const i = t.value.indexOf({needle}, a); t.focus(); \
             t.setSelectionRange(i, i + {needle}.length); return i;",
            after = json!(after),
            needle = json!(needle),
        );
        let at = self.js(&script).await;
        assert!(
            at.as_i64().unwrap() >= 0,
            "`{needle}` after `{after}` is in the editor"
        );
    }
}

fn expected_text(contact: &Contact, responder: &Responder) -> String {
    let engine = Engine::from_toml_str(EXAMPLE_POLICY).unwrap();
    engine.decide(contact, responder).text()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_the_page_loads_with_the_example_and_shows_its_first_decision() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(b) = browser(1400, 1000).await else {
        return;
    };
    b.open().await;
    let policy = b
        .js("return document.getElementById('policy').value;")
        .await;
    assert_eq!(
        policy.as_str().unwrap(),
        EXAMPLE_POLICY.replace("\r\n", "\n")
    );
    assert!(b.text("#check-summary").await.starts_with("0 errors"));
    assert_eq!(b.text("#gutter-numbers").await.lines().next(), Some("1"));
    // The first topic, fresh, on the first channel, answered by the first system.
    assert_eq!(b.text("#outcome").await, "answer");
    let expected = expected_text(
        &Contact::new("customer-1", Channel::Phone)
            .with_topic("general")
            .with_locale("es"),
        &Responder::system("self-diagnosis"),
    );
    assert_eq!(b.text("#decision-message").await, expected);
    assert!(!b.text("#steps").await.is_empty());
    b.shot("first-decision").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_an_unknown_department_is_located_with_its_hint_and_fixing_it_clears_it() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(b) = browser(1400, 1000).await else {
        return;
    };
    b.open().await;
    let topic = "[topics.\"billing.invoice\"]";
    let at = EXAMPLE_POLICY.find(topic).unwrap();
    let owner = at + EXAMPLE_POLICY[at..].find("owner = \"billing\"").unwrap();
    let line = EXAMPLE_POLICY[..owner].lines().count() + 1;

    b.select_in_editor(topic, "billing\"").await;
    b.keys("bilin\"").await;
    let item = "#diagnostics li.error[data-code='unknown-department']";
    b.until(
        &format!("document.querySelector(\"{item}\")"),
        "the located error",
    )
    .await;
    let shown = b.text(item).await;
    assert!(shown.contains(&format!("Line {line}, column 1")), "{shown}");
    assert!(shown.contains("unknown department `bilin`"), "{shown}");
    assert!(shown.contains("did you mean `billing`"), "{shown}");
    assert!(b.text("#check-summary").await.starts_with("1 error"));
    // The offending line is marked, in the gutter and behind the text.
    let marked = b
        .js("return [...document.querySelectorAll('#code-marks .mark.error')].map(m => m.dataset.line);")
        .await;
    assert_eq!(marked, json!([line.to_string()]));
    assert_eq!(
        b.js("return document.getElementById('policy').getAttribute('aria-invalid');")
            .await,
        json!("true")
    );
    // The diagnostic takes the caret to its line.
    b.click(&format!("{item} .diag-where")).await;
    let caret_line = b
        .js("const t = document.getElementById('policy'); return t.value.slice(0, t.selectionStart).split('\\n').length;")
        .await;
    assert_eq!(caret_line, json!(line));
    b.shot("located-error").await;

    // Fixed: the error is gone.
    b.select_in_editor(topic, "bilin\"").await;
    b.keys("billing\"").await;
    b.until(
        "document.getElementById('check-summary').textContent.startsWith('0 errors')",
        "the error to disappear",
    )
    .await;
    assert_eq!(
        b.js(
            "return document.querySelectorAll('#diagnostics li.error, #code-marks .mark').length;"
        )
        .await,
        json!(0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_a_warning_shows_its_counterexample_or_matched_phrase_and_hint() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(b) = browser(1400, 1000).await else {
        return;
    };
    b.open().await;
    b.select_in_editor("[messages.backup-guide]", "Hacemos una copia")
        .await;
    b.keys("Eso no nos compete. Hacemos una copia").await;
    let item = "#diagnostics li[data-code='forbidden-phrase']";
    b.until(
        &format!("document.querySelector(\"{item}\")"),
        "the forbidden phrase",
    )
    .await;
    let shown = b.text(item).await;
    assert!(shown.contains("Matched: “Eso no nos compete”"), "{shown}");
    assert!(shown.contains("reword it"), "the hint: {shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_a_contact_and_a_responder_give_the_expected_outcome_and_text() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(b) = browser(1400, 1000).await else {
        return;
    };
    b.open().await;
    b.select("#topic", "domain.delegation").await;
    b.select("#progress", "served").await;
    b.select("#locale", "en").await;
    b.click("#responder-staff").await;
    b.select("#role", "sales-agent").await;
    b.settled().await;
    b.until(
        "document.getElementById('outcome').textContent === 'route'",
        "route",
    )
    .await;
    assert_eq!(b.text("#department").await, "support");
    let expected = expected_text(
        &Contact::new("customer-1", Channel::Phone)
            .with_topic("domain.delegation")
            .with_progress(Progress::Served)
            .with_locale("en"),
        &Responder::staff("sales-agent"),
    );
    assert_eq!(b.text("#decision-message").await, expected);
    assert!(b.text("#steps").await.contains("consensual"));

    // A fact the rules read, and asking for a superior.
    b.select("#topic", "billing.refund").await;
    b.select("#role", "billing-agent").await;
    b.click("#superior").await;
    b.settled().await;
    b.until(
        "document.getElementById('outcome').textContent === 'escalate'",
        "escalate",
    )
    .await;
    assert!(b.text("#decision").await.contains("supervisor"));
    b.shot("contact-and-responder").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_a_customers_sentence_is_triaged_with_the_matched_words_highlighted() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(b) = browser(1400, 1900).await else {
        return;
    };
    b.open().await;
    b.click("#about-text").await;
    b.click("#text").await;
    // "¡" and "ñ" are two bytes in the library's offsets and one unit in JavaScript's: the
    // page converts (issue 24 point 1, the library's `TriageResult`).
    b.keys("¡Hola, señor! No puedo configurar el correo en Outlook")
        .await;
    b.settled().await;
    b.until(
        "document.querySelector('#candidates li.chosen[data-topic=\"email.setup\"]')",
        "email.setup chosen",
    )
    .await;
    let marks = b
        .js("return [...document.querySelectorAll('#triaged-text mark')].map(m => m.textContent);")
        .await;
    assert_eq!(marks, json!(["configurar el correo", "Outlook"]));
    assert!(b.text("#decision").await.contains("email.setup"));
    b.shot("triage").await;

    // The picture of the whole page: a warning marked in the editor beside the triage.
    b.select_in_editor("[messages.backup-guide]", "Hacemos una copia")
        .await;
    b.keys("Eso no nos compete. Hacemos una copia").await;
    b.settled().await;
    let item = "#diagnostics li[data-code='forbidden-phrase'] .diag-where";
    b.until(
        &format!("document.querySelector(\"{item}\")"),
        "the warning",
    )
    .await;
    b.click(item).await;
    b.js("window.scrollTo(0, 0);").await;
    let shot = b.shot("playground").await;
    // The picture of the README and docs/playground.md, when asked for.
    if std::env::var("UM_UPDATE_SCREENSHOT").as_deref() == Ok("1") {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/playground.png");
        std::fs::copy(shot, docs).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn see_it_whole_the_table_filters_and_the_manual_follows_the_editor() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(b) = browser(1400, 1000).await else {
        return;
    };
    b.open().await;
    b.click("#table-details summary").await;
    b.settled().await;
    b.until(
        "document.querySelectorAll('#table-body tr').length > 0",
        "table rows",
    )
    .await;
    b.select("#filter-topic", "domain.delegation").await;
    b.select("#filter-responder", "sales-agent").await;
    b.select("#filter-outcome", "route").await;
    b.settled().await;
    let rows = b
        .js("return [...document.querySelectorAll('#table-body tr')].map(r => [r.cells[0].textContent, r.cells[2].textContent, r.cells[6].textContent]);")
        .await;
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    for row in rows {
        assert_eq!(
            row,
            &json!(["domain.delegation", "staff: sales-agent", "route"])
        );
    }
    assert!(b.text("#table-status").await.starts_with("Showing"));

    b.click("#manual-details summary").await;
    b.select("#manual-department", "billing").await;
    b.select("#manual-locale", "en").await;
    b.settled().await;
    b.until("document.querySelector('#manual h1')", "the manual")
        .await;
    assert_eq!(b.text("#manual h1").await, "Service manual — Acme Hosting");
    assert!(b.text("#manual").await.contains("billing.refund"));
    b.shot("table-and-manual").await;

    // From the policy in the editor: rename it, and the manual follows.
    b.select_in_editor("[policy]", "Acme Hosting").await;
    b.keys("Acme Test").await;
    b.settled().await;
    b.until(
        "document.querySelector('#manual h1').textContent === 'Service manual — Acme Test'",
        "the manual of the edited policy",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_a_link_reproduces_the_policy_and_the_case() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(b) = browser(1400, 1000).await else {
        return;
    };
    b.open().await;
    b.select_in_editor("[policy]", "2026-11-27").await;
    b.keys("2026-12-02").await;
    b.click("#about-text").await;
    b.click("#text").await;
    b.keys("I want a refund").await;
    b.select("#locale", "en").await;
    b.select("#channel", "chat").await;
    b.click("#responder-staff").await;
    b.select("#role", "billing-supervisor").await;
    b.click("#table-details summary").await;
    b.settled().await;
    let state = "JSON.stringify([document.getElementById('policy').value, \
        [...document.querySelectorAll('#case input, #case select, #case textarea')].map(e => e.type === 'radio' || e.type === 'checkbox' ? e.checked : e.value), \
        document.getElementById('outcome').textContent, document.getElementById('decision-message').textContent, \
        document.getElementById('table-details').open])";
    let before = b.js(&format!("return {state};")).await;
    let link = b
        .js("return document.getElementById('share-link').value;")
        .await;
    let link = link.as_str().unwrap().to_owned();
    assert!(link.contains("#z=") || link.contains("#j="), "{link}");
    assert!(before.as_str().unwrap().contains("2026-12-02"));

    b.client.goto("about:blank").await.unwrap();
    b.client.goto(&link).await.unwrap();
    b.settled().await;
    b.until("document.getElementById('outcome')", "the decision")
        .await;
    b.settled().await;
    let after = b.js(&format!("return {state};")).await;
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accessible_the_keyboard_alone_reaches_every_control_and_every_control_is_labelled() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(b) = browser(1400, 1000).await else {
        return;
    };
    b.open().await;
    let tab = || async {
        let keys = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down {
                value: Key::Tab.into(),
            })
            .then(KeyAction::Up {
                value: Key::Tab.into(),
            });
        b.client.perform_actions(keys).await.unwrap();
    };
    // Open both disclosures from the keyboard: Tab to each summary, Enter.
    for _ in 0..2 {
        b.js("document.activeElement.blur(); window.scrollTo(0, 0);")
            .await;
        for _ in 0..200 {
            tab().await;
            let closed = b
                .js("const a = document.activeElement; return a.tagName === 'SUMMARY' && !a.parentElement.open;")
                .await;
            if closed == json!(true) {
                b.keys("\u{e007}").await; // Enter
                b.settled().await;
                break;
            }
        }
    }
    assert_eq!(
        b.js("return document.getElementById('table-details').open && document.getElementById('manual-details').open;").await,
        json!(true)
    );
    // Every visible control, a group of radio buttons counted once.
    let controls = "[...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex=\"0\"]')]\
        .filter(e => e.offsetParent !== null || e.tagName === 'SUMMARY')\
        .map(e => e.type === 'radio' ? 'radio:' + e.name : (e.id || e.tagName + ':' + e.textContent.trim()))";
    let all: Vec<String> =
        serde_json::from_value(b.js(&format!("return [...new Set({controls})];")).await).unwrap();
    assert!(all.len() > 20, "{all:?}");
    let mut reached = std::collections::BTreeSet::new();
    b.js("document.activeElement.blur(); window.scrollTo(0, 0);")
        .await;
    for _ in 0..(all.len() * 2) {
        tab().await;
        let key = b
            .js("const e = document.activeElement; return e.type === 'radio' ? 'radio:' + e.name : (e.id || e.tagName + ':' + e.textContent.trim());")
            .await;
        reached.insert(key.as_str().unwrap_or_default().to_owned());
    }
    let missed: Vec<&String> = all.iter().filter(|c| !reached.contains(*c)).collect();
    assert!(missed.is_empty(), "not reached by Tab: {missed:?}");

    // Every form control has a name a screen reader says.
    let unlabelled = b
        .js("return [...document.querySelectorAll('input, select, textarea, button')]\
             .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby') && !(e.tagName === 'BUTTON' && e.textContent.trim()))\
             .map(e => e.id || e.outerHTML);")
        .await;
    assert_eq!(unlabelled, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accessible_at_400_px_wide_there_is_no_horizontal_scroll() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(b) = browser(400, 900).await else {
        return;
    };
    b.open().await;
    b.js("document.getElementById('table-details').open = true; document.getElementById('manual-details').open = true;")
        .await;
    b.settled().await;
    b.until("document.querySelector('#manual h1') && document.querySelectorAll('#table-body tr').length > 0", "table and manual")
        .await;
    let width = b.js("return window.innerWidth;").await.as_i64().unwrap();
    assert!(width <= 400, "the viewport is {width} px wide");
    b.shot("narrow").await;
    let (scroll, client) = (
        b.js("return document.documentElement.scrollWidth;").await,
        b.js("return document.documentElement.clientWidth;").await,
    );
    let wide = b
        .js("return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).filter(e => !e.closest('.scroll') || e.matches('.scroll')).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ':' + Math.round(e.getBoundingClientRect().right));")
        .await;
    assert!(
        scroll.as_i64() <= client.as_i64(),
        "scrollWidth {scroll} > clientWidth {client}: {wide}"
    );

    // And on a large screen, the same.
    b.client.set_window_size(2400, 1400).await.unwrap();
    b.settled().await;
    let (scroll, client) = (
        b.js("return document.documentElement.scrollWidth;").await,
        b.js("return document.documentElement.clientWidth;").await,
    );
    assert!(
        scroll.as_i64() <= client.as_i64(),
        "scrollWidth {scroll} > clientWidth {client}"
    );
    b.shot("wide").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accessible_the_page_requests_nothing_from_another_origin() {
    let _one = ONE_AT_A_TIME.lock().await;
    let Some(b) = browser(1400, 1000).await else {
        return;
    };
    b.open().await;
    b.click("#table-details summary").await;
    b.settled().await;
    let foreign = b
        .js("return performance.getEntriesByType('resource').map(r => r.name).filter(n => !n.startsWith(location.origin + '/'));")
        .await;
    assert_eq!(foreign, json!([]));
}
