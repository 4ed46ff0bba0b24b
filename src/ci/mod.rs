//! Reports in the formats CI systems show (feature `reports`): findings of `check` and `diff`
//! as GitHub workflow commands ([`github`]), SARIF 2.1.0 ([`sarif`]) or a GitLab Code Quality
//! report ([`gitlab`]), and scenario results as JUnit XML ([`junit`]).
//!
//! Each function renders into a `String` and does no I/O; `file` is the path of the policy (or
//! scenario) file as the CI system knows it, relative to the repository's root, so that the
//! findings land on its lines. The command-line tool's `--format github|sarif|gitlab|junit`
//! prints exactly these.
//!
//! # Examples
//!
//! ```
//! use unified_message::{Engine, ci};
//!
//! let policy = unified_message::EXAMPLE_POLICY.replace(
//!     "Hacemos una copia de seguridad diaria",
//!     "Eso no nos compete, pero hacemos una copia de seguridad diaria",
//! );
//! let findings = Engine::from_toml_str(&policy)?.check().located_in_toml(&policy);
//!
//! // One workflow command per finding: GitHub shows it on the line of the policy.
//! let annotations = ci::github(&findings.diagnostics, "policy.toml");
//! assert!(annotations.starts_with("::error file=policy.toml,line="));
//! assert!(annotations.contains(",title=forbidden-phrase::"));
//!
//! // The same findings as SARIF (code scanning) and as GitLab Code Quality.
//! let sarif: serde_json::Value = serde_json::from_str(&ci::sarif(&findings.diagnostics, "policy.toml"))?;
//! assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "forbidden-phrase");
//! let quality: serde_json::Value = serde_json::from_str(&ci::gitlab(&findings.diagnostics, "policy.toml"))?;
//! assert_eq!(quality[0]["check_name"], "forbidden-phrase");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
mod codes;
mod github;
mod gitlab;
mod junit;
mod sarif;
mod shared;

pub use codes::code_help;
pub use github::github;
pub use gitlab::gitlab;
pub use junit::junit;
pub use sarif::sarif;
