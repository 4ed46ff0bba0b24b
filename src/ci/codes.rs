//! What each diagnostic code means: the help text of a SARIF rule.

use crate::Code;

/// What findings with `code` mean and what generally fixes them, in one or two sentences;
/// `None` for a code this version does not know.
///
/// Each finding's own message and hint say what is wrong in that instance; this text is the
/// code's general help, which SARIF viewers show once per rule. The same as
/// [`Code::help`] for the code `code` parses as.
///
/// # Examples
///
/// ```
/// use unified_message::ci::code_help;
///
/// assert!(code_help("out-of-lane").unwrap().contains("department"));
/// assert_eq!(code_help("no-such-code"), None);
/// ```
pub fn code_help(code: &str) -> Option<&'static str> {
    code.parse::<Code>().ok().map(Code::help)
}
