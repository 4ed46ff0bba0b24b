//! The JSON Schema of every shape a host sends or receives (feature `schema`), derived on the
//! library's own serde types: the registry the service's OpenAPI document and the bindings
//! read, so that no host mirrors a type. The types live in their homes (the crate root,
//! `check::`, `scenario::`, `triage::`, `pins::`); this module only gathers their schemas.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value};

use crate::diagnostic::Code;
use crate::model::{Channel, Responder};
use crate::pins::Slot;

/// The JSON Schema of every host-facing shape, keyed by its name, each with a `title` of that
/// name; every `$ref` points at `{ref_prefix}{Name}`, a key of the map (the service passes
/// `"#/components/schemas/"`). The schemas say what the deserializers accept: unknown keys
/// are refused where the type refuses them (`additionalProperties: false`), required fields
/// are required, enumerations list their values.
///
/// An enumeration is `{"type": "string", "enum": [...]}`, the words of each value appended to
/// its description (`- `value`: words`), never a `oneOf` of constants: the same values, in the
/// form client generators read as one enumeration (openapi-python-client reads a `oneOf` of
/// constants as a chain that accepts only the first).
///
/// The shapes (and those they contain, keyed too):
/// - requests: `DecideRequest`, `Contact`, `Responder`, `Channel`, `Progress`;
/// - decisions: `DecisionRecord` (with `MessageRecord`, `SystemRecord`, `PreviousRecord`,
///   `Flags`, `Outcome`, `Tier`, `Authority`), `PinnedRecord` (with `PinStatus`, `Pin`,
///   `Handoff`, `Told`, `Slot`), `DecisionBrief`;
/// - `ExplanationRecord` (with `StepRecord`), `TriageResult` (with `TriageCandidate`,
///   `KeywordMatch`, `TriageReason`);
/// - policy checks: `Report` (`check`), `Diagnostic` (with `Code`, `Severity`, `PathSegment`,
///   `Location`, `Counterexample`, `Response`, `ScreenMatch`);
/// - `ScenarioReport` (with `ScenarioResult`, `Mismatch`), `DecisionTable` (with `TableRow`);
/// - `PolicyInfo` (with `PolicyCounts`, `PolicyDetail`, `SystemInfo`, `FactInfo`).
///
/// # Examples
///
/// ```
/// let schemas = unified_message::wire::schemas("#/components/schemas/");
/// let request = &schemas["DecideRequest"];
/// assert_eq!(request["properties"]["responder"]["$ref"], "#/components/schemas/Responder");
/// assert_eq!(schemas["Responder"]["oneOf"][0]["additionalProperties"], false);
/// ```
pub fn schemas(ref_prefix: &str) -> Map<String, Value> {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    macro_rules! register {
        ($($t:ty),* $(,)?) => {$( generator.subschema_for::<$t>(); )*};
    }
    register!(
        crate::DecideRequest,
        crate::Contact,
        crate::Responder,
        crate::DecisionRecord,
        crate::pins::PinnedRecord,
        crate::DecisionBrief,
        crate::ExplanationRecord,
        crate::TriageResult,
        crate::Diagnostic,
        crate::check::Report,
        crate::scenario::ScenarioReport,
        crate::table::DecisionTable,
        crate::table::TableRow,
        crate::info::PolicyInfo,
        crate::PolicyFormat,
    );
    let mut map = generator.take_definitions(true);
    for (name, schema) in &mut map {
        rewrite_refs(schema, ref_prefix);
        enums(schema);
        if let Value::Object(object) = schema {
            object
                .entry("title")
                .or_insert_with(|| Value::String(name.clone()));
        }
    }
    map
}

/// Every `oneOf` of string constants in `schema` (what schemars derives for an enum whose
/// variants are documented) as one `enum` of those strings, each value's words appended to the
/// description.
fn enums(schema: &mut Value) {
    match schema {
        Value::Object(object) => {
            let constants: Option<Vec<(Value, Option<String>)>> = object
                .get("oneOf")
                .and_then(Value::as_array)
                .and_then(|items| {
                    items
                        .iter()
                        .map(|item| {
                            let constant = item.get("const").filter(|c| c.is_string())?;
                            let words = item
                                .get("description")
                                .and_then(Value::as_str)
                                .map(|d| d.replace('\n', " "));
                            Some((constant.clone(), words))
                        })
                        .collect()
                });
            match constants {
                Some(constants) if !constants.is_empty() => {
                    object.remove("oneOf");
                    let mut description = object
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    for (constant, words) in &constants {
                        if let (Some(constant), Some(words)) = (constant.as_str(), words) {
                            description.push_str(&format!("\n- `{constant}`: {words}"));
                        }
                    }
                    object.insert("type".to_owned(), Value::String("string".to_owned()));
                    object.insert(
                        "enum".to_owned(),
                        Value::Array(constants.into_iter().map(|(c, _)| c).collect()),
                    );
                    object.insert("description".to_owned(), Value::String(description));
                }
                _ => object.values_mut().for_each(enums),
            }
        }
        Value::Array(items) => items.iter_mut().for_each(enums),
        _ => {}
    }
}

