//! Issue 24, point 4 ("the CLI is a library"): `unified_message_cli::run`, called in-process
//! with in-memory streams, writes the very bytes the `unified-message` binary writes for the
//! same arguments, and ends with the same exit code — so a binding that calls `run` ships the
//! same command.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, Write};
use std::process::{Command, ExitCode, Stdio};

#[path = "support/cli.rs"]
mod cli_support;

use cli_support::{BIN, code, data, example, example_scenarios};
use unified_message_cli::{Console, run, run_with};

/// What a run wrote and how it ended.
#[derive(Debug, PartialEq)]
struct Ran {
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// `args` through `run`, in-process, with `stdin` as standard input.
fn in_process(args: &[&str], stdin: &[u8]) -> Ran {
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut input: &[u8] = stdin;
    let all = std::iter::once("unified-message").chain(args.iter().copied());
    let status = run_with(
        all.clone(),
        &mut input,
        &mut stdout,
        &mut stderr,
        &mut Console::plain(),
    );
    // `run` is `run_with` on a plain console, its status as an `ExitCode`.
    let (mut again_out, mut again_err) = (Vec::new(), Vec::new());
    let mut input: &[u8] = stdin;
    let exit = run(all, &mut input, &mut again_out, &mut again_err);
    assert_eq!(exit, ExitCode::from(status), "{args:?}");
    assert_eq!(
        (again_out, again_err),
        (stdout.clone(), stderr.clone()),
        "{args:?}"
    );
    Ran {
        code: i32::from(status),
        stdout,
        stderr,
    }
}

/// `args` through the binary, with `stdin` piped in (its streams are pipes: plain, no
/// progress), without the colour variables of the environment.
fn binary(args: &[&str], stdin: &[u8]) -> Ran {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let o = child.wait_with_output().unwrap();
    Ran {
        code: code(&o),
        stdout: o.stdout,
        stderr: o.stderr,
    }
}

/// Both ways agree, byte for byte; returns what they wrote.
fn same(args: &[&str], stdin: &[u8]) -> Ran {
    let inside = in_process(args, stdin);
    let outside = binary(args, stdin);
    assert_eq!(
        inside,
        outside,
        "{args:?}: in-process\n{}\n{}\nbinary\n{}\n{}",
        String::from_utf8_lossy(&inside.stdout),
        String::from_utf8_lossy(&inside.stderr),
        String::from_utf8_lossy(&outside.stdout),
        String::from_utf8_lossy(&outside.stderr),
    );
    inside
}

#[test]
fn i24_p4_check_in_process_is_the_binary() {
    let ran = same(&["check", &example()], b"");
    assert_eq!(ran.code, 0);
    assert!(String::from_utf8(ran.stdout).unwrap().contains("0 errors"));
    // A policy with findings: the rendered diagnostics, exit 1, in every findings format.
    let bad = data("check/out-of-lane.toml");
    for format in ["text", "json", "github", "sarif", "gitlab"] {
        let ran = same(&["check", &bad, "--format", format], b"");
        assert_eq!(ran.code, 1, "{format}");
    }
    // A policy that does not compile, as text and as JSON.
    let broken = data("bad/unknown-system.toml");
    assert_eq!(same(&["check", &broken], b"").code, 1);
    assert_eq!(same(&["table", &broken], b"").code, 2);
}

#[test]
fn i24_p4_decide_in_process_is_the_binary() {
    let lines = concat!(
        r#"{"contact": {"customer": "c-1", "channel": "web", "topic": "email.setup"}, "responder": {"system": "self-diagnosis"}}"#,
        "\n",
        r#"{"contact": {"customer": "c-2", "channel": "chat", "text": "no puedo configurar el correo"}, "responder": {"staff": "support-agent"}}"#,
        "\nnot json\n",
    );
    let ran = same(&["decide", &example()], lines.as_bytes());
    assert_eq!(ran.code, 1, "one bad line");
    let out = String::from_utf8(ran.stdout).unwrap();
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.lines().nth(2).unwrap().contains("\"error\""), "{out}");
}

