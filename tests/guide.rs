//! Issue 18, point 4: the README is short and the guide in `docs/` has the rest. No page is
//! lost: every section of the README before the move is a section of the README or of a
//! chapter; every chapter is in the rustdoc guide (so its Rust samples are compiled by
//! `cargo test --doc`) and linked from the README.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The sections of the README before the guide was split out of it (issue 18), and where
/// each went.
const SECTIONS: [(&str, &str); 18] = [
    ("The two commands", "README.md"),
    ("Embedding it", "docs/decisions.md"),
    ("Outcomes", "docs/decisions.md"),
    ("How a decision is made", "docs/decisions.md"),
    ("Triage", "docs/triage.md"),
    ("Urgency and queues", "docs/urgency.md"),
    ("Keeping customers' messages consistent", "docs/pins.md"),
    ("Policy format reference", "docs/format.md"),
    ("Checking a policy", "docs/checking.md"),
    ("Scenario tests", "docs/scenarios.md"),
    (
        "Decision table and service manual",
        "docs/table-and-manual.md",
    ),
    ("Command-line tool", "docs/cli.md"),
    ("Use it in CI", "docs/checking.md"),
    ("Reliability", "docs/reliability.md"),
    ("Performance", "docs/performance.md"),
    ("Crate features", "README.md"),
    ("Minimum supported Rust version", "README.md"),
    ("License", "README.md"),
];

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn chapters() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    names
}

#[test]
fn issue18_no_readme_section_is_lost() {
    for (title, file) in SECTIONS {
        let text = read(file);
        let found = text
            .lines()
            .any(|l| l == format!("# {title}") || l == format!("## {title}"));
        assert!(found, "section `{title}` is not a heading of {file}");
    }
}

#[test]
fn issue18_every_chapter_is_in_the_rustdoc_guide_and_linked() {
    let guide = read("src/guide.rs");
    let readme = read("README.md");
    for chapter in chapters() {
        let include = format!("#[doc = include_str!(\"../docs/{chapter}\")]");
        // A chapter whose samples use a member crate is compiled as that crate's doctests.
        let included = guide.lines().any(|l| l.trim() == include)
            || std::fs::read_to_string(Path::new(ROOT).join("stores/postgres/src/lib.rs"))
                .unwrap()
                .contains(&format!("include_str!(\"../../../docs/{chapter}\")"))
            || std::fs::read_to_string(Path::new(ROOT).join("page/src/lib.rs"))
                .unwrap()
                .contains(&format!("include_str!(\"../../docs/{chapter}\")"))
            || std::fs::read_to_string(Path::new(ROOT).join("server/src/lib.rs"))
                .unwrap()
                .contains(&format!("include_str!(\"../../docs/{chapter}\")"));
        assert!(included, "docs/{chapter} is not included in src/guide.rs");
        // Inline, or by a link definition (issue 24: the README's links to chapters rendered
        // in the guide are defined again in src/lib.rs, for rustdoc).
        assert!(
            readme.contains(&format!("(docs/{chapter})"))
                || readme.contains(&format!("]: docs/{chapter}\n")),
            "README.md does not link docs/{chapter}"
        );
    }
}

/// In rustdoc an unlabelled code block is compiled as Rust: every block says its language.
#[test]
fn issue18_every_code_block_is_labelled() {
    let mut files = vec!["README.md".to_owned()];
    files.extend(chapters().into_iter().map(|c| format!("docs/{c}")));
    for file in files {
        let mut open = false;
        for (i, line) in read(&file).lines().enumerate() {
            let fence = line.trim_start();
            if let Some(label) = fence.strip_prefix("```") {
                if !open {
                    assert!(
                        !label.trim().is_empty(),
                        "{file}:{}: label the code block",
                        i + 1
                    );
                }
                open = !open;
            }
        }
        assert!(!open, "{file}: a code block is not closed");
    }
}

/// The README stays a newcomer's read: a few screens, the depth in the guide.
#[test]
fn issue18_readme_is_short() {
    // The link definitions at its end are not read: they only say where links lead.
    let readme = read("README.md");
    let text = readme
        .split("\n[guide-")
        .next()
        .unwrap_or_default()
        .trim_end();
    let lines = text.lines().count();
    assert!(
        lines <= 200,
        "README.md has {lines} lines: move depth into docs/"
    );
}
