//! `decide`: JSON lines from standard input, one decision (or error line) per line out.

use std::io::{self, BufRead};
use std::path::Path;

use crate::failure::fatal;
use crate::input::load;
use crate::output::{Out, Outcome, exit, write_error};

/// Standard input is read in chunks as they come (a chatbot waiting for its answer gets it as
/// soon as its line is in) and handed to the library's `DecideStream`, which splits lines,
/// keeps at most `max_line` bytes of one, and answers a bad line (not JSON, not UTF-8, too
/// long) with an error line.
pub(crate) fn run(
    out: &mut Out<'_>,
    stdin: &mut dyn BufRead,
    policy: &Path,
    limit: u64,
    max_line: usize,
) -> Outcome {
    let (engine, _) = load(policy, limit)?;
    let mut stream = engine.decide_stream().max_line_bytes(max_line);
    let stdout = out.stream();
    loop {
        let chunk = match stdin.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(fatal(format!("cannot read standard input: {e}"))),
        };
        if chunk.is_empty() {
            break;
        }
        let n = chunk.len();
        stream
            .push(chunk, &mut |line: &str| writeln!(stdout, "{line}"))
            .map_err(write_error)?;
        stdin.consume(n);
        stdout.flush().map_err(write_error)?;
    }
    stream
        .finish(&mut |line: &str| writeln!(stdout, "{line}"))
        .map_err(write_error)?;
    stdout.flush().map_err(write_error)?;
    Ok(exit(stream.errors() > 0))
}
