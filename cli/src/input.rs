//! Files read within `--max-input-bytes`, and policies loaded in the format their name says.

use std::io::{self, Read};
use std::path::Path;

use unified_message::check::Report;
use unified_message::{Engine, PolicyFormat};

use crate::failure::{Failure, Fatal, fatal_in};

/// The UTF-8 byte-order mark, accepted at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The bytes of file `path`, at most `limit` of them, without a byte-order mark. A regular
/// file larger than the limit is refused before reading; a device or a pipe is read up to
/// the limit and refused past it, so nothing is read or kept without bound.
pub(crate) fn read(path: &Path, limit: u64) -> Result<Vec<u8>, Fatal> {
    let cannot = |e: io::Error| fatal_in(path, format!("cannot read `{}`: {e}", path.display()));
    let too_large = || {
        fatal_in(
            path,
            format!(
                "cannot read `{}`: it is larger than the input limit of {}; raise the limit with `--max-input-bytes BYTES` if the file is meant to be that large",
                path.display(),
                bytes_text(limit)
            ),
        )
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if meta.is_dir() {
        return Err(fatal_in(
            path,
            format!("cannot read `{}`: it is a directory", path.display()),
        ));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    Ok(bytes)
}

/// `bytes` for a reader: `64 MiB (67108864 bytes)`, or `1000 bytes`.
fn bytes_text(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{} MiB ({bytes} bytes)", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// The format of the policy file `path`, by its extension (the library's
/// [`PolicyFormat::from_path`]).
pub(crate) fn format_of(path: &Path) -> Result<PolicyFormat, Fatal> {
    PolicyFormat::from_path(path).ok_or_else(|| {
        fatal_in(
            path,
            format!(
                "cannot tell the format of `{}`: name the policy file .toml, .json, .yaml or .yml",
                path.display()
            ),
        )
    })
}

/// A policy that must compile for the command to run: its errors end the command (exit 2).
/// Returns the engine and the policy's text.
pub(crate) fn load(path: &Path, limit: u64) -> Result<(Engine, Vec<u8>), Fatal> {
    // The extension first: an unknown one is a usage error even for a missing file.
    let format = format_of(path)?;
    let source = read(path, limit)?;
    match Engine::from_slice_as(&source, format) {
        Ok(engine) => Ok((engine, source)),
        Err(err) => Err(Fatal::Failed(Failure {
            error: format!(
                "`{}` does not compile; run `unified-message check {}` for details",
                path.display(),
                path.display()
            ),
            file: Some(path.display().to_string()),
            location: None,
            diagnostics: err.diagnostics().to_vec(),
            source: Some(String::from_utf8_lossy(&source).into_owned()),
        })),
    }
}

/// A report about the policy `source` of `path`, located in it when it is TOML.
pub(crate) fn located(path: &Path, source: &[u8], report: Report) -> Report {
    match std::str::from_utf8(source) {
        Ok(text) if PolicyFormat::from_path(path) == Some(PolicyFormat::Toml) => {
            report.located_in_toml(text)
        }
        _ => report,
    }
}
