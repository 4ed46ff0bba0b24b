//! The wire schemas of the API, for the OpenAPI document.
//!
//! The service reads and writes the library's own types (`DecideRequest`, `DecisionRecord`,
//! `PinnedRecord`, `TriageResult`, `Report`…): one schema with the CLI's JSON lines. Those
//! types carry no OpenAPI derive (the library stays free of server crates), so each has its
//! mirror here, deriving [`ToSchema`], and named as the library names it. The mirrors are
//! only schemas: the tests read the library's JSON into each mirror, which rejects unknown
//! fields, and write it back unchanged, so a field added to the library fails a test here
//! before it can break a client.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ErrorBody;

/// A contact: the input of a decision (the library's `Contact`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Contact)]
pub struct ContactSchema {
    /// The customer, as an opaque id of the host.
    pub customer: String,
    /// How the contact arrives: `phone`, `ivr`, `web`, `email`, `chat`, `social`,
    /// `messaging`, `in_person`, `ticket`, or any other name (not blank).
    #[schema(min_length = 1, pattern = r"\S")]
    pub channel: String,
    /// The topic id, when the host knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The customer's own words, triaged to a topic when `topic` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The customer's locale; the policy's default when absent or unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The highest system tier already gone through for this topic.
    #[serde(default)]
    pub progress: ProgressSchema,
    /// Facts supplied by the host; numbers and booleans are read as their text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub facts: BTreeMap<String, FactSchema>,
    /// Whether the customer asks for a superior.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub asks_for_superior: bool,
}

/// A fact's value: a string, or a number or boolean read as its text.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FactSchema {
    /// Text.
    Text(String),
    /// A number: an integer within ±(2^53 − 1), the integers a double keeps exactly (a
    /// decimal, or a larger integer, is sent as a string).
    Number(i64),
    /// A boolean.
    Bool(bool),
}

impl utoipa::PartialSchema for FactSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        // The integers a double keeps exactly: 2^53 − 1 either side.
        let exact = 9_007_199_254_740_991_f64;
        OneOfBuilder::new()
            .description(Some(
                "A fact's value: a string, or a number or boolean read as its text. A number \
                 is an integer within ±(2^53 − 1); send a decimal, or a larger integer, as a \
                 string.",
            ))
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(-exact))
                    .maximum(Some(exact)),
            )
            .item(ObjectBuilder::new().schema_type(Type::Boolean))
            .into()
    }
}

impl ToSchema for FactSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "Fact".into()
    }
}

/// Progress on the ladder of systems.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Progress)]
pub enum ProgressSchema {
    /// No system tried yet.
    #[default]
    Fresh,
    /// The tier-1 system (explains) was gone through.
    Explained,
    /// The tier-2 system (serves) was gone through.
    Served,
}

/// Who answers: `{"system": "ID"}` or `{"staff": "ROLE"}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ResponderSchema {
    /// A system, by its id in the policy.
    System(String),
    /// A person, by the id of their role in the policy.
    Staff(String),
}

impl utoipa::PartialSchema for ResponderSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let one = |key: &str, what: &str| {
            ObjectBuilder::new()
                .title(Some(format!("Responder_{key}")))
                .property(
                    key,
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .description(Some(what)),
                )
                .required(key)
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ))
        };
        OneOfBuilder::new()
            .description(Some(
                "Who answers: a system by its id, or a person by the id of their role.",
            ))
            .item(one("system", "A system, by its id in the policy."))
            .item(one(
                "staff",
                "A person, by the id of their role in the policy.",
            ))
            .into()
    }
}

impl ToSchema for ResponderSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "Responder".into()
    }
}

/// One request: a line of `unified-message decide` (the library's `DecideRequest`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DecideRequest)]
pub struct DecideRequestSchema {
    /// The contact.
    pub contact: ContactSchema,
    /// Who answers.
    pub responder: ResponderSchema,
    /// Values of the placeholders the policy declares.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
}

/// The body of `POST /v1/decide`: one request, or a batch (an array, decided by one revision).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = DecideBody)]
pub enum DecideBodySchema {
    /// One request.
    One(Box<DecideRequestSchema>),
    /// A batch.
    Batch(Vec<DecideRequestSchema>),
}

/// What the responder does.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Outcome)]
pub enum OutcomeSchema {
    /// Deliver the canonical message.
    Answer,
    /// Point the customer to a system.
    Redirect,
    /// Hand over to the owning department.
    Route,
    /// Request authorization from an approver rank.
    Authorize,
    /// Hand over to the next rank.
    Escalate,
    /// Review within the policy's window.
    Review,
}

/// A rung of the ladder.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Tier)]
pub enum TierSchema {
    /// Tier 1: a system that explains.
    Explains,
    /// Tier 2: a system that serves.
    Serves,
    /// Tier 3: a person.
    Person,
}

