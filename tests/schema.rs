//! Issue 18, point 2: the JSON Schema of the policy format, `schema/policy.schema.json`, is
//! what the document types generate; the example policy validates against it (as TOML and
//! as YAML), and documents of the wrong shape do not.
#![cfg(feature = "schema")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use serde_json::Value;
use unified_message::Engine;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn committed() -> Value {
    let text = std::fs::read_to_string(Path::new(ROOT).join("schema/policy.schema.json"))
        .expect("schema/policy.schema.json: write it with `cargo run --example write_schema --features schema`");
    serde_json::from_str(&text).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&committed()).unwrap()
}

/// The shape errors of `document` under the committed schema, one line each.
fn errors(document: &Value) -> Vec<String> {
    validator()
        .iter_errors(document)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn toml_value(text: &str) -> Value {
    toml::from_str(text).unwrap()
}

/// The committed schema is what the types generate; `UPDATE_SCHEMA=1` rewrites it.
#[test]
fn issue18_committed_schema_is_generated() {
    let generated = unified_message::document::policy_schema();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        let mut text = serde_json::to_string_pretty(&generated).unwrap();
        text.push('\n');
        std::fs::write(Path::new(ROOT).join("schema/policy.schema.json"), text).unwrap();
        return;
    }
    assert!(
        committed() == generated,
        "schema/policy.schema.json differs from what the document types generate: run \
         `cargo run --example write_schema --features schema` (or this test with \
         UPDATE_SCHEMA=1) and commit the file"
    );
}

/// Every field of every document type carries its doc comment as its description.
#[test]
fn issue18_every_field_is_described() {
    fn walk(at: &str, schema: &Value, missing: &mut Vec<String>) {
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, field) in properties {
                if field.get("description").is_none() {
                    missing.push(format!("{at}.{name}"));
                }
            }
        }
    }
    let schema = committed();
    let mut missing = Vec::new();
    walk("(document)", &schema, &mut missing);
    for (name, def) in schema["definitions"].as_object().unwrap() {
        walk(name, def, &mut missing);
        assert!(
            def.get("description").is_some(),
            "{name} has no description"
        );
    }
    assert!(
        missing.is_empty(),
        "fields without a description: {missing:?}"
    );
}

#[test]
fn issue18_example_policy_validates() {
    let example = toml_value(unified_message::EXAMPLE_POLICY);
    assert_eq!(errors(&example), Vec::<String>::new());
    // The same document written as YAML, as the YAML language server sees it.
    let yaml = serde_norway::to_string(&example).unwrap();
    let from_yaml: Value = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(errors(&from_yaml), Vec::<String>::new());
}

/// Every policy of the test suite that parses validates, the shapes the derive cannot see
/// included (`IdMap` tables, `OneOrMany` values such as `accessibility = true`).
#[test]
fn issue18_test_policies_that_parse_validate() {
    let mut checked = 0;
    for dir in ["tests/data", "tests/data/check", "tests/data/bad"] {
        for entry in std::fs::read_dir(Path::new(ROOT).join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            if !text.contains("[policy]") {
                continue; // inquiries, scenarios
            }
            if text.contains("= inf") || text.contains("= nan") {
                continue; // JSON has no infinity nor NaN: they would be read as null
            }
            let Ok(document) = toml::from_str::<Value>(&text) else {
                continue; // TOML itself refuses it
            };
            let shape_ok = unified_message::document::PolicyDocument::from_toml_str(&text).is_ok();
            let found = errors(&document);
            assert_eq!(
                found.is_empty(),
                shape_ok,
                "{}: the schema and the document types disagree: {found:?}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked}");
}

/// Documents of the wrong shape fail: an unknown field, a wrong type, a value outside an
/// enumeration, a required field missing.
#[test]
fn issue18_bad_documents_fail_validation() {
    let cases = [
        ("[policy]\nname = \"x\"\ncolour = \"blue\"\n", "colour"),
        ("[policy]\nrevision = 1\n", "/policy/revision"),
        ("[systems.help]\ntier = \"explain\"\n", "/systems/help/tier"),
        (
            "[topics.general]\nexplains = { system = \"help\" }\n",
            "/topics/general/explains",
        ),
        (
            "[[rules]]\nwhen = { progress = \"done\" }\n",
            "/rules/0/when/progress",
        ),
        (
            "[[messages.m.versions]]\nchange = \"minor\"\n",
            "/messages/m/versions/0/change",
        ),
    ];
    for (text, at) in cases {
        let found = errors(&toml_value(text));
        assert!(
            found.iter().any(|e| e.contains(at)),
            "{text}: expected an error at {at}, got {found:?}"
        );
        // The engine refuses them too.
        assert!(Engine::from_toml_str(text).is_err(), "{text}");
    }
}
