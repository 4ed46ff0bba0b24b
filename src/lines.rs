//! JSON lines for `unified-message decide`: one request per line in, one decision per line
//! out, so that chatbots in any language can ask the engine.

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::model::{Contact, Responder};

/// One line of `unified-message decide`'s input: a contact and who answers it.
///
/// ```json
/// {"contact": {"customer": "c-1", "channel": "chat", "text": "no puedo configurar el correo"}, "responder": {"system": "self-diagnosis"}}
/// ```
///
/// # Examples
///
/// ```
/// use unified_message::{DecideRequest, Responder};
///
/// let request: DecideRequest = serde_json::from_str(
///     r#"{"contact": {"customer": "c-1", "channel": "phone", "topic": "email.setup"}, "responder": {"staff": "support-agent"}}"#,
/// )?;
/// assert_eq!(request.responder, Responder::staff("support-agent"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct DecideRequest {
    /// The contact.
    pub contact: Contact,
    /// Who answers.
    pub responder: Responder,
    /// Values of the placeholders the policy declares (`[policy].placeholders`), such as
    /// `{"customer_name": "Ana"}`; a declared one left out is listed in the decision record's
    /// `missing_values`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub values: std::collections::BTreeMap<String, String>,
}

impl DecideRequest {
    /// A request for `contact` answered by `responder`.
    pub fn new(contact: Contact, responder: Responder) -> Self {
        DecideRequest {
            contact,
            responder,
            values: std::collections::BTreeMap::new(),
        }
    }
}

/// The error line for a request that could not be read.
#[cfg(feature = "json")]
#[derive(Serialize)]
struct ErrorLine<'a> {
    error: &'a str,
    line: usize,
}

impl Engine {
    /// Decides one line of JSON ([`DecideRequest`]) and returns the output line, without its
    /// line break: `Ok` with the [`crate::DecisionRecord`] as JSON, or `Err` with the error
    /// line `{"error": "…", "line": N}` when the line is not a valid request (`line_number`
    /// counts from 1). Both are lines to write; a stream goes on past a bad line. A blank line
    /// gives `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let out = engine.decide_json_line(1, r#"{"contact": {"customer": "c-1", "channel": "web", "topic": "email.setup"}, "responder": {"system": "self-diagnosis"}}"#);
    /// let record: serde_json::Value = serde_json::from_str(&out.unwrap().unwrap())?;
    /// assert_eq!(record["outcome"], "answer");
    ///
    /// let out = engine.decide_json_line(2, r#"{"contact": {}}"#).unwrap().unwrap_err();
    /// assert!(out.starts_with(r#"{"error":"#) && out.ends_with(r#""line":2}"#), "{out}");
    /// assert_eq!(engine.decide_json_line(3, "   "), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "json")]
    pub fn decide_json_line(
        &self,
        line_number: usize,
        line: &str,
    ) -> Option<Result<String, String>> {
        if line.trim().is_empty() {
            return None;
        }
        let result = serde_json::from_str::<DecideRequest>(line)
            .map_err(|e| format!("invalid request: {e}; each line is {{\"contact\": {{…}}, \"responder\": {{\"staff\": \"ROLE\"}} or {{\"system\": \"SYSTEM\"}}}}"))
            .and_then(|r| {
                self.decide(&r.contact, &r.responder)
                    .json_line_with(&r.values)
                    .map_err(|e| format!("cannot write the decision: {e}"))
            });
        Some(result.map_err(|error| {
            serde_json::to_string(&ErrorLine {
                error: &error,
                line: line_number,
            })
            .unwrap_or_else(|_| format!("{{\"error\":\"invalid request\",\"line\":{line_number}}}"))
        }))
    }
}
