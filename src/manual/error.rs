//! Why a service manual could not be written: [`ManualError`].

/// Why a service manual could not be written: a department or a locale the policy does not
/// declare (the error names the declared ones).
///
/// # Examples
///
/// ```
/// use unified_message::Engine;
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let err = engine.manual(Some("suport"), "es").unwrap_err();
/// assert!(err.to_string().contains("`support`"));
/// assert_eq!(err.department(), Some("suport"));
///
/// let err = engine.manual(None, "fr").unwrap_err();
/// assert_eq!(err.locale(), Some("fr"));
/// assert!(err.to_string().contains("`es`, `en`"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
// Bounded whatever the policy and the request (issue 19): the name asked for is cut, at most a
// few names are listed, and the suggestion's work has a budget.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown {} `{}`{}; the policy's {} are {}",
    .kind.what(),
    crate::bounded::cut(.kind.asked()),
    self.suggestion(),
    .kind.plural(),
    crate::bounded::list(.known.iter().map(String::as_str))
)]
pub struct ManualError {
    pub(super) kind: ManualErrorKind,
    pub(super) known: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ManualErrorKind {
    Department(String),
    Locale(String),
}

impl ManualError {
    /// The department asked for, when it is the department that is unknown.
    pub fn department(&self) -> Option<&str> {
        match &self.kind {
            ManualErrorKind::Department(d) => Some(d),
            ManualErrorKind::Locale(_) => None,
        }
    }

    /// The locale asked for, when it is the locale that the policy does not declare.
    pub fn locale(&self) -> Option<&str> {
        match &self.kind {
            ManualErrorKind::Locale(l) => Some(l),
            ManualErrorKind::Department(_) => None,
        }
    }
}

impl ManualError {
    /// `` (did you mean `NAME`?)`` for the closest known name, or nothing.
    fn suggestion(&self) -> String {
        crate::bounded::Suggester::new(crate::compile::DEFAULT_MAX_SUGGESTION_WORK)
            .closest(self.known.iter().map(String::as_str), self.kind.asked())
            .map_or(String::new(), |k| {
                format!(" (did you mean `{}`?)", crate::bounded::cut(k))
            })
    }
}

impl ManualErrorKind {
    /// What was asked for, as the error names it.
    fn what(&self) -> &'static str {
        match self {
            ManualErrorKind::Department(_) => "department",
            ManualErrorKind::Locale(_) => "locale",
        }
    }

    /// The plural of [`ManualErrorKind::what`].
    fn plural(&self) -> &'static str {
        match self {
            ManualErrorKind::Department(_) => "departments",
            ManualErrorKind::Locale(_) => "locales",
        }
    }

    /// The name asked for.
    fn asked(&self) -> &str {
        match self {
            ManualErrorKind::Department(name) | ManualErrorKind::Locale(name) => name,
        }
    }
}
