//! Hostile streams and files through the real `unified-message` binary (issue 19, item 8 and
//! the reading of every file): a bad line of `decide` — not UTF-8, too long — gets its error
//! line and the stream goes on; files are read as bytes up to a limit, so a device, a pipe
//! that never ends or a huge file stops with an error naming the limit and its flag; BOMs
//! are accepted; an empty scenario file fails; `manual --locale` must name a declared one.
//!
//! Memory is checked by size, never by time: the boundedness tests run the binary under
//! `ulimit -v` (virtual memory), with an input several times larger than the cap, so reading
//! it whole would abort the process instead of giving the expected error (Linux only).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

#[path = "support/cli.rs"]
mod cli_support;

use cli_support::{BIN, code, example, example_scenarios, stderr, stdout};

/// A request the example policy answers (`outcome` `answer`).
const GOOD: &str = r#"{"contact": {"customer": "c-1", "channel": "web", "topic": "email.setup"}, "responder": {"system": "self-diagnosis"}}"#;

fn scratch_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-stream");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn scratch(name: &str, contents: &[u8]) -> PathBuf {
    let path = scratch_dir().join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// Runs the binary with `args`, under a virtual-memory cap of `cap_kib` when given, feeding
/// `input` to its standard input from a thread (so an input larger than a pipe's buffer
/// cannot block the test).
fn run(args: &[&str], cap_kib: Option<u64>, input: impl FnOnce(&mut dyn Write) + Send) -> Output {
    let mut command = match cap_kib {
        Some(kib) => {
            let mut c = Command::new("sh");
            c.arg("-c")
                .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
                .arg(BIN)
                .args(args);
            c
        }
        None => {
            let mut c = Command::new(BIN);
            c.args(args);
            c
        }
    };
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::scope(|s| {
        s.spawn(move || {
            input(&mut stdin);
            // Dropping `stdin` closes the stream.
        });
        child.wait_with_output().unwrap()
    })
}

fn no_input(_: &mut dyn Write) {}

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Item 8: one line of invalid UTF-8 in the middle of the stream gets its error line (with
/// where the bad byte is), and the later requests are decided.
#[test]
fn issue_19_8_invalid_utf8_line_then_the_stream_goes_on() {
    let o = run(&["decide", &example()], None, |w| {
        w.write_all(GOOD.as_bytes()).unwrap();
        w.write_all(b"\n{\"contact\": {\"customer\": \"Jos\xe9\"}}\n\xff\xfe\n")
            .unwrap();
        w.write_all(GOOD.as_bytes()).unwrap();
        w.write_all(b"\n").unwrap();
    });
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 4, "{}", stdout(&o));
    assert_eq!(lines[0]["outcome"], "answer");
    assert_eq!(lines[1]["line"], 2);
    let error = lines[1]["error"].as_str().unwrap();
    assert!(
        error.contains("not UTF-8") && error.contains("column 30"),
        "{error}"
    );
    assert_eq!(lines[2]["line"], 3);
    assert_eq!(lines[3]["outcome"], "answer");
}

/// Item 8: a line longer than `--max-line-bytes` gets an error line naming its length and
/// the limit, and the stream goes on; the line is counted, never kept — a 256 MiB line
/// passes under a 128 MiB memory cap with the default limit (16 MiB).
#[test]
#[cfg(target_os = "linux")] // `ulimit -v`, `/dev/zero`, `mkfifo`
fn issue_19_8_an_over_long_line_is_skipped_within_bounded_memory() {
    const LINE: usize = 256 << 20;
    let o = run(&["decide", &example()], Some(128 << 10), |w| {
        w.write_all(GOOD.as_bytes()).unwrap();
        w.write_all(b"\n").unwrap();
        let block = vec![b'x'; 1 << 20];
        for _ in 0..LINE >> 20 {
            w.write_all(&block).unwrap();
        }
        w.write_all(b"\n").unwrap();
        w.write_all(GOOD.as_bytes()).unwrap();
        // The last line has no line break: it is decided too.
    });
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 3, "{}", stdout(&o));
    assert_eq!(lines[0]["outcome"], "answer");
    assert_eq!(lines[1]["line"], 2);
    let error = lines[1]["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("{LINE} bytes"))
            && error.contains(&format!("{} bytes", 16 << 20))
            && error.contains("--max-line-bytes"),
        "{error}"
    );
    assert_eq!(lines[2]["outcome"], "answer");

    // The flag sets the limit.
    let o = run(
        &["decide", &example(), "--max-line-bytes", "100"],
        None,
        |w| {
            w.write_all(format!("{GOOD}\n{GOOD}\n").as_bytes()).unwrap();
        },
    );
    assert_eq!(code(&o), 1);
    let lines = json_lines(&o);
    assert_eq!(
        (lines[0]["line"].as_u64(), lines[1]["line"].as_u64()),
        (Some(1), Some(2))
    );
}

