//! `table`: the whole decision table, as CSV or Markdown.

use std::path::Path;

use unified_message::Diagnostic;
use unified_message::check::Report;

use crate::args::TableFormat;
use crate::failure::{Failure, Fatal};
use crate::input::{load, located};
use crate::output::{Out, Outcome};

pub(crate) fn run(out: &mut Out<'_>, policy: &Path, format: TableFormat, limit: u64) -> Outcome {
    let (engine, source) = load(policy, limit)?;
    let table = out
        .console
        .with_progress("deciding", |p| engine.decision_table_with(p));
    // An incomplete table (a topic beyond the engine's limits) is not printed: exit 2.
    if table.diagnostics.iter().any(Diagnostic::is_error) {
        let mut report = Report::default();
        report.diagnostics = table.diagnostics;
        return Err(Fatal::Failed(Failure {
            error: format!("the decision table of `{}` is too large", policy.display()),
            file: Some(policy.display().to_string()),
            location: None,
            diagnostics: located(policy, &source, report).diagnostics,
            source: Some(String::from_utf8_lossy(&source).into_owned()),
        }));
    }
    match format {
        TableFormat::Csv => out.put(&table.to_csv())?,
        TableFormat::Markdown => out.put(&table.to_markdown())?,
    }
    Ok(0)
}
