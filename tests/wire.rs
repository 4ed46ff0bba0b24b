//! Issue 24: the library owns the wire shapes. Every JSON shape a host sends or receives is a
//! library type with serde (point 1), its JSON Schema derived on the same type
//! (`unified_message::wire::schemas`, feature `schema`); the explanation has one shape (point
//! 2); the policy says what it holds (point 10).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::{Value, json};
use unified_message::pins::Timestamp;
use unified_message::{Channel, Contact, Engine, MemoryPinStore, Responder, Step};

fn engine() -> Engine {
    Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap()
}

/// Point 2: the explanation's JSON is the library's, each step with its kind and its text;
/// its decision is rendered with the host's values when asked.
#[test]
fn i24_p2_explanation_json_gives_each_step_its_kind_and_text() {
    let engine = engine();
    for c in engine.circumstances().step_by(97) {
        let explanation = engine.explain(&c.contact, &c.responder);
        let json = serde_json::to_value(&explanation).unwrap();
        assert_eq!(json["revision"], engine.revision());
        assert_eq!(
            json["decision"],
            serde_json::to_value(explanation.decision).unwrap()
        );
        let steps = json["steps"].as_array().unwrap();
        assert_eq!(steps.len(), explanation.trail.len());
        for (step, typed) in steps.iter().zip(&explanation.trail) {
            assert_eq!(step["kind"], typed.kind());
            assert!(Step::KINDS.contains(&typed.kind()));
            assert_eq!(step["text"], typed.to_string());
            assert_eq!(step.as_object().unwrap().len(), 2, "{step}");
        }
        let back: unified_message::ExplanationRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, explanation.to_record());
    }
}

/// Point 2: a pinned decision renders its record with the host's values once
/// (`to_record_with`), the same as the decision's own record with those values.
#[test]
fn i24_p2_pinned_to_record_with_renders_the_values_once() {
    let engine = engine();
    let store = MemoryPinStore::new();
    let contact = Contact::new("c-1", Channel::Web).with_topic("email.setup");
    let pinned = engine
        .decide_pinned(
            &contact,
            &Responder::system("self-diagnosis"),
            &store,
            Timestamp::from_unix_seconds(1),
        )
        .unwrap();
    let values: &[(&str, &str)] = &[("customer_name", "Ana")];
    let record = pinned.to_record_with(&values);
    assert_eq!(record.decision, pinned.decision().to_record_with(&values));
    assert_eq!(record.status, pinned.status());
    assert_eq!(pinned.to_record().decision, pinned.decision().to_record());
}

/// Point 10: the engine says what the policy holds, the lists the page's form offers.
#[test]
fn i24_p10_policy_info_lists_what_the_policy_holds() {
    let engine = engine();
    let short = engine.policy_info(false);
    assert!(short.detail.is_none());
    assert_eq!(
        serde_json::to_value(&short).unwrap(),
        json!({
            "name": engine.name(),
            "revision": engine.revision(),
            "counts": {
                "topics": engine.topics().len(),
                "roles": engine.roles().len(),
                "systems": engine.systems().len(),
                "departments": engine.departments().len(),
                "ranks": engine.ranks().len(),
                "locales": engine.locales().len(),
            },
        })
    );
    let info = engine.policy_info(true);
    let d = info.detail.as_ref().unwrap();
    assert_eq!(d.topics, engine.topics().collect::<Vec<_>>());
    assert_eq!(d.fallback_topic, engine.fallback_topic());
    assert_eq!(d.locales, ["es", "en"]);
    assert_eq!(d.channels.first().map(String::as_str), Some("phone"));
    assert!(d.channels.iter().any(|c| c == "sms"), "{:?}", d.channels);
    let names: Vec<&str> = d.facts.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["accessibility", "outage", "plan"]);
    assert!(
        d.facts
            .iter()
            .all(|f| f.values.is_sorted() && !f.values.is_empty())
    );
    assert!(d.systems.iter().any(|s| s.id == "self-diagnosis"));
    assert!(d.messages.iter().any(|m| m == "email-setup-guide"));
    assert!(d.messages.iter().any(|m| m == "handover.route"));
    assert_eq!(d.roles, engine.roles().collect::<Vec<_>>());
    assert_eq!(d.ranks, engine.ranks().collect::<Vec<_>>());
    let back: unified_message::info::PolicyInfo =
        serde_json::from_value(serde_json::to_value(&info).unwrap()).unwrap();
    assert_eq!(back, info);
}

