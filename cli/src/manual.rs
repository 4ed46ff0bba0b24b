//! `manual`: the service manual in Markdown, whole or for one department.

use std::path::Path;

use crate::failure::fatal;
use crate::input::load;
use crate::output::{Out, Outcome};

pub(crate) fn run(
    out: &mut Out<'_>,
    policy: &Path,
    department: Option<&str>,
    locale: &str,
    limit: u64,
) -> Outcome {
    let (engine, _) = load(policy, limit)?;
    let manual = engine
        .manual(department, locale)
        .map_err(|e| fatal(e.to_string()))?;
    out.put(&manual)?;
    Ok(0)
}
