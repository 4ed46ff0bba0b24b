//! `check`: compile errors, invariants and style of one policy; exit 1 on any error.

use std::path::Path;

use unified_message::Engine;
use unified_message::check::Report;
use unified_message::ci;
use unified_message::render::SourceFile;

use crate::args::FindingsFormat;
use crate::input::{format_of, located, read};
use crate::output::{Out, Outcome, exit, json, render};

pub(crate) fn run(out: &mut Out<'_>, path: &Path, format: FindingsFormat, limit: u64) -> Outcome {
    let file = path.display().to_string();
    let policy_format = format_of(path)?;
    let source = read(path, limit)?;
    let report = match Engine::from_slice_as(&source, policy_format) {
        // A policy that does not compile: its errors are the report.
        Err(err) => {
            let mut report = Report::default();
            report.diagnostics = err.diagnostics().to_vec();
            report
        }
        Ok(engine) => located(
            path,
            &source,
            out.console
                .with_progress("checking", |p| engine.check_with(p)),
        ),
    };
    match format {
        FindingsFormat::Text => {
            let text = String::from_utf8_lossy(&source);
            let shown = SourceFile::new(&text, &file);
            let mut text = render(&shown, &report.diagnostics, out.console.stdout_style);
            let (errors, warnings) = (report.errors().count(), report.warnings().count());
            text.push_str(&format!(
                "{file}: {errors} error{}, {warnings} warning{} ({} circumstances checked)",
                if errors == 1 { "" } else { "s" },
                if warnings == 1 { "" } else { "s" },
                report.circumstances
            ));
            out.line(&text)?;
        }
        FindingsFormat::Json => out.line(&json(&report)?)?,
        FindingsFormat::Github => out.put(&ci::github(&report.diagnostics, &file))?,
        FindingsFormat::Sarif => out.line(&ci::sarif(&report.diagnostics, &file))?,
        FindingsFormat::Gitlab => out.line(&ci::gitlab(&report.diagnostics, &file))?,
    }
    Ok(exit(!report.is_clean()))
}