/// An error line never repeats a huge value of its request whole (a 1 MB misspelt
/// progress, a 1 MB string where an object goes): it stays under 2 KB, and says where.
#[test]
fn issue_19_8_error_lines_cut_the_values_they_quote() {
    let big = "x".repeat(1 << 20);
    let o = run(&["decide", &example()], None, |w| {
        let lines = [
            format!(
                r#"{{"contact": {{"customer": "c", "channel": "web", "progress": "{big}"}}, "responder": {{"system": "ivr"}}}}"#
            ),
            format!(r#"{{"contact": "{big}", "responder": {{"system": "ivr"}}}}"#),
            format!(
                r#"{{"contact": {{"customer": "c", "channel": "web"}}, "responder": {{"{big}": "ivr"}}}}"#
            ),
        ];
        for l in lines {
            w.write_all(l.as_bytes()).unwrap();
            w.write_all(b"\n").unwrap();
        }
    });
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 3, "{}", &out[..out.len().min(3000)]);
    for (i, line) in out.lines().enumerate() {
        assert!(line.len() < 2048, "line {}: {} bytes", i + 1, line.len());
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["line"], i + 1);
        assert!(
            v["error"].as_str().unwrap().contains("invalid request"),
            "{v}"
        );
    }
}

/// A byte-order mark on the first line of the stream is accepted.
#[test]
fn issue_19_8_a_bom_starts_the_stream() {
    let o = run(&["decide", &example()], None, |w| {
        w.write_all(b"\xEF\xBB\xBF").unwrap();
        w.write_all(format!("{GOOD}\r\n{GOOD}\n").as_bytes())
            .unwrap();
    });
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["outcome"] == "answer"));
}

/// A chatbot writes one request and waits for its answer before writing the next: the
/// stream answers each line as soon as it is in, not when the input ends.
#[test]
fn issue_19_8_each_line_is_answered_before_the_input_ends() {
    let mut child = Command::new(BIN)
        .args(["decide", &example()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    for _ in 0..3 {
        stdin.write_all(format!("{GOOD}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let record: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(record["outcome"], "answer");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// Every file is read up to `--max-input-bytes`: `/dev/zero` as a policy stops with an
/// error naming the limit and the flag, within a 512 MiB memory cap (reading it whole would
/// exhaust the cap and abort); `--format json` prints the error as JSON too.
#[test]
#[cfg(target_os = "linux")] // `ulimit -v`, `/dev/zero`, `mkfifo`
fn issue_19_dev_zero_as_a_policy_stops_at_the_input_limit() {
    let zero = scratch_dir().join("zero.toml");
    let _ = std::fs::remove_file(&zero);
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let zero = zero.to_str().unwrap();
    for args in [
        vec!["check", zero],
        vec!["decide", zero],
        vec!["table", zero],
        vec!["manual", zero],
        vec!["test", &*example(), zero],
        vec!["diff", &*example(), zero],
    ] {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&args, Some(512 << 10), no_input);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("larger than the input limit of 64 MiB (67108864 bytes)")
                && err.contains("--max-input-bytes"),
            "{args:?}: {err}"
        );
    }
    let o = run(
        &[
            "check",
            zero,
            "--format",
            "json",
            "--max-input-bytes",
            "1000",
        ],
        None,
        no_input,
    );
    assert_eq!(code(&o), 2);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(
        json["error"].as_str().unwrap().contains("1000 bytes"),
        "{json}"
    );
    assert_eq!(json["file"], zero);
}

/// A pipe that never ends (a FIFO fed forever) stops at the limit too.
#[test]
#[cfg(target_os = "linux")] // `ulimit -v`, `/dev/zero`, `mkfifo`
fn issue_19_a_fifo_that_never_ends_stops_at_the_input_limit() {
    let fifo = scratch_dir().join("endless.toml");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            let block = vec![b'#'; 1 << 16];
            // Until the reader goes away (a broken pipe).
            while f.write_all(&block).is_ok() {}
        })
    };
    let o = run(
        &[
            "check",
            fifo.to_str().unwrap(),
            "--max-input-bytes",
            "1048576",
        ],
        Some(512 << 10),
        no_input,
    );
    writer.join().unwrap();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("larger than the input limit of 1 MiB (1048576 bytes)"),
        "{}",
        stderr(&o)
    );
}

