//! Issue 24, point 4: one `PolicyFormat` in the library — told from a file's extension or a
//! name, compiled through one entry point (`Engine::from_str_as`, `EngineBuilder::from_slice_as`)
//! — for the command-line tool, the service, the page and the bindings alike.
#![cfg(feature = "toml")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use unified_message::{EXAMPLE_POLICY, Engine, PolicyFormat};

#[test]
fn i24_p4_policy_format_from_path_by_extension() {
    for (path, format) in [
        ("acme.toml", Some(PolicyFormat::Toml)),
        ("dir.d/acme.TOML", Some(PolicyFormat::Toml)),
        ("acme.json", Some(PolicyFormat::Json)),
        ("acme.Json", Some(PolicyFormat::Json)),
        ("acme.yaml", Some(PolicyFormat::Yaml)),
        ("acme.yml", Some(PolicyFormat::Yaml)),
        ("/etc/um/acme.YML", Some(PolicyFormat::Yaml)),
        ("acme.txt", None),
        ("acme", None),
        ("toml", None),
        (".toml", None),
        ("acme.toml.bak", None),
    ] {
        assert_eq!(PolicyFormat::from_path(Path::new(path)), format, "{path}");
    }
}

#[test]
fn i24_p4_policy_format_from_name() {
    for format in PolicyFormat::ALL {
        assert_eq!(format.name().parse::<PolicyFormat>(), Ok(format));
        assert_eq!(format.to_string(), format.name());
        assert_eq!(format.extensions()[0], format.name());
        for extension in format.extensions() {
            assert_eq!(PolicyFormat::from_extension(extension), Some(format));
        }
    }
    assert_eq!("YAML".parse::<PolicyFormat>(), Ok(PolicyFormat::Yaml));
    assert_eq!("yml".parse::<PolicyFormat>(), Ok(PolicyFormat::Yaml));
    let err = "xml".parse::<PolicyFormat>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown policy format `xml`: expected toml, json, yaml or yml"
    );
    assert_eq!(PolicyFormat::default(), PolicyFormat::Toml);
}

/// In JSON (a request body), a format is its name.
#[test]
fn i24_p4_policy_format_serde_is_its_name() {
    for format in PolicyFormat::ALL {
        let json = serde_json::to_string(&format).unwrap();
        assert_eq!(json, format!("\"{}\"", format.name()));
        assert_eq!(serde_json::from_str::<PolicyFormat>(&json).unwrap(), format);
    }
    assert!(serde_json::from_str::<PolicyFormat>("\"xml\"").is_err());
}

/// The same policy in every enabled format compiles to the same engine through one entry
/// point; the slice entry point reports bytes that are not UTF-8 the same in every format.
#[test]
fn i24_p4_policy_format_compiles_every_enabled_format() {
    let toml_engine = Engine::from_str_as(EXAMPLE_POLICY, PolicyFormat::Toml).unwrap();
    assert_eq!(
        toml_engine.revision(),
        Engine::from_toml_str(EXAMPLE_POLICY).unwrap().revision()
    );
    let doc: toml::Value = toml::from_str(EXAMPLE_POLICY).unwrap();
    #[allow(unused_mut)]
    let mut texts = vec![(PolicyFormat::Toml, EXAMPLE_POLICY.to_owned())];
    #[cfg(feature = "json")]
    texts.push((PolicyFormat::Json, serde_json::to_string(&doc).unwrap()));
    #[cfg(feature = "yaml")]
    texts.push((PolicyFormat::Yaml, serde_norway::to_string(&doc).unwrap()));
    let _ = &doc;
    for (format, text) in texts {
        assert!(format.is_enabled());
        let engine = Engine::from_str_as(&text, format).unwrap();
        assert_eq!(engine.revision(), toml_engine.revision(), "{format}");
        assert_eq!(
            engine.topics().count(),
            toml_engine.topics().count(),
            "{format}"
        );
        let builder = Engine::builder();
        let engine = builder.from_slice_as(text.as_bytes(), format).unwrap();
        assert_eq!(engine.revision(), toml_engine.revision(), "{format}");
        // Not UTF-8: `invalid-utf8` with its line and column, whatever the format.
        let mut bytes = b"\n  ".to_vec();
        bytes.push(0xff);
        let err = Engine::from_slice_as(&bytes, format).unwrap_err();
        assert!(err.has_code("invalid-utf8"), "{format}: {err}");
        assert!(
            err.to_string().contains("line 2, column 3"),
            "{format}: {err}"
        );
        // Its own errors, as its own entry point gives them.
        let err = Engine::from_str_as("{", format).unwrap_err();
        assert!(!err.diagnostics().is_empty(), "{format}");
    }
}

/// A format this build leaves out is refused with an error that names the feature, never a
/// panic or a silent other format.
#[test]
fn i24_p4_policy_format_disabled_is_a_clear_error() {
    for format in PolicyFormat::ALL {
        if format.is_enabled() {
            continue;
        }
        for err in [
            Engine::from_str_as(EXAMPLE_POLICY, format).unwrap_err(),
            Engine::from_slice_as(EXAMPLE_POLICY.as_bytes(), format).unwrap_err(),
        ] {
            assert!(err.has_code("policy-unreadable"), "{format}: {err}");
            let text = err.to_string();
            assert!(
                text.contains(&format!("its `{}` feature is off", format.name())),
                "{text}"
            );
        }
    }
    assert!(PolicyFormat::Toml.is_enabled() == cfg!(feature = "toml"));
    assert!(PolicyFormat::Json.is_enabled() == cfg!(feature = "json"));
    assert!(PolicyFormat::Yaml.is_enabled() == cfg!(feature = "yaml"));
}