/// Who may decide the topic.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Authority)]
pub enum AuthoritySchema {
    /// The responder's own department.
    Own,
    /// With the owning department's consent.
    Consensual,
    /// With an approver's authorization.
    Authorized,
}

/// The message of a decision, rendered.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MessageRecord)]
pub struct MessageRecordSchema {
    /// The message id.
    pub id: String,
    /// Its version.
    pub version: u32,
    /// The locale of the text.
    pub locale: String,
    /// The text to deliver.
    pub text: String,
}

/// A system a decision points to.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SystemRecord)]
pub struct SystemRecordSchema {
    /// The system's id.
    pub id: String,
    /// Its tier.
    pub tier: TierSchema,
    /// Its name.
    pub name: String,
    /// Where it is.
    #[serde(rename = "where")]
    pub location: String,
}

/// What the customer was told before, when a pin moved.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PreviousRecord)]
pub struct PreviousRecordSchema {
    /// The message id.
    pub id: String,
    /// Its version.
    pub version: u32,
    /// The change notice to deliver before the text.
    pub notice: String,
}

/// Things a host logs about a decision (each present only when true).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Flags)]
pub struct FlagsSchema {
    /// A person answers because the systems did not help (R0.9).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub system_gap: bool,
    /// The topic was unknown, missing or not found by triage.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback_topic: bool,
    /// The contact's locale is not declared.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub locale_fallback: bool,
    /// The responder's role or system is not in the policy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unknown_responder: bool,
    /// A rule let a person answer without the systems first.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ladder_skipped: bool,
    /// A key prepared by another engine was used.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stale_key: bool,
    /// Triage found several topics with evidence just as good.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ambiguous_topic: bool,
}

/// A decision, as `unified-message decide` writes it (the library's `DecisionRecord`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DecisionRecord)]
pub struct DecisionRecordSchema {
    /// What the responder does.
    pub outcome: OutcomeSchema,
    /// The topic decided.
    pub topic: String,
    /// The message, rendered.
    pub message: MessageRecordSchema,
    /// The policy revision that decided.
    pub revision: String,
    /// The rule that applied, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The system pointed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemRecordSchema>,
    /// The department handed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The rank handed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// The review window, for `review`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_within: Option<String>,
    /// Who may decide the topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<AuthoritySchema>,
    /// Things to log.
    #[serde(default)]
    pub flags: FlagsSchema,
    /// What was said before, when a pin moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<PreviousRecordSchema>,
    /// Declared placeholders the request gave no value for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_values: Vec<String>,
}

/// A pin: the message version a customer was told.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Pin)]
pub struct PinSchema {
    /// The message id.
    pub message: String,
    /// The version told.
    pub version: u32,
    /// The revision that told it.
    pub revision: String,
    /// When, in seconds since the Unix epoch.
    pub at: i64,
}

/// What a pinned decision did with the pin.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = PinStatus)]
pub enum PinStatusSchema {
    /// A handover text: never pinned.
    Unpinned,
    /// No customer id: no pin read or written.
    Anonymous,
    /// The first decision for this key.
    New,
    /// The pin holds: the pinned version is delivered.
    Kept,
    /// The message changed substantively: the current text with a change notice.
    Moved,
}

