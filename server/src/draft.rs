//! A draft policy sent over HTTP (`POST /v1/check`, `PUT /v1/policy`), and the one way both
//! compile it: off the async threads, with the errors located in the draft's text.

use serde::{Deserialize, Serialize};
use unified_message::check::Report;
use unified_message::{Diagnostic, Engine, EngineBuilder, PolicyFormat};
use utoipa::ToSchema;

/// A draft policy sent to `POST /v1/check` (or `PUT /v1/policy`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyText {
    /// The policy's text.
    pub policy: String,
    /// Its format; TOML when absent (the library's `PolicyFormat`).
    #[serde(default)]
    #[schema(value_type = crate::openapi::library::PolicyFormat)]
    pub format: PolicyFormat,
}

impl PolicyText {
    /// Compiles the draft with `builder`: the engine, or its errors located in the text.
    ///
    /// # Errors
    ///
    /// The diagnostics of a draft that does not compile.
    pub fn compile(&self, builder: &EngineBuilder) -> Result<Engine, Vec<Diagnostic>> {
        builder.from_str_as(&self.policy, self.format).map_err(|e| {
            let mut report = Report::default();
            report.diagnostics = e.diagnostics().to_vec();
            self.locate(report).diagnostics
        })
    }

    /// `report` with its diagnostics located in the draft's text (line and column, for TOML).
    pub fn locate(&self, report: Report) -> Report {
        match self.format {
            PolicyFormat::Toml => report.located_in_toml(&self.policy),
            _ => report,
        }
    }
}

/// Compiles `draft` with `builder` on a blocking thread (a large draft takes a while), then
/// hands the draft and the outcome to `then` on that thread: the check of `POST /v1/check`,
/// the admission of `PUT /v1/policy`.
///
/// # Errors
///
/// When the blocking task could not finish.
pub async fn compile<R: Send + 'static>(
    builder: EngineBuilder,
    draft: PolicyText,
    then: impl FnOnce(&PolicyText, Result<Engine, Vec<Diagnostic>>) -> R + Send + 'static,
) -> Result<R, tokio::task::JoinError> {
    tokio::task::spawn_blocking(move || {
        let compiled = draft.compile(&builder);
        then(&draft, compiled)
    })
    .await
}