/// A regular file larger than the limit is refused before it is read.
#[test]
fn issue_19_a_file_over_the_limit_is_refused() {
    let o = run(
        &["check", &example(), "--max-input-bytes", "100"],
        None,
        no_input,
    );
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("100 bytes"), "{}", stderr(&o));
    let o = run(
        &[
            "test",
            &example(),
            &example_scenarios(),
            "--max-input-bytes",
            "100",
        ],
        None,
        no_input,
    );
    assert_eq!(code(&o), 2);
    // A directory is not a file.
    let dir = scratch_dir().join("a-directory.toml");
    std::fs::create_dir_all(&dir).unwrap();
    let o = run(&["check", dir.to_str().unwrap()], None, no_input);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
}

/// Invalid UTF-8 in a policy has its line and column, in every format of the file and in
/// every command; `--format json` prints the failure as JSON.
#[test]
fn issue_19_invalid_utf8_in_a_policy_is_located() {
    for name in ["latin1.toml", "latin1.json", "latin1.yaml"] {
        let source: &[u8] = match name {
            "latin1.json" => b"{\"policy\": {\n  \"name\": \"Caf\xe9\"}}",
            "latin1.yaml" => b"policy:\n  name: Caf\xe9\n",
            _ => b"[policy]\nname = \"Caf\xe9\"\n",
        };
        let path = scratch(name, source);
        let path = path.to_str().unwrap();
        let o = run(&["check", path], None, no_input);
        assert_eq!(code(&o), 1, "{name}: {}", stderr(&o));
        assert!(
            stdout(&o).contains(&format!("{path}:2:")) && stdout(&o).contains("invalid-utf8"),
            "{name}: {}",
            stdout(&o)
        );
    }
    let path = scratch("latin1-policy.toml", b"[policy]\nname = \"Caf\xe9\"\n");
    let path = path.to_str().unwrap();
    let o = run(
        &["test", path, &example_scenarios(), "--format", "json"],
        None,
        no_input,
    );
    assert_eq!(code(&o), 2);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(json["error"].as_str().unwrap().contains("does not compile"));
    assert_eq!(json["diagnostics"][0]["code"], "invalid-utf8");
    assert_eq!(json["diagnostics"][0]["location"]["line"], 2);
    assert_eq!(json["diagnostics"][0]["location"]["column"], 12);
    assert!(
        stderr(&o).contains("error[invalid-utf8]")
            && stderr(&o).contains(&format!("--> {path}:2:12")),
        "{}",
        stderr(&o)
    );
}

/// A byte-order mark at the start of a policy or a scenario file is accepted, and locations
/// stay those an editor shows.
#[test]
fn issue_19_a_bom_starts_a_policy_or_a_scenario_file() {
    let mut policy = b"\xEF\xBB\xBF".to_vec();
    policy.extend_from_slice(unified_message::EXAMPLE_POLICY.as_bytes());
    let policy = scratch("bom-policy.toml", &policy);
    let mut scenarios = b"\xEF\xBB\xBF".to_vec();
    scenarios.extend_from_slice(&std::fs::read(example_scenarios()).unwrap());
    let scenarios = scratch("bom.scenarios.toml", &scenarios);
    let o = run(
        &[
            "test",
            policy.to_str().unwrap(),
            scenarios.to_str().unwrap(),
        ],
        None,
        no_input,
    );
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = run(&["check", policy.to_str().unwrap()], None, no_input);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));

    let broken = scratch("bom-broken.toml", b"\xEF\xBB\xBF[policy]\nname = 1\n");
    let o = run(&["check", broken.to_str().unwrap()], None, no_input);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("bom-broken.toml:2:8"), "{}", stdout(&o));
}

