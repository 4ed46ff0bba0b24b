//! The request a host sends to decide: [`DecideRequest`], a contact, who answers it and the
//! host's placeholder values — one line of `unified-message decide`, the body of the service's
//! `POST /v1/decide` and `POST /v1/explain` — and the rule for the numbers of its facts
//! ([`inexact_fact_number`]), the one the service, the CLI and the library's schema
//! (`wire::schemas`, `Contact`'s `facts`) share.
//!
//! # A fact's number, on the wire
//!
//! A fact is compared as text, so a number must reach the engine as the value its sender
//! meant: a request (a line of `unified-message decide`, its `explain --contact`, a body of
//! the service) may hold only the numbers a double keeps exactly, integers within
//! ±(2^53 − 1) ([`MAX_FACT_INTEGER`]), in any notation (`2.0`, `1e3` and `1500e-1` are
//! integers). A decimal, or a larger integer, is sent as a string (`"0.25"`) and compared as
//! written. This is the schema's rule too (`type: [string, integer, boolean]`, `minimum` and
//! `maximum`), so that what the schema allows is exactly what a host accepts.
//!
//! Files a person writes — policies and scenario files — keep the wider rule of
//! [`document::inexact_number`](crate::document::inexact_number): a decimal of at most 15
//! significant digits is read as written there.

use std::fmt;

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

/// The largest integer a request's fact may be, and its negation the smallest: 2^53 − 1, the
/// largest integer below which a double keeps every integer exactly (JavaScript's
/// `Number.MAX_SAFE_INTEGER`).
pub const MAX_FACT_INTEGER: i64 = 9_007_199_254_740_991;

/// Whether the JSON number `token` may be a request's fact: an integer within
/// ±[`MAX_FACT_INTEGER`], in whatever notation (`-0`, `2.0`, `1e3`, `1500e-1`), read as
/// decimal text, never rounded.
///
/// # Examples
///
/// ```
/// use unified_message::request::exact_fact_number;
///
/// for taken in ["0", "-0", "2.0", "1e3", "1500e-1", "9007199254740991", "-9007199254740991"] {
///     assert!(exact_fact_number(taken), "{taken}");
/// }
/// for refused in ["1.5", "0.3", "9007199254740992", "1e16", "0.30000000000000000001", "x"] {
///     assert!(!exact_fact_number(refused), "{refused}");
/// }
/// ```
pub fn exact_fact_number(token: &str) -> bool {
    let limit = MAX_FACT_INTEGER.unsigned_abs();
    let unsigned = token.strip_prefix('-').unwrap_or(token);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(e) => {
            let exponent = unsigned.get(e + 1..).unwrap_or("");
            match exponent
                .strip_prefix('+')
                .unwrap_or(exponent)
                .parse::<i64>()
            {
                Ok(exponent) => (unsigned.get(..e).unwrap_or(""), exponent),
                Err(_) => return false,
            }
        }
        None => (unsigned, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|c| c.is_ascii_digit())
    {
        return false;
    }
    // The digits, and where the point stands among them once the exponent is applied.
    let Ok(point) = i64::try_from(whole.len()).map(|w| w.saturating_add(exponent)) else {
        return false;
    };
    let mut value: u64 = 0;
    let mut shown: i64 = 0;
    for d in whole.bytes().chain(fraction.bytes()) {
        let digit = u64::from(d - b'0');
        let place = shown;
        shown = shown.saturating_add(1);
        if place >= point {
            // Past the point: only zeros keep the number whole.
            if digit != 0 {
                return false;
            }
            continue;
        }
        value = match value.checked_mul(10).and_then(|v| v.checked_add(digit)) {
            Some(v) if v <= limit => v,
            _ => return false,
        };
    }
    // Zeros the exponent adds after the digits.
    if value == 0 {
        // `0e400`: zero whatever the exponent.
        return true;
    }
    for _ in shown..point {
        value = match value.checked_mul(10) {
            Some(v) if v <= limit => v,
            _ => return false,
        };
    }
    true
}

