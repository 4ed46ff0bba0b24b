//! What the caller decides about the terminal: colour of diagnostics and of clap's messages,
//! progress bars. [`run`](crate::run) never looks at a terminal itself; the binary passes
//! [`Console::detect`], other callers [`Console::plain`] or their own choice.

use std::fmt;
use std::io::{self, IsTerminal};

use indicatif::{ProgressBar, ProgressStyle};
use unified_message::progress::WorkProgress;
use unified_message::render::RenderStyle;

/// What the command may do beyond writing bytes: colour and progress.
///
/// [`Console::plain`] (what [`run`](crate::run) uses) draws diagnostics plainly, prints clap's
/// messages without colour and shows no progress: the bytes are those of the binary when its
/// streams are files or pipes.
#[derive(Debug)]
#[non_exhaustive]
pub struct Console {
    /// How diagnostics printed on standard output (`check`, `diff`) are drawn.
    pub stdout_style: RenderStyle,
    /// How diagnostics printed on standard error (a policy that does not compile) are drawn.
    pub stderr_style: RenderStyle,
    /// Whether clap's messages on standard output (`--help`) carry ANSI colours.
    pub stdout_ansi: bool,
    /// Whether clap's messages on standard error (a usage error) carry ANSI colours.
    pub stderr_ansi: bool,
    /// Told how far `check`, `table` and `diff` are through the policy's topics; `None` for
    /// nothing.
    pub progress: Option<Box<dyn Progress>>,
}

impl Console {
    /// Plain output, no progress.
    pub fn plain() -> Console {
        Console {
            stdout_style: RenderStyle::Plain,
            stderr_style: RenderStyle::Plain,
            stdout_ansi: false,
            stderr_ansi: false,
            progress: None,
        }
    }

    /// What the `unified-message` binary does with the process's own streams: diagnostics
    /// coloured on a terminal, plain otherwise — `NO_COLOR` (set and not empty) always turns
    /// colour off, `CLICOLOR_FORCE` (not `0`) turns it on elsewhere
    /// (<https://no-color.org>, <https://bixense.com/clicolors/>); clap's messages coloured as
    /// clap decides for those streams; progress bars ([`TerminalProgress`]) when standard
    /// error is a terminal.
    pub fn detect() -> Console {
        Console {
            stdout_style: style_for(&io::stdout()),
            stderr_style: style_for(&io::stderr()),
            stdout_ansi: anstream::AutoStream::choice(&io::stdout())
                != anstream::ColorChoice::Never,
            stderr_ansi: anstream::AutoStream::choice(&io::stderr())
                != anstream::ColorChoice::Never,
            progress: if io::stderr().is_terminal() {
                Some(Box::new(TerminalProgress::default()))
            } else {
                None
            },
        }
    }

    /// Runs `work` and tells the progress (if any) about it, under the name `what`.
    pub(crate) fn with_progress<T>(
        &mut self,
        what: &str,
        work: impl FnOnce(&mut dyn FnMut(WorkProgress)) -> T,
    ) -> T {
        let Some(progress) = self.progress.as_mut() else {
            return work(&mut |_| {});
        };
        progress.start(what);
        let result = work(&mut |p| progress.update(p));
        progress.finish();
        result
    }
}

impl Default for Console {
    fn default() -> Console {
        Console::plain()
    }
}

/// How a diagnostic is drawn on `stream`, by the rules of [`Console::detect`].
fn style_for(stream: &impl IsTerminal) -> RenderStyle {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        RenderStyle::Plain
    } else if set("CLICOLOR_FORCE") || stream.is_terminal() {
        RenderStyle::Colored
    } else {
        RenderStyle::Plain
    }
}

/// Told how far a long command is (`check`, `table`, `diff`: topics done of all).
pub trait Progress: fmt::Debug {
    /// Work begins: `what` is `checking`, `deciding` or `comparing`.
    fn start(&mut self, what: &str);
    /// So many topics of all are done.
    fn update(&mut self, progress: WorkProgress);
    /// The work is done.
    fn finish(&mut self);
}

/// A progress bar of topics on the process's standard error (indicatif), cleared when the
/// work is done: what the binary shows on a terminal.
#[derive(Debug, Default)]
pub struct TerminalProgress {
    bar: Option<ProgressBar>,
}

impl Progress for TerminalProgress {
    fn start(&mut self, what: &str) {
        let bar = ProgressBar::new(0).with_message(what.to_owned());
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} topics ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        self.bar = Some(bar);
    }

    fn update(&mut self, progress: WorkProgress) {
        if let Some(bar) = &self.bar {
            bar.set_length(progress.total);
            bar.set_position(progress.done);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
