//! `diff`: what changes between two revisions of a policy; exit 1 when the change has errors.

use std::path::Path;

use unified_message::check::Report;
use unified_message::ci;
use unified_message::render::SourceFile;

use crate::args::FindingsFormat;
use crate::input::{load, located};
use crate::output::{Out, Outcome, exit, json, render};

pub(crate) fn run(
    out: &mut Out<'_>,
    old: &Path,
    new: &Path,
    format: FindingsFormat,
    limit: u64,
) -> Outcome {
    let (old_engine, _) = load(old, limit)?;
    let (new_engine, new_source) = load(new, limit)?;
    let mut changes = out.console.with_progress("comparing", |p| {
        unified_message::diff::diff_with(&old_engine, &new_engine, p)
    });
    // Findings are about the new revision: locate them in its TOML source (read once).
    let mut report = Report::default();
    report.diagnostics = std::mem::take(&mut changes.diagnostics);
    changes.diagnostics = located(new, &new_source, report).diagnostics;
    let file = new.display().to_string();
    match format {
        FindingsFormat::Text => {
            let findings = std::mem::take(&mut changes.diagnostics);
            let mut text = changes.to_string();
            if !findings.is_empty() {
                let new_text = String::from_utf8_lossy(&new_source);
                let shown = SourceFile::new(&new_text, &file);
                text.push_str("\n\n");
                text.push_str(render(&shown, &findings, out.console.stdout_style).trim_end());
            }
            changes.diagnostics = findings;
            out.line(&text)?;
        }
        FindingsFormat::Json => out.line(&json(&changes)?)?,
        FindingsFormat::Github => out.put(&ci::github(&changes.diagnostics, &file))?,
        FindingsFormat::Sarif => out.line(&ci::sarif(&changes.diagnostics, &file))?,
        FindingsFormat::Gitlab => out.line(&ci::gitlab(&changes.diagnostics, &file))?,
    }
    Ok(exit(!changes.is_clean()))
}
