//! What the report formats share: JSON output, a finding in words, stable fingerprints.

use std::fmt::Write as _;

use serde::Serialize;

use crate::diagnostic::Diagnostic;

/// Pretty JSON of a report's serde structs.
#[expect(
    clippy::expect_used,
    reason = "the report structs hold strings, numbers and sequences only (no map with \
              non-string keys, no custom `Serialize`), so serializing them cannot fail"
)]
pub(super) fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).expect("report structs serialize")
}

/// A finding in words, without its code and severity (the formats carry those apart): the
/// document path and the sentence, then the hint, the matched text and the counterexample,
/// each on lines of their own.
pub(super) fn details(d: &Diagnostic) -> String {
    let mut text = String::new();
    if !d.path.segments().is_empty() {
        let _ = write!(text, "{}: ", d.path);
    }
    text.push_str(&d.message);
    if !d.hint.is_empty() {
        let _ = write!(text, "\nhint: {}", d.hint);
    }
    if let Some(m) = &d.matched {
        let _ = write!(text, "\nmatched: {m}");
    }
    if let Some(c) = &d.counterexample {
        // The text form indents the counterexample under the finding; here it starts a line.
        for line in c.to_string().trim_end().lines() {
            let _ = write!(text, "\n{}", line.strip_prefix("  ").unwrap_or(line));
        }
    }
    text
}

/// A stable fingerprint per finding: FNV-1a (64 bits, hex) of the file, the code, the document
/// path, the sentence and how many identical findings came before it.
pub(super) fn fingerprints(diagnostics: &[Diagnostic], file: &str) -> Vec<String> {
    let mut seen: Vec<u64> = Vec::with_capacity(diagnostics.len());
    diagnostics
        .iter()
        .map(|d| {
            let key = fnv1a(&[
                file.as_bytes(),
                d.code.as_str().as_bytes(),
                d.path.to_string().as_bytes(),
                d.message.as_bytes(),
            ]);
            let repeat = seen.iter().filter(|&&k| k == key).count();
            seen.push(key);
            let hash = fnv1a(&[&key.to_le_bytes(), &repeat.to_le_bytes()]);
            format!("{hash:016x}")
        })
        .collect()
}

/// FNV-1a over `parts`, each followed by a 0xff byte (which UTF-8 never contains) so that
/// moving bytes from one part to the next changes the hash.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for &byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    #[test]
    fn repeated_findings_get_distinct_stable_fingerprints() {
        let d = Diagnostic::error(
            Code::UnknownSystem,
            crate::document::DocPath::root(),
            "m",
            "h",
        );
        let twice = fingerprints(&[d.clone(), d.clone()], "p.toml");
        assert_ne!(twice.first(), twice.get(1));
        assert_eq!(fingerprints(&[d.clone(), d], "p.toml"), twice);
        let other_file = fingerprints(
            &[Diagnostic::error(
                Code::UnknownSystem,
                crate::document::DocPath::root(),
                "m",
                "h",
            )],
            "q.toml",
        );
        assert_ne!(other_file.first(), twice.first());
    }
}