#[test]
fn i24_p4_explain_and_format_json_in_process_is_the_binary() {
    let contact = r#"{"customer": "c-1", "channel": "phone", "topic": "email.setup"}"#;
    let responder = r#"{"staff": "support-agent"}"#;
    for format in ["text", "json"] {
        let args = [
            "explain",
            &example(),
            "--contact",
            contact,
            "--responder",
            responder,
            "--format",
            format,
        ];
        assert_eq!(same(&args, b"").code, 0, "{format}");
    }
    // `--format json` of every command that has it, clean and failing.
    let ran = same(&["check", &example(), "--format", "json"], b"");
    let report: serde_json::Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert!(report["circumstances"].as_u64().unwrap() > 0);
    let ran = same(
        &["test", &example(), &example_scenarios(), "--format", "json"],
        b"",
    );
    assert_eq!(ran.code, 0);
    let ran = same(&["diff", &example(), &example(), "--format", "json"], b"");
    assert_eq!(ran.code, 0);
    // A failure under `--format json`: the error on stderr and as JSON on stdout, exit 2.
    let ran = same(
        &[
            "explain",
            &example(),
            "--contact",
            "{",
            "--responder",
            responder,
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(ran.code, 2);
    let error: serde_json::Value = serde_json::from_slice(&ran.stdout).unwrap();
    assert_eq!(error["code"], "invalid_input");
}

#[test]
fn i24_p4_other_commands_in_process_are_the_binary() {
    for format in ["csv", "markdown"] {
        assert_eq!(
            same(&["table", &example(), "--format", format], b"").code,
            0
        );
    }
    assert_eq!(same(&["manual", &example()], b"").code, 0);
    assert_eq!(
        same(
            &[
                "test",
                &example(),
                &example_scenarios(),
                "--format",
                "junit"
            ],
            b""
        )
        .code,
        0
    );
    // Files that cannot be read, and an unknown format.
    assert_eq!(same(&["check", "no/such/policy.toml"], b"").code, 2);
    assert_eq!(same(&["check", "policy.txt"], b"").code, 2);
    assert_eq!(
        same(&["check", &example(), "--max-input-bytes", "10"], b"").code,
        2
    );
}

/// Usage errors, `--help` and `--version` come from clap through `run` too: on the given
/// streams, with clap's exit codes, nothing on the process's own streams, no exit.
#[test]
fn i24_p4_usage_help_and_version_in_process_are_the_binary() {
    let ran = same(&["--help"], b"");
    assert_eq!(ran.code, 0);
    assert!(
        String::from_utf8(ran.stdout)
            .unwrap()
            .starts_with("One voice for every channel")
    );
    assert!(
        same(&["--version"], b"")
            .stdout
            .starts_with(b"unified-message ")
    );
    assert_eq!(same(&["check", "--help"], b"").code, 0);
    let ran = same(&["no-such-command"], b"");
    assert_eq!(ran.code, 2);
    assert!(ran.stdout.is_empty());
    assert!(
        String::from_utf8(ran.stderr)
            .unwrap()
            .starts_with("error: ")
    );
    assert_eq!(same(&[], b"").code, 2);
    assert_eq!(
        same(&["check", &example(), "--format", "yaml"], b"").code,
        2
    );
}

/// The console is the caller's: asked for colour, `run_with` colours the diagnostics and
/// clap's messages; asked for progress, it reports to the caller's `Progress`.
#[test]
fn i24_p4_colour_and_progress_are_the_callers_choice() {
    #[derive(Debug, Default)]
    struct Seen(std::rc::Rc<std::cell::RefCell<Vec<String>>>);
    impl unified_message_cli::Progress for Seen {
        fn start(&mut self, what: &str) {
            self.0.borrow_mut().push(format!("start {what}"));
        }
        fn update(&mut self, p: unified_message::progress::WorkProgress) {
            self.0.borrow_mut().push(format!("{}/{}", p.done, p.total));
        }
        fn finish(&mut self) {
            self.0.borrow_mut().push("finish".to_owned());
        }
    }
    let seen = Seen::default();
    let log = seen.0.clone();
    let mut console = Console::plain();
    console.stdout_style = unified_message::render::RenderStyle::Colored;
    console.stderr_ansi = true;
    console.progress = Some(Box::new(seen));
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let bad = data("bad/unknown-system.toml");
    let status = run_with(
        ["unified-message", "check", &bad],
        &mut std::io::empty(),
        &mut stdout,
        &mut stderr,
        &mut console,
    );
    assert_eq!(status, 1);
    assert!(String::from_utf8(stdout).unwrap().contains("\x1b["));
    // It does not compile: nothing to check, no progress.
    assert!(log.borrow().is_empty());

    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = run_with(
        ["unified-message", "table", &example()],
        &mut std::io::empty(),
        &mut stdout,
        &mut stderr,
        &mut console,
    );
    assert_eq!(status, 0);
    let log = log.borrow();
    assert_eq!(log.first().map(String::as_str), Some("start deciding"));
    assert_eq!(log.last().map(String::as_str), Some("finish"));
    assert!(log.len() > 2, "{log:?}");

    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let status = run_with(
        ["unified-message", "no-such-command"],
        &mut std::io::empty(),
        &mut stdout,
        &mut stderr,
        &mut console,
    );
    assert_eq!(status, 2);
    assert!(String::from_utf8(stderr).unwrap().contains("\x1b["));
}

/// `decide` reads the caller's stream as it comes, not the process's standard input.
#[test]
fn i24_p4_decide_reads_the_given_stream() {
    let request = r#"{"contact": {"customer": "c-1", "channel": "web", "topic": "email.setup"}, "responder": {"system": "self-diagnosis"}}"#;
    let text = format!("{request}\n{request}\n");
    let mut input = std::io::BufReader::with_capacity(7, text.as_bytes());
    assert!(!input.fill_buf().unwrap().is_empty());
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let exit = run(
        ["unified-message".to_owned(), "decide".to_owned(), example()],
        &mut input,
        &mut stdout,
        &mut stderr,
    );
    assert_eq!(exit, ExitCode::SUCCESS);
    let out = String::from_utf8(stdout).unwrap();
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.lines().all(|l| l.contains("\"outcome\":\"answer\"")),
        "{out}"
    );
    assert!(stderr.is_empty());
}