/// Points every `$ref` of `value` (the generator's `#/$defs/Name`) at `{prefix}Name`, and cuts
/// the Rust examples (`# Examples` and what follows) out of the descriptions taken from doc
/// comments.
fn rewrite_refs(value: &mut Value, prefix: &str) {
    match value {
        Value::Object(object) => {
            for (key, v) in object.iter_mut() {
                match v {
                    Value::String(target) if key == "$ref" => {
                        if let Some(name) = target.strip_prefix("#/$defs/") {
                            *target = format!("{prefix}{name}");
                        }
                    }
                    Value::String(text) if key == "description" => {
                        if let Some((before, _)) = text.split_once("# Examples") {
                            *text = before.trim_end().to_owned();
                        }
                    }
                    _ => rewrite_refs(v, prefix),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, prefix)),
        _ => {}
    }
}

/// The kind of an explanation's step: one of [`crate::Step::KINDS`].
pub(crate) fn step_kind_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string",
        "enum": crate::Step::KINDS,
        "description": "The kind of step, in snake case.",
    })
}

/// A contact's facts: each a string, an integer within ±(2^53 − 1) or a boolean, read as its
/// text — the rule of [`crate::request::inexact_fact_number`], which the CLI's request lines and
/// the service's bodies apply.
pub(crate) fn contact_facts_schema(_: &mut SchemaGenerator) -> Schema {
    let exact = crate::request::MAX_FACT_INTEGER;
    json_schema!({
        "type": "object",
        "description": "Facts supplied by the host, by name; a number or a boolean is read as its text. A number is an integer within ±(2^53 − 1) (in any notation: `2.0`, `1e3`); send a decimal, or a larger integer, as a string. `null` is refused.",
        "additionalProperties": {
            "type": ["string", "integer", "boolean"],
            "minimum": -exact,
            "maximum": exact,
        },
    })
}

/// `"phone"`, `"in_person"` or any other name, not blank.
impl JsonSchema for Channel {
    fn schema_name() -> Cow<'static, str> {
        "Channel".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "minLength": 1,
            "pattern": "\\S",
            "description": "How the contact arrives: `phone`, `ivr`, `web`, `email`, `chat`, `social`, `messaging`, `in_person`, `ticket`, or any other name (not blank; read without surrounding spaces and ASCII case).",
        })
    }
}

/// `{"system": ID}` or `{"staff": ROLE}`, one key and no other.
impl JsonSchema for Responder {
    fn schema_name() -> Cow<'static, str> {
        "Responder".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let one = |key: &str, what: &str| {
            json_schema!({
                "title": format!("Responder_{key}"),
                "type": "object",
                "properties": { key: { "type": "string", "description": what } },
                "required": [key],
                "additionalProperties": false,
            })
        };
        json_schema!({
            "description": "Who answers: a system by its id, or a person by the id of their role.",
            "oneOf": [
                one("system", "A tier-1 or tier-2 system, by its id in the policy."),
                one("staff", "A person, by the id of their role in the policy."),
            ],
        })
    }
}

/// A diagnostic's stable code: one of [`Code::ALL`].
impl JsonSchema for Code {
    fn schema_name() -> Cow<'static, str> {
        "Code".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        json_schema!({
            "type": "string",
            "enum": codes,
            "description": "A stable code that CI can match on.",
        })
    }
}

/// `explains`, `serves`, `answer` or `rule:ID`.
impl JsonSchema for Slot {
    fn schema_name() -> Cow<'static, str> {
        "Slot".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^(explains|serves|answer|rule:[\\s\\S]+)$",
            "description": "Which of a topic's messages: `explains`, `serves`, `answer` or `rule:ID`.",
        })
    }
}
