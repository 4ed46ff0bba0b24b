//! `unified-message`: the command-line tool, run by `unified_message_cli::run_with` on the
//! process's own streams, coloured and with progress as the terminal allows.

use std::io;
use std::process::ExitCode;

use unified_message_cli::{Console, run_with};

fn main() -> ExitCode {
    let mut console = Console::detect();
    let status = run_with(
        std::env::args_os(),
        &mut io::stdin().lock(),
        &mut io::stdout().lock(),
        &mut io::stderr(),
        &mut console,
    );
    ExitCode::from(status)
}