/// The first number of the JSON text `json` (outside its strings) that a request may not hold
/// ([`exact_fact_number`]): the offending number and its byte offset, whose
/// [`Display`](fmt::Display) says why and asks for it as a string. Linear in the text. The
/// `decide` lines, `explain --contact` and the service's bodies call it before parsing: a
/// parser gives the double, not the digits written.
///
/// # Examples
///
/// ```
/// use unified_message::request::inexact_fact_number;
///
/// assert!(inexact_fact_number(r#"{"facts": {"a": 2.0, "b": 1e3, "c": "1.5"}}"#).is_none());
/// let refused = inexact_fact_number(r#"{"facts": {"a": 1.5}}"#).unwrap();
/// assert_eq!((refused.offset(), refused.number()), (16, "1.5"));
/// assert_eq!(
///     refused.to_string(),
///     "the number `1.5` (byte 16) is not an integer within ±(2^53 − 1); send it as a string (\"1.5\") to compare it as written"
/// );
/// ```
pub fn inexact_fact_number(json: &str) -> Option<InexactFactNumber<'_>> {
    let bytes = json.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                // Inside a string: straight to its closing quote or its next escape (an
                // unterminated string runs to the end).
                i += 1;
                loop {
                    let Some(at) = bytes
                        .get(i..)
                        .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
                    else {
                        i = bytes.len();
                        break;
                    };
                    let quote = bytes.get(i + at) == Some(&b'"');
                    i += at + if quote { 1 } else { 2 };
                    if quote {
                        break;
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while bytes
                    .get(i)
                    .is_some_and(|c| c.is_ascii_digit() || b"+-.eE".contains(c))
                {
                    i += 1;
                }
                let number = json.get(start..i).unwrap_or("");
                if !exact_fact_number(number) {
                    return Some(InexactFactNumber {
                        offset: start,
                        number,
                    });
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// A number a request may not hold, found by [`inexact_fact_number`]. Its
/// [`Display`](fmt::Display) is the message the CLI and the service give (after
/// `invalid request: `): the number, its byte, why, and the string to send instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InexactFactNumber<'a> {
    offset: usize,
    number: &'a str,
}

impl<'a> InexactFactNumber<'a> {
    /// The byte offset of the number in the text.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The number, as written.
    pub fn number(&self) -> &'a str {
        self.number
    }
}

impl fmt::Display for InexactFactNumber<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = crate::bounded::cut(self.number);
        let at = self.offset;
        if crate::model::inexact_number(self.number, false).is_some() {
            // More digits than a double holds: the parser would round it, and a fact of
            // `0.30000000000000000001` would match a rule on `0.3` (issue 25 point 5).
            write!(
                f,
                "the number `{number}` (byte {at}) has more significant digits than a fact \
                 compares exactly; send it as a string (\"{number}\") to compare it as written"
            )
        } else {
            write!(
                f,
                "the number `{number}` (byte {at}) is not an integer within ±(2^53 − 1); send \
                 it as a string (\"{number}\") to compare it as written"
            )
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::inexact_fact_number;

    #[test]
    fn issue24_9_numbers_inside_strings_are_skipped_escapes_and_all() {
        // An escaped quote does not end the string; an escaped backslash before the closing
        // quote does not hide it; the number after the string is found at its byte.
        let text = r#"{"a": "x\" 1.5 \\", "b": 1.5}"#;
        let found = inexact_fact_number(text).unwrap();
        assert_eq!(
            (found.offset(), found.number()),
            (text.rfind("1.5").unwrap(), "1.5")
        );
        assert!(inexact_fact_number(r#"{"a": "1.5 \\", "b": 2}"#).is_none());
        // An unterminated string runs to the end: nothing in it is a number.
        assert!(inexact_fact_number(r#"{"a": "1.5"#).is_none());
        assert!(inexact_fact_number(r#"{"a": "\"#).is_none());
    }

    #[test]
    fn issue24_9_a_number_is_an_integer_within_2_53() {
        for text in [
            r#"{"a": 1, "b": -9007199254740991, "c": 9007199254740991, "d": [0, -0]}"#,
            r#"{"a": 2.0, "b": 1e3, "c": 1500e-1, "d": -9007199254740991.0, "e": 0e400, "f": 1E+2}"#,
            r#"{"a": "1.5 and 1e300", "b\"1.5": "x\\", "c": true}"#,
        ] {
            assert_eq!(inexact_fact_number(text), None, "{text}");
        }
        for (text, number) in [
            (r#"{"a": 1.5}"#, "1.5"),
            (r#"{"a": 9007199254740992}"#, "9007199254740992"),
            (r#"{"a": -9007199254740992}"#, "-9007199254740992"),
            (r#"{"a": 1e16}"#, "1e16"),
            (r#"{"a": 1.25e1}"#, "1.25e1"),
            (r#"{"a": 9007199254740991.5}"#, "9007199254740991.5"),
            (r#"{"a": 0.30000000000000000001}"#, "0.30000000000000000001"),
            (r#"{"a": "\\", "b": 2.5}"#, "2.5"),
        ] {
            assert_eq!(
                inexact_fact_number(text).unwrap().number(),
                number,
                "{text}"
            );
        }
    }
}
