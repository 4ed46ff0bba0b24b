//! The formats a policy is written in: [`PolicyFormat`], told from a file's extension or a
//! name, and compiled with [`Engine::from_str_as`](crate::Engine::from_str_as) or
//! [`EngineBuilder::from_slice_as`](crate::EngineBuilder::from_slice_as).
//!
//! One list for every host (the command-line tool, the decision service, the playground, the
//! bindings), so that a file named `policy.yml` means YAML everywhere and a format left out of
//! a build is refused with the same words everywhere. Nothing here reads a file: a path is
//! only looked at for its extension.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Code, Diagnostic, DocPath, PolicyError};

/// The format of a policy's text.
///
/// Every format is known to every build; compiling one whose cargo feature (`toml`, `json`,
/// `yaml`) is off is a `policy-unreadable` error that names the feature
/// ([`PolicyFormat::is_enabled`] tells beforehand). In JSON (a service's request body) it is
/// its [name](PolicyFormat::name): `"toml"`, `"json"`, `"yaml"`.
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use unified_message::{Engine, PolicyFormat};
///
/// let format = PolicyFormat::from_path(Path::new("policies/acme.TOML")).unwrap();
/// assert_eq!(format, PolicyFormat::Toml);
/// assert_eq!("yml".parse::<PolicyFormat>().unwrap(), PolicyFormat::Yaml);
///
/// let engine = Engine::from_str_as(unified_message::EXAMPLE_POLICY, format)?;
/// assert_eq!(engine.revision(), "2026-11-27");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PolicyFormat {
    /// TOML: diagnostics carry line and column (feature `toml`, on by default).
    #[default]
    Toml,
    /// JSON (feature `json`).
    Json,
    /// YAML (feature `yaml`).
    Yaml,
}

impl PolicyFormat {
    /// Every format, in the order their names are listed to users.
    pub const ALL: [PolicyFormat; 3] = [PolicyFormat::Toml, PolicyFormat::Json, PolicyFormat::Yaml];

    /// The format of a file named `path`, by its extension (ASCII case ignored): `.toml`,
    /// `.json`, `.yaml` or `.yml`; `None` for any other extension or none. Nothing is read.
    pub fn from_path(path: &Path) -> Option<PolicyFormat> {
        PolicyFormat::from_extension(path.extension()?.to_str()?)
    }

    /// The format of a file extension, without its dot (`toml`, `json`, `yaml`, `yml`; ASCII
    /// case ignored).
    pub fn from_extension(extension: &str) -> Option<PolicyFormat> {
        PolicyFormat::ALL.into_iter().find(|f| {
            f.extensions()
                .iter()
                .any(|e| e.eq_ignore_ascii_case(extension))
        })
    }

    /// The format's name: `toml`, `json` or `yaml` (what [`FromStr`] and serde read).
    pub const fn name(self) -> &'static str {
        match self {
            PolicyFormat::Toml => "toml",
            PolicyFormat::Json => "json",
            PolicyFormat::Yaml => "yaml",
        }
    }

    /// The file extensions of the format, the usual one first.
    pub const fn extensions(self) -> &'static [&'static str] {
        match self {
            PolicyFormat::Toml => &["toml"],
            PolicyFormat::Json => &["json"],
            PolicyFormat::Yaml => &["yaml", "yml"],
        }
    }

    /// Whether this build compiles the format: its cargo feature (named as the format) is on.
    pub const fn is_enabled(self) -> bool {
        match self {
            PolicyFormat::Toml => cfg!(feature = "toml"),
            PolicyFormat::Json => cfg!(feature = "json"),
            PolicyFormat::Yaml => cfg!(feature = "yaml"),
        }
    }

    /// The error of compiling a format this build leaves out.
    pub(crate) fn disabled(self) -> PolicyError {
        let enabled: Vec<&str> = PolicyFormat::ALL
            .into_iter()
            .filter(|f| f.is_enabled())
            .map(PolicyFormat::name)
            .collect();
        let hint = if enabled.is_empty() {
            format!("enable the `{}` feature of unified-message", self.name())
        } else {
            format!(
                "enable the `{}` feature of unified-message, or write the policy in {}",
                self.name(),
                enabled.join(" or ")
            )
        };
        PolicyError::new(vec![Diagnostic::error(
            Code::PolicyUnreadable,
            DocPath::root(),
            format!(
                "this build of unified-message does not read {} policies (its `{}` feature is off)",
                self.name().to_ascii_uppercase(),
                self.name()
            ),
            hint,
        )])
    }
}

impl fmt::Display for PolicyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PolicyFormat {
    type Err = UnknownFormat;

    /// A format by its name or one of its extensions (`toml`, `json`, `yaml`, `yml`; ASCII
    /// case ignored).
    fn from_str(name: &str) -> Result<PolicyFormat, UnknownFormat> {
        PolicyFormat::from_extension(name).ok_or_else(|| UnknownFormat(name.to_owned()))
    }
}

/// A name that is no [`PolicyFormat`]'s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown policy format `{0}`: expected toml, json, yaml or yml")]
pub struct UnknownFormat(pub String);
