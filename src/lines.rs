//! JSON lines for `unified-message decide`: one request per line in, one decision per line
//! out, so that chatbots in any language can ask the engine.

#[cfg(feature = "json")]
use serde::Serialize;

use crate::engine::Engine;
#[cfg(feature = "json")]
use crate::request::DecideRequest;

/// The error line for a request that could not be read.
#[cfg(feature = "json")]
#[derive(Serialize)]
struct ErrorLine<'a> {
    error: &'a str,
    line: usize,
}

/// The error line `{"error": "…", "line": N}`.
#[cfg(feature = "json")]
fn error_line(line_number: usize, error: &str) -> String {
    serde_json::to_string(&ErrorLine {
        error,
        line: line_number,
    })
    .unwrap_or_else(|_| format!("{{\"error\":\"invalid request\",\"line\":{line_number}}}"))
}

/// The longest error message of a request line, in characters, once its quoted values are
/// cut: a value quoted otherwise than in backticks (serde's `string "…"`) is cut here.
#[cfg(feature = "json")]
const MESSAGE: usize = 1_000;

/// `message`, or its beginning and its end (where serde says the line and column and the
/// message says what a request looks like) around a count of what was left out.
#[cfg(feature = "json")]
fn cut_middle(message: &str, max: usize) -> String {
    let count = message.chars().count();
    if count <= max {
        return message.to_owned();
    }
    let head: String = message.chars().take(max / 2).collect();
    let tail: String = message.chars().skip(count - max / 2).collect();
    format!("{head}… ({} characters cut) …{tail}", count - 2 * (max / 2))
}

#[cfg(feature = "json")]
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What every error line of a request says about the expected shape.
#[cfg(feature = "json")]
const SHAPE: &str = "each line is {\"contact\": {…}, \"responder\": {\"staff\": \"ROLE\"}} or {\"system\": \"SYSTEM\"}}";

impl Engine {
    /// Decides one line of JSON ([`DecideRequest`]) and returns the output line, without its
    /// line break: `Ok` with the [`crate::DecisionRecord`] as JSON, or `Err` with the error
    /// line `{"error": "…", "line": N}` when the line is not a valid request (`line_number`
    /// counts from 1). Both are lines to write; a stream goes on past a bad line. A blank line
    /// gives `None`. A byte-order mark starting line 1 is skipped.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let out = engine.decide_json_line(1, r#"{"contact": {"customer": "c-1", "channel": "web", "topic": "email.setup"}, "responder": {"system": "self-diagnosis"}}"#);
    /// let record: serde_json::Value = serde_json::from_str(&out.unwrap().unwrap())?;
    /// assert_eq!(record["outcome"], "answer");
    ///
    /// let out = engine.decide_json_line(2, r#"{"contact": {}}"#).unwrap().unwrap_err();
    /// assert!(out.starts_with(r#"{"error":"#) && out.ends_with(r#""line":2}"#), "{out}");
    /// assert_eq!(engine.decide_json_line(3, "   "), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "json")]
    pub fn decide_json_line(
        &self,
        line_number: usize,
        line: &str,
    ) -> Option<Result<String, String>> {
        let line = match line_number {
            1 => line.strip_prefix('\u{feff}').unwrap_or(line),
            _ => line,
        };
        if line.trim().is_empty() {
            return None;
        }
        if let Some(number) = crate::request::inexact_fact_number(line) {
            // The rule of a request's facts, the service's too: an integer a double keeps
            // exactly, a decimal as a string (issue 24 point 9).
            let error = format!("invalid request: {number}");
            return Some(Err(error_line(line_number, &error)));
        }
        let result = serde_json::from_str::<DecideRequest>(line)
            .map_err(|e| {
                cut_middle(
                    &crate::bounded::cut_quoted(format!("invalid request: {e}; {SHAPE}")),
                    MESSAGE,
                )
            })
            .and_then(|r| {
                self.decide(&r.contact, &r.responder)
                    .json_line_with(&r.values)
                    .map_err(|e| format!("cannot write the decision: {e}"))
            });
        Some(result.map_err(|error| error_line(line_number, &error)))
    }

