//! The request a host sends to decide: [`DecideRequest`], a contact, who answers it and the
//! host's placeholder values — one line of `unified-message decide`, the body of the service's
//! `POST /v1/decide` and `POST /v1/explain`.

use serde::{Deserialize, Serialize};

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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