#[cfg(feature = "schema")]
mod schema {
    use super::*;
    use unified_message::scenario::Scenarios;
    use unified_message::wire::schemas;

    const SHAPES: &[&str] = &[
        "DecideRequest",
        "Contact",
        "Responder",
        "Channel",
        "DecisionRecord",
        "PinnedRecord",
        "DecisionBrief",
        "ExplanationRecord",
        "StepRecord",
        "TriageResult",
        "Diagnostic",
        "Report",
        "ScenarioReport",
        "ScenarioResult",
        "DecisionTable",
        "TableRow",
        "PolicyInfo",
        "PolicyDetail",
        "Code",
    ];

    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(o) => {
                for (k, v) in o {
                    match v {
                        Value::String(s) if k == "$ref" => out.push(s),
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    /// Point 1: every shape is keyed by its name with that title, and every `$ref` points at a
    /// key of the map, with the prefix asked for.
    #[test]
    fn i24_p1_every_ref_resolves_to_a_key_of_the_map() {
        let prefix = "#/components/schemas/";
        let map = schemas(prefix);
        for name in SHAPES {
            assert!(map.contains_key(*name), "{name} missing: {:?}", map.keys());
        }
        let mut all = Vec::new();
        for (name, schema) in &map {
            assert_eq!(schema["title"], name.as_str());
            refs(schema, &mut all);
        }
        assert!(!all.is_empty());
        for r in all {
            let name = r.strip_prefix(prefix).unwrap_or_else(|| panic!("{r}"));
            assert!(map.contains_key(name), "{r} does not resolve");
        }
    }

    struct Validators {
        defs: serde_json::Map<String, Value>,
    }

    impl Validators {
        fn new() -> Self {
            Validators {
                defs: schemas("#/$defs/"),
            }
        }

        fn of(&self, name: &str) -> jsonschema::Validator {
            let root = json!({"$defs": self.defs, "$ref": format!("#/$defs/{name}")});
            jsonschema::validator_for(&root).unwrap()
        }

        fn assert_valid(&self, name: &str, instances: &[Value]) {
            let v = self.of(name);
            for instance in instances {
                let errors: Vec<String> = v.iter_errors(instance).map(|e| e.to_string()).collect();
                assert!(errors.is_empty(), "{name}: {errors:?}\n{instance}");
            }
        }
    }

    fn to_value(v: &impl serde::Serialize) -> Value {
        serde_json::to_value(v).unwrap()
    }

    /// Point 1: each shape's schema accepts the JSON the library writes for the example policy:
    /// decisions, requests, pinned decisions, explanations, triage, the check report and
    /// diagnostics, scenario results, the decision table and policy info.
    #[test]
    fn i24_p1_schemas_accept_what_the_library_writes_for_the_example() {
        let engine = engine();
        let v = Validators::new();
        let values: &[(&str, &str)] = &[("customer_name", "Ana")];

        let mut decisions = Vec::new();
        let mut requests = Vec::new();
        let mut explanations = Vec::new();
        let mut briefs = Vec::new();
        for c in engine.circumstances().step_by(11) {
            let d = engine.decide(&c.contact, &c.responder);
            decisions.push(to_value(&d.to_record_with(&values)));
            briefs.push(to_value(&d.to_record().brief()));
            let mut request = unified_message::DecideRequest::new(c.contact, c.responder);
            request.values.insert("customer_name".into(), "Ana".into());
            requests.push(to_value(&request));
        }
        for c in engine.circumstances().step_by(101) {
            explanations.push(to_value(&engine.explain(&c.contact, &c.responder)));
        }
        assert!(decisions.len() > 100);
        v.assert_valid("DecisionRecord", &decisions);
        v.assert_valid("DecisionBrief", &briefs);
        v.assert_valid("DecideRequest", &requests);
        v.assert_valid("ExplanationRecord", &explanations);
        v.assert_valid(
            "DecideRequest",
            &[json!({
                "contact": {"customer": "c", "channel": "SMS", "facts": {"a": 1, "b": "1.5", "c": true, "d": "x", "e": 2.0}},
                "responder": {"system": "ivr"},
            })],
        );

        // Pinned decisions: new, kept, and a handoff to a person.
        let store = MemoryPinStore::new();
        let mut pinned = Vec::new();
        for (i, c) in engine.circumstances().step_by(37).enumerate() {
            let mut contact = c.contact;
            contact.customer = format!("c-{}", i % 5);
            let p = engine
                .decide_pinned(
                    &contact,
                    &c.responder,
                    &store,
                    Timestamp::from_unix_seconds(7),
                )
                .unwrap();
            pinned.push(to_value(&p.to_record_with(&values)));
        }
        assert!(pinned.iter().any(|p| p.get("handoff").is_some()));
        assert!(pinned.iter().any(|p| p["status"] == "kept"));
        v.assert_valid("PinnedRecord", &pinned);

        v.assert_valid(
            "TriageResult",
            &[
                to_value(&engine.triage("No puedo configurar el correo en Outlook", "es")),
                to_value(&engine.triage("???", "en")),
            ],
        );
        let report = engine.check();
        v.assert_valid("Report", &[to_value(&report)]);

        // Diagnostics of a policy that does not compile.
        let bad = unified_message::EXAMPLE_POLICY.replacen(
            r#"system = "self-diagnosis""#,
            r#"system = "self-diagnosys""#,
            1,
        );
        let e = Engine::from_toml_str(&bad).unwrap_err();
        let diagnostics: Vec<Value> = e.diagnostics().iter().map(to_value).collect();
        assert!(!diagnostics.is_empty());
        // Located in the text, with where its span ends (what the page marks).
        assert!(diagnostics[0]["end"]["line"].is_u64(), "{}", diagnostics[0]);
        v.assert_valid("Diagnostic", &diagnostics);

        let scenarios = Scenarios::from_toml_str(include_str!(
            "../examples/policies/acme-hosting.scenarios.toml"
        ))
        .unwrap();
        // Failures too (issue 24, point 2: their explanation is step records).
        let failing =
            Scenarios::from_toml_str(include_str!("data/scenarios/failing.toml")).unwrap();
        let failed = to_value(&engine.run_scenarios(&failing));
        assert!(
            failed["results"][1]["explanation"][0]["kind"].is_string(),
            "{failed}"
        );
        v.assert_valid(
            "ScenarioReport",
            &[to_value(&engine.run_scenarios(&scenarios)), failed],
        );

        let table = engine.decision_table();
        v.assert_valid("DecisionTable", &[to_value(&table)]);
        let rows: Vec<Value> = table.rows.iter().map(to_value).collect();
        v.assert_valid("TableRow", &rows);

        v.assert_valid(
            "PolicyInfo",
            &[
                to_value(&engine.policy_info(false)),
                to_value(&engine.policy_info(true)),
            ],
        );
    }

    /// Point 1 (and issue 24 point 9): the schema refuses what the deserializer refuses — a
    /// responder with an extra key, or with both kinds, a request with an unknown field, a
    /// `null` fact — and accepts what it accepts.
    #[test]
    fn i24_p1_schemas_refuse_what_the_deserializers_refuse() {
        let v = Validators::new();
        let responder = v.of("Responder");
        for ok in [json!({"staff": "support-agent"}), json!({"system": "ivr"})] {
            assert!(responder.is_valid(&ok), "{ok}");
            serde_json::from_value::<Responder>(ok).unwrap();
        }
        for bad in [
            json!({"staff": "support-agent", "extra": 1}),
            json!({"staff": "a", "system": "b"}),
            json!({}),
            json!({"staff": 3}),
            json!("staff"),
        ] {
            assert!(!responder.is_valid(&bad), "{bad}");
            assert!(
                serde_json::from_value::<Responder>(bad.clone()).is_err(),
                "{bad}"
            );
        }

        let request = v.of("DecideRequest");
        let contact = json!({"customer": "c", "channel": "chat"});
        for bad in [
            json!({"contact": contact, "responder": {"system": "ivr"}, "extra": true}),
            json!({"contact": contact}),
            json!({"contact": {"customer": "c", "channel": "chat", "facts": {"a": null}}, "responder": {"system": "ivr"}}),
            json!({"contact": {"customer": "c", "channel": " "}, "responder": {"system": "ivr"}}),
            json!({"contact": {"customer": "c", "channel": "chat", "progress": "done"}, "responder": {"system": "ivr"}}),
        ] {
            assert!(!request.is_valid(&bad), "{bad}");
            assert!(
                serde_json::from_value::<unified_message::DecideRequest>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    /// Issue 24 point 9: the facts' schema says exactly the library's rule for a request's
    /// numbers (`request::inexact_fact_number`, which the CLI's lines and the service apply):
    /// every number the schema allows is taken, every other refused, in any notation.
    #[test]
    fn i24_p9_facts_schema_says_exactly_the_request_rule() {
        use unified_message::request::{MAX_FACT_INTEGER, inexact_fact_number};

        let v = Validators::new();
        let request = v.of("DecideRequest");
        let engine = engine();
        let text = |number: &str| {
            format!(
                r#"{{"contact": {{"customer": "c", "channel": "chat", "facts": {{"n": {number}}}}}, "responder": {{"system": "self-diagnosis"}}}}"#
            )
        };
        let max = MAX_FACT_INTEGER.to_string();
        let min = (-MAX_FACT_INTEGER).to_string();
        let cases: &[(&str, bool)] = &[
            ("0", true),
            ("-0", true),
            ("7", true),
            ("2.0", true),
            ("1e3", true),
            ("1E+2", true),
            ("1500e-1", true),
            (&max, true),
            (&min, true),
            ("9007199254740992", false),
            ("-9007199254740992", false),
            ("1e16", false),
            ("1.5", false),
            ("0.3", false),
            ("0.25e1", false),
            ("0.30000000000000000001", false),
            ("\"0.30000000000000000001\"", true),
            ("\"1.5\"", true),
            ("true", true),
        ];
        for &(number, taken) in cases {
            let line = text(number);
            let instance: Value = serde_json::from_str(&line).unwrap();
            assert_eq!(request.is_valid(&instance), taken, "schema: {number}");
            assert_eq!(
                inexact_fact_number(&line).is_none(),
                taken,
                "rule: {number}"
            );
            // A `decide` line follows the rule, and says so as the service does.
            let out = engine.decide_json_line(1, &line).unwrap();
            assert_eq!(out.is_ok(), taken, "line: {number}: {out:?}");
            if let Err(error) = out {
                let error: Value = serde_json::from_str(&error).unwrap();
                let message = error["error"].as_str().unwrap();
                assert!(
                    message.contains(&format!("send it as a string (\"{number}\")")),
                    "{message}"
                );
            }
        }
        let facts = &v.defs["Contact"]["properties"]["facts"]["additionalProperties"];
        assert_eq!(facts["type"], json!(["string", "integer", "boolean"]));
        assert_eq!(facts["maximum"], json!(MAX_FACT_INTEGER));
        assert_eq!(facts["minimum"], json!(-MAX_FACT_INTEGER));
    }

    /// Issue 24 points 9 and 11: an enumeration is one `enum` of strings (with each value's words in
    /// the description), never a `oneOf` of constants that client generators misread.
    #[test]
    fn i24_p9_no_one_of_of_only_constants_remains() {
        fn walk(value: &Value, path: &str, enums: &mut usize) {
            match value {
                Value::Object(o) => {
                    if let Some(items) = o.get("oneOf").and_then(Value::as_array) {
                        assert!(
                            !items.iter().all(|i| i.get("const").is_some()),
                            "{path}: a oneOf of constants: {value}"
                        );
                    }
                    if o.get("enum").is_some() {
                        *enums += 1;
                    }
                    for (k, v) in o {
                        walk(v, &format!("{path}/{k}"), enums);
                    }
                }
                Value::Array(a) => {
                    for (i, v) in a.iter().enumerate() {
                        walk(v, &format!("{path}/{i}"), enums);
                    }
                }
                _ => {}
            }
        }
        let map = schemas("#/$defs/");
        let mut enums = 0;
        for (name, schema) in &map {
            walk(schema, name, &mut enums);
        }
        assert!(enums > 5, "{enums}");
        // A documented enumeration: its values, and each one's words in the description.
        let outcome = &map["Outcome"];
        assert_eq!(outcome["type"], "string");
        let values = outcome["enum"].as_array().unwrap();
        assert!(values.contains(&json!("answer")), "{outcome}");
        let description = outcome["description"].as_str().unwrap();
        for value in values {
            assert!(
                description.contains(&format!("- `{}`: ", value.as_str().unwrap())),
                "{description}"
            );
        }
    }
}