    /// [`Engine::decide_json_line`] for a line read as bytes (without its line break): bytes
    /// that are not UTF-8 get an error line that says where, and the stream goes on.
    ///
    /// # Examples
    ///
    /// ```
    /// use unified_message::Engine;
    ///
    /// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
    /// let out = engine.decide_json_bytes(7, b"{\"contact\": {\"customer\": \"Jos\xe9\"}}").unwrap().unwrap_err();
    /// assert!(out.contains("not UTF-8") && out.ends_with(r#""line":7}"#), "{out}");
    ///
    /// // A byte-order mark on the first line is skipped.
    /// let line = b"\xEF\xBB\xBF{\"contact\": {\"customer\": \"c-1\", \"channel\": \"web\"}, \"responder\": {\"system\": \"self-diagnosis\"}}";
    /// assert!(engine.decide_json_bytes(1, line).unwrap().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "json")]
    pub fn decide_json_bytes(
        &self,
        line_number: usize,
        line: &[u8],
    ) -> Option<Result<String, String>> {
        let line = match line_number {
            1 => line.strip_prefix(BOM).unwrap_or(line),
            _ => line,
        };
        match std::str::from_utf8(line) {
            Ok(text) => self.decide_json_line(line_number, text),
            Err(e) => {
                let column = line
                    .get(..e.valid_up_to())
                    .and_then(|b| std::str::from_utf8(b).ok())
                    .map_or(0, |t| t.chars().count())
                    + 1;
                Some(Err(error_line(
                    line_number,
                    &format!(
                        "invalid request: the line is not UTF-8 text: byte {} (column {column}) cannot start or continue a character; send the request as UTF-8",
                        e.valid_up_to() + 1
                    ),
                )))
            }
        }
    }

    /// A [`DecideStream`] over this engine, with the default line limit
    /// ([`DecideStream::DEFAULT_MAX_LINE_BYTES`]).
    #[cfg(feature = "json")]
    pub fn decide_stream(&self) -> DecideStream<'_> {
        DecideStream {
            engine: self,
            max_line_bytes: DecideStream::DEFAULT_MAX_LINE_BYTES,
            line: 1,
            buf: Vec::new(),
            over: 0,
            errors: 0,
            decided: 0,
        }
    }
}

/// The JSON-lines stream of `unified-message decide`, without its I/O: the host reads bytes
/// (in chunks of any size, cut anywhere) and [`push`](DecideStream::push)es them; each
/// complete line gives one output line, written through the host's closure. A bad line — not
/// JSON, not a request, not UTF-8, or longer than the line limit — gets its error line
/// `{"error": "…", "line": N}` and the stream goes on; blank lines are skipped; a byte-order
/// mark starting the stream is skipped. Memory stays within the line limit whatever the
/// input: the part of an over-long line past the limit is counted, never kept.
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let mut stream = engine.decide_stream().max_line_bytes(1024);
/// let mut out = Vec::new();
/// let request = br#"{"contact": {"customer": "c-1", "channel": "web", "topic": "email.setup"}, "responder": {"system": "self-diagnosis"}}"#;
/// stream.push(&request[..10], |l| { out.push(l.to_owned()); Ok::<(), ()>(()) }).unwrap();
/// stream.push(&request[10..], |l| { out.push(l.to_owned()); Ok::<(), ()>(()) }).unwrap();
/// stream.push(b"\n\xff\n", |l| { out.push(l.to_owned()); Ok::<(), ()>(()) }).unwrap();
/// stream.push(&[b'x'; 2000], |l| { out.push(l.to_owned()); Ok::<(), ()>(()) }).unwrap();
/// stream.push(b"\n", |l| { out.push(l.to_owned()); Ok::<(), ()>(()) }).unwrap();
/// stream.push(request, |l| { out.push(l.to_owned()); Ok::<(), ()>(()) }).unwrap();
/// stream.finish(|l| { out.push(l.to_owned()); Ok::<(), ()>(()) }).unwrap();
/// assert_eq!(out.len(), 4);
/// assert!(out[0].contains(r#""outcome":"answer""#));
/// assert!(out[1].contains("not UTF-8") && out[1].ends_with(r#""line":2}"#));
/// assert!(out[2].contains("2000 bytes") && out[2].ends_with(r#""line":3}"#));
/// assert!(out[3].contains(r#""outcome":"answer""#));
/// assert_eq!((stream.decided(), stream.errors()), (2, 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "json")]
#[derive(Debug)]
pub struct DecideStream<'e> {
    engine: &'e Engine,
    max_line_bytes: usize,
    /// The number of the line being read, from 1.
    line: usize,
    /// The current line so far, within the limit.
    buf: Vec<u8>,
    /// The current line's length when it is over the limit (its bytes are not kept), else 0.
    over: usize,
    errors: usize,
    decided: usize,
}

