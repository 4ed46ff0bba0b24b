//! The OpenAPI schemas are the library's JSON: every record the library writes reads into its
//! mirror (which rejects unknown fields) and writes back unchanged.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use unified_message::pins::Timestamp;
use unified_message::{Channel, Contact, Engine, MemoryPinStore, Progress, Responder};
use unified_message_server::wire::{
    DecideRequestSchema, DecisionRecordSchema, DiagnosticSchema, PinnedRecordSchema,
    TriageCandidateSchema,
};

fn same<M: DeserializeOwned + Serialize>(value: &impl Serialize) {
    let json = serde_json::to_value(value).unwrap();
    let mirror: M = serde_json::from_value(json.clone())
        .unwrap_or_else(|e| panic!("the schema does not read {json}: {e}"));
    assert_eq!(serde_json::to_value(&mirror).unwrap(), json);
}

fn contacts(engine: &Engine) -> Vec<(Contact, Responder)> {
    let mut out = Vec::new();
    let responders: Vec<Responder> = engine
        .roles()
        .map(Responder::staff)
        .chain(engine.systems().map(Responder::system))
        .chain([Responder::staff("nobody")])
        .collect();
    for topic in engine.topics().chain(["no.such.topic"]) {
        for progress in Progress::ALL {
            for responder in &responders {
                for channel in [Channel::Web, Channel::Phone, Channel::from("sms")] {
                    let c = Contact::new("c-1", channel)
                        .with_topic(topic)
                        .with_progress(progress)
                        .with_locale("fr");
                    out.push((c.clone(), responder.clone()));
                    out.push((c.asking_for_superior(), responder.clone()));
                }
            }
        }
    }
    out
}

#[test]
fn issue14_1_every_decision_record_fits_its_schema() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let store = MemoryPinStore::new();
    for (i, (contact, responder)) in contacts(&engine).into_iter().enumerate() {
        same::<DecisionRecordSchema>(&engine.decide(&contact, &responder).to_record());
        same::<DecideRequestSchema>(&unified_message::DecideRequest::new(
            contact.clone(),
            responder.clone(),
        ));
        let now = Timestamp::from_unix_seconds(i as i64);
        let pinned = engine
            .decide_pinned(&contact, &responder, &store, now)
            .unwrap();
        same::<PinnedRecordSchema>(&pinned.to_record());
    }
}

#[test]
fn issue14_1_triage_and_diagnostics_fit_their_schemas() {
    let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    for text in [
        "no puedo configurar el correo",
        "factura",
        "quiero hablar con una persona",
        "",
    ] {
        let result = engine.triage(text, "es");
        let json = serde_json::to_value(&result).unwrap();
        for c in json["candidates"].as_array().unwrap() {
            same::<TriageCandidateSchema>(c);
        }
    }
    for d in engine.check().diagnostics {
        same::<DiagnosticSchema>(&strip(&d));
    }
    let broken =
        unified_message::EXAMPLE_POLICY.replace("fallback = \"general\"", "fallback = \"x\"");
    let err = Engine::from_toml_str(&broken).unwrap_err();
    for d in err.diagnostics() {
        same::<DiagnosticSchema>(d);
    }
}

/// A diagnostic as JSON (its counterexample and match are free-form objects in the schema).
fn strip(d: &unified_message::Diagnostic) -> Value {
    serde_json::to_value(d).unwrap()
}