/// A message the customer was told, in a handoff.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Told)]
pub struct ToldSchema {
    /// The slot: `explains`, `serves`, `answer` or `rule:ID`.
    pub slot: String,
    /// The pin.
    pub pin: PinSchema,
    /// The text told, when the policy still has that version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// What the next person needs when a person takes over.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Handoff)]
pub struct HandoffSchema {
    /// The customer.
    pub customer: String,
    /// The topic.
    pub topic: String,
    /// The outcome handing over.
    pub outcome: OutcomeSchema,
    /// The department taking over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The rank taking over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// The channel of the contact.
    pub channel: String,
    /// The locale.
    pub locale: String,
    /// Progress on the ladder.
    pub progress: ProgressSchema,
    /// The contact's facts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub facts: BTreeMap<String, String>,
    /// The customer's own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<String>,
    /// Whether the customer asked for a superior.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub asks_for_superior: bool,
    /// What the customer was already told.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub told: Vec<ToldSchema>,
}

/// A pinned decision (the library's `PinnedRecord`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PinnedRecord)]
pub struct PinnedRecordSchema {
    /// The decision, rendered.
    pub decision: DecisionRecordSchema,
    /// What happened to the pin.
    pub status: PinStatusSchema,
    /// The pin in force after the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<PinSchema>,
    /// The pin replaced, when it moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced: Option<PinSchema>,
    /// The handoff, for a handover to a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<HandoffSchema>,
}

/// One decision of a response: plain, or pinned when the request asked for pins.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = DecideItem)]
pub enum DecideItemSchema {
    /// A plain decision.
    Decision(Box<DecisionRecordSchema>),
    /// A pinned decision.
    Pinned(Box<PinnedRecordSchema>),
    /// In a pinned batch, the error of one item (its `code`: `pin_ahead`,
    /// `pin_store_unavailable`, `pin_contention`, `invalid_customer_id` with `field`
    /// `[i].contact.customer`): nothing was delivered for it and no pin written for it; the
    /// other items keep their records.
    Failed(Box<ErrorBody>),
}

/// One item of a pinned batch's answer: its pinned decision, or its error.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = PinnedItem)]
pub enum PinnedItemSchema {
    /// A pinned decision.
    Pinned(Box<PinnedRecordSchema>),
    /// The error of this item (its `code`: `pin_ahead`, `pin_store_unavailable`,
    /// `pin_contention`, `timeout`, `invalid_customer_id` with `field` `[i].contact.customer`):
    /// nothing was delivered for it and no pin written for it; the other items keep their
    /// records.
    Failed(Box<ErrorBody>),
}

/// The response of `POST /v1/decide`: one decision, or an array in the batch's order.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = DecideResponse)]
pub enum DecideResponseSchema {
    /// For one request.
    One(Box<DecideItemSchema>),
    /// For a batch.
    Batch(Vec<DecideItemSchema>),
}

/// Why triage chose its topic.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TriageReason)]
pub enum TriageReasonSchema {
    /// Keywords placed the words on the topic.
    Keywords,
    /// The best candidate was below the threshold: the fallback topic.
    BelowThreshold,
    /// No keyword matched: the fallback topic.
    NoMatch,
}

/// A keyword found in the text.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = KeywordMatch)]
pub struct KeywordMatchSchema {
    /// The keyword pattern.
    pub pattern: String,
    /// Byte offset where the match starts.
    pub start: usize,
    /// Byte offset where it ends.
    pub end: usize,
    /// The matched text.
    pub text: String,
    /// The keyword's weight.
    pub weight: f64,
}

/// A topic triage considered.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TriageCandidate)]
pub struct TriageCandidateSchema {
    /// The topic.
    pub topic: String,
    /// Its score.
    pub score: f64,
    /// Its share of all scores.
    pub share: f64,
    /// How specific its matches are.
    #[serde(default)]
    pub specificity: f64,
    /// The keywords found.
    pub matches: Vec<KeywordMatchSchema>,
}

/// The response of `POST /v1/triage`: the library's `TriageResult` and the revision.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TriageResponse)]
pub struct TriageResponseSchema {
    /// The policy revision that triaged.
    pub revision: String,
    /// The topic chosen.
    pub topic: String,
    /// Confidence, 0 to 1.
    pub confidence: f64,
    /// The threshold in force.
    pub threshold: f64,
    /// Why this topic.
    pub reason: TriageReasonSchema,
    /// The candidates, best first.
    pub candidates: Vec<TriageCandidateSchema>,
    /// Topics with evidence as good as the chosen one.
    #[serde(default)]
    pub ambiguous: Vec<String>,
    /// The text was longer than the policy's triage limit and was cut.
    #[serde(default)]
    pub truncated: bool,
}

/// One step of an explanation (the library's `StepRecord`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = StepRecord)]
pub struct StepRecordSchema {
    /// The kind of step, in snake case (`rule_matches`).
    pub kind: String,
    /// The step in words.
    pub text: String,
}

/// The response of `POST /v1/explain`: the steps, each with its kind and its text, and the
/// decision (the library's `ExplanationRecord`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ExplainResponse)]
pub struct ExplainResponseSchema {
    /// The policy revision that decided.
    pub revision: String,
    /// The steps, in the order they were taken.
    pub steps: Vec<StepRecordSchema>,
    /// The decision.
    pub decision: DecisionRecordSchema,
}

/// A line and column in a policy's text, from 1.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Location)]
pub struct LocationSchema {
    /// The line.
    pub line: usize,
    /// The column, in characters.
    pub column: usize,
}

/// An error or a warning about a policy (the library's `Diagnostic`).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Diagnostic)]
pub struct DiagnosticSchema {
    /// A stable code.
    pub code: String,
    /// `error` or `warning`.
    pub severity: SeveritySchema,
    /// Where in the document: keys and array indices.
    pub path: Vec<PathSegmentSchema>,
    /// Line and column, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<LocationSchema>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
    /// A circumstance that shows the problem (the library's `Counterexample`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub counterexample: Option<serde_json::Value>,
    /// The text that matched a screen (the library's `ScreenMatch`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub matched: Option<serde_json::Value>,
}

/// A step of a document path.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = PathSegment)]
pub enum PathSegmentSchema {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Severity)]
pub enum SeveritySchema {
    /// Worth a look.
    Warning,
    /// The policy cannot be served.
    Error,
}