/// Item 10: an empty or comment-only scenario file proves nothing: `test` fails (exit 2) and
/// says why, in text and in JSON.
#[test]
fn issue_19_10_an_empty_scenario_file_fails() {
    for (name, contents) in [
        ("empty.scenarios.toml", &b""[..]),
        (
            "comments.scenarios.toml",
            b"# to do: scenarios\n\n# none yet\n",
        ),
    ] {
        let path = scratch(name, contents);
        let path = path.to_str().unwrap();
        let o = run(&["test", &example(), path], None, no_input);
        assert_eq!(code(&o), 2, "{name}");
        assert!(
            stderr(&o).contains(&format!(
                "{path}: the file has no `[[scenario]]` entry, so it proves nothing"
            )),
            "{}",
            stderr(&o)
        );
        assert!(!stdout(&o).contains("0 passed"), "{}", stdout(&o));
        let o = run(
            &["test", &example(), path, "--format", "json"],
            None,
            no_input,
        );
        assert_eq!(code(&o), 2);
        let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        assert!(json["error"].as_str().unwrap().contains("proves nothing"));
        assert_eq!(json["file"], path);
    }
}

/// Issue 19 decision: `manual --locale` with an undeclared locale exits 2 naming the
/// declared ones, like an unknown `--department`.
#[test]
fn issue_19_manual_with_an_undeclared_locale_exits_2() {
    let o = run(&["manual", &example(), "--locale", "xx"], None, no_input);
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("unknown locale `xx`; the policy's locales are `es`, `en`"),
        "{}",
        stderr(&o)
    );
    let o = run(&["manual", &example(), "--locale", "en-GB"], None, no_input);
    assert_eq!(code(&o), 0);
}

/// The library's `DecideStream` gives the same lines however the input is cut into chunks,
/// and exactly one output line per non-blank input line — decided, or an error line with its
/// number (over-long lines included) — holding at most the line limit.
mod chunks {
    use proptest::prelude::*;
    use unified_message::Engine;

    const LIMIT: usize = 300;

    fn engine() -> &'static Engine {
        static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
        ENGINE.get_or_init(|| Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap())
    }

    fn line(kind: u8) -> Vec<u8> {
        match kind % 7 {
            0 => super::GOOD.as_bytes().to_vec(),
            1 => b"not json".to_vec(),
            2 => b"{\"contact\": \"\xff\"}".to_vec(),
            3 => vec![b'x'; LIMIT + 1 + usize::from(kind)],
            4 => Vec::new(),
            5 => format!("{}\r", super::GOOD).into_bytes(),
            _ => b"   ".to_vec(),
        }
    }

    fn run(input: &[u8], cuts: &[usize]) -> (Vec<String>, usize, usize) {
        let mut stream = engine().decide_stream().max_line_bytes(LIMIT);
        let mut out = Vec::new();
        let mut at = 0;
        let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        points.sort_unstable();
        points.push(input.len());
        for p in points {
            stream
                .push(&input[at..p], |l| {
                    out.push(l.to_owned());
                    Ok::<(), ()>(())
                })
                .unwrap();
            at = p;
        }
        stream
            .finish(|l| {
                out.push(l.to_owned());
                Ok::<(), ()>(())
            })
            .unwrap();
        (out, stream.decided(), stream.errors())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn issue_19_8_chunking_never_changes_the_stream(
            kinds in prop::collection::vec(any::<u8>(), 0..12),
            bom in any::<bool>(),
            last_break in any::<bool>(),
            cuts in prop::collection::vec(any::<usize>(), 0..20),
        ) {
            let mut input = Vec::new();
            if bom {
                input.extend_from_slice(b"\xEF\xBB\xBF");
            }
            for (i, k) in kinds.iter().enumerate() {
                input.extend(line(*k));
                if i + 1 < kinds.len() || last_break {
                    input.push(b'\n');
                }
            }
            let whole = run(&input, &[]);
            prop_assert_eq!(&run(&input, &cuts), &whole);
            // One output per non-blank line, numbered as the input.
            let expected: Vec<(usize, bool)> = kinds
                .iter()
                .enumerate()
                .filter(|(_, k)| !matches!(*k % 7, 4 | 6))
                .map(|(i, k)| (i + 1, matches!(k % 7, 0 | 5)))
                .collect();
            prop_assert_eq!(whole.0.len(), expected.len());
            for (out, (number, good)) in whole.0.iter().zip(&expected) {
                let v: serde_json::Value = serde_json::from_str(out).unwrap();
                if *good {
                    prop_assert_eq!(&v["outcome"], "answer");
                } else {
                    prop_assert_eq!(v["line"].as_u64(), Some(*number as u64));
                }
            }
            let good = expected.iter().filter(|(_, g)| *g).count();
            prop_assert_eq!((whole.1, whole.2), (good, expected.len() - good));
        }
    }
}
