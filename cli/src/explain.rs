//! `explain`: one decision, step by step.

use std::path::Path;

use unified_message::{Contact, Responder};

use crate::args::Format;
use crate::failure::fatal;
use crate::input::load;
use crate::output::{Out, Outcome, json};

pub(crate) fn run(
    out: &mut Out<'_>,
    policy: &Path,
    contact: &str,
    responder: &str,
    format: Format,
    limit: u64,
) -> Outcome {
    let (engine, _) = load(policy, limit)?;
    // A request's facts, as `decide` and the service read them: an integer a double keeps
    // exactly, a decimal as a string (issue 24 point 9).
    if let Some(number) = unified_message::request::inexact_fact_number(contact) {
        return Err(fatal(format!("invalid `--contact`: {number}")));
    }
    let contact: Contact =
        serde_json::from_str(contact).map_err(|e| fatal(format!("invalid `--contact`: {e}")))?;
    let responder: Responder = serde_json::from_str(responder).map_err(|e| {
        fatal(format!(
            "invalid `--responder`: {e}; write {{\"staff\": \"ROLE\"}} or {{\"system\": \"SYSTEM\"}}"
        ))
    })?;
    let explanation = engine.explain(&contact, &responder);
    match format {
        Format::Text => out.line(&format!("{explanation}\n\n{}", explanation.decision.text()))?,
        // The library's own shape of an explanation (`ExplanationRecord`), as the service
        // answers it.
        Format::Json => out.line(&json(&explanation)?)?,
    }
    Ok(0)
}
