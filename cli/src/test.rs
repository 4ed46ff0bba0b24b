//! `test`: a policy's scenario tests; exit 1 when a scenario fails.

use std::path::Path;

use unified_message::ci;
use unified_message::scenario::Scenarios;

use crate::args::TestFormat;
use crate::failure::{Failure, Fatal};
use crate::input::{load, read};
use crate::output::{Out, Outcome, exit, json};

pub(crate) fn run(
    out: &mut Out<'_>,
    policy: &Path,
    scenarios: &Path,
    format: TestFormat,
    limit: u64,
) -> Outcome {
    let (engine, _) = load(policy, limit)?;
    let parsed = Scenarios::from_toml_slice(&read(scenarios, limit)?).map_err(|e| {
        Fatal::Failed(Failure {
            error: e.message().to_owned(),
            file: Some(scenarios.display().to_string()),
            location: e.location(),
            ..Failure::default()
        })
    })?;
    let report = engine.run_scenarios(&parsed);
    match format {
        TestFormat::Text => out.line(&report.to_string())?,
        TestFormat::Json => out.line(&json(&report)?)?,
        TestFormat::Junit => out.put(&ci::junit(&report, &scenarios.display().to_string()))?,
    }
    Ok(exit(!report.is_success()))
}