#[cfg(feature = "json")]
impl<'e> DecideStream<'e> {
    /// The default longest line, in bytes, without its line break: 16 MiB.
    pub const DEFAULT_MAX_LINE_BYTES: usize = 16 << 20;

    /// Sets the longest line, in bytes, without its line break (at least 1). A longer line
    /// gets an error line, and the stream goes on with the next one.
    pub fn max_line_bytes(mut self, bytes: usize) -> Self {
        self.max_line_bytes = bytes.max(1);
        self
    }

    /// Reads `bytes`, the next part of the stream, and writes the output line of every line
    /// it completes through `out` (without the line break). An error of `out` (the host's
    /// output is closed) stops the stream and is returned.
    ///
    /// # Errors
    ///
    /// The first error `out` returns.
    pub fn push<E>(
        &mut self,
        mut bytes: &[u8],
        mut out: impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        while !bytes.is_empty() {
            let (part, rest, complete) = match bytes.iter().position(|&b| b == b'\n') {
                Some(i) => (
                    bytes.get(..i).unwrap_or(&[]),
                    bytes.get(i + 1..).unwrap_or(&[]),
                    true,
                ),
                None => (bytes, &[][..], false),
            };
            bytes = rest;
            if complete
                && self.buf.is_empty()
                && self.over == 0
                && part.len() <= self.max_line_bytes
            {
                // A whole line within the chunk: decided in place, not copied.
                self.end_line(Some(part), &mut out)?;
            } else {
                self.take(part);
                if complete {
                    self.end_line(None, &mut out)?;
                }
            }
        }
        Ok(())
    }

    /// Ends the stream: a last line without a line break is decided like the others.
    ///
    /// # Errors
    ///
    /// The error `out` returns.
    pub fn finish<E>(&mut self, mut out: impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        if self.buf.is_empty() && self.over == 0 {
            return Ok(());
        }
        self.end_line(None, &mut out)
    }

    /// How many lines got an error line so far.
    pub fn errors(&self) -> usize {
        self.errors
    }

    /// How many lines got a decision so far.
    pub fn decided(&self) -> usize {
        self.decided
    }

    /// Adds `part` to the current line, or counts it once the line is over the limit.
    fn take(&mut self, part: &[u8]) {
        if self.over > 0 {
            self.over = self.over.saturating_add(part.len());
        } else if self.buf.len().saturating_add(part.len()) > self.max_line_bytes {
            self.over = self.buf.len().saturating_add(part.len());
            self.buf = Vec::new();
        } else {
            self.buf.extend_from_slice(part);
        }
    }

    /// Ends the current line: `line` when it was whole in one chunk, else the buffer.
    fn end_line<E>(
        &mut self,
        line: Option<&[u8]>,
        out: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        let number = self.line;
        self.line = self.line.saturating_add(1);
        let reply = if self.over > 0 {
            let reply = Some(Err(error_line(
                number,
                &format!(
                    "invalid request: the line has {} bytes, more than the limit of {} bytes for one request; it is skipped (the CLI raises the limit with `--max-line-bytes`)",
                    self.over, self.max_line_bytes
                ),
            )));
            self.over = 0;
            reply
        } else {
            let line = line.unwrap_or(&self.buf);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let reply = self.engine.decide_json_bytes(number, line);
            self.buf.clear();
            reply
        };
        match reply {
            None => Ok(()),
            Some(Ok(line)) => {
                self.decided += 1;
                out(&line)
            }
            Some(Err(line)) => {
                self.errors += 1;
                out(&line)
            }
        }
    }
}
