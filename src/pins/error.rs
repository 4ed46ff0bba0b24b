//! What goes wrong: a store's own failure ([`PinStoreError`]) and why a pinned decision
//! delivered nothing ([`PinError`]).

use super::value::{InvalidCustomerId, PinKey, check_customer_id};

/// How many times a pinned decision judges a pin that other hosts keep moving under it before
/// giving up with [`PinErrorKind::Contention`].
pub(crate) const MAX_ATTEMPTS: usize = 8;

/// A failure of a [`PinStore`](crate::PinStore): the host's database could not be read or written. Carries a
/// message and, optionally, the underlying error (a driver's), as its `source`.
///
/// # Examples
///
/// ```
/// use std::error::Error as _;
/// use unified_message::PinStoreError;
///
/// let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in 2 s");
/// let err = PinStoreError::with_source("the pin database did not answer", io);
/// assert_eq!(err.to_string(), "the pin database did not answer");
/// assert_eq!(err.source().map(|s| s.to_string()).as_deref(), Some("no answer in 2 s"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct PinStoreError {
    message: Box<str>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl PinStoreError {
    /// An error saying `message` (lowercase, no final period, what failed).
    pub fn new(message: impl Into<String>) -> Self {
        PinStoreError {
            message: message.into().into_boxed_str(),
            source: None,
        }
    }

    /// An error saying `message`, caused by `source` (the database driver's error).
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        PinStoreError {
            message: message.into().into_boxed_str(),
            source: Some(source.into()),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// What [`Engine::decide_pinned`](crate::Engine::decide_pinned) was doing when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PinErrorKind {
    /// The store failed to read a pin.
    Read,
    /// The store failed to insert the first pin.
    Insert,
    /// The store failed to move a pin forward.
    Replace,
    /// The pin kept changing under every attempt: other hosts are answering this customer
    /// with other policy revisions at the same moment.
    Contention,
    /// The pin was written under a newer policy than this engine's: its revision sorts after
    /// this one's ([`compare_revisions`](super::compare_revisions)), or it names a version of
    /// the message newer than any this policy has. A host on a newer revision (a rolling
    /// deploy) already told the customer a newer text — another version, another message in
    /// the slot, another fixed answer of a rule — so this one must not tell its older text
    /// (R0.3), and leaves the pin alone. Answer from a host with the new policy, or retry once
    /// this one runs it. To roll a text back, deploy the old text under a *newer* revision.
    Ahead,
    /// The contact's customer id cannot hold pins under the one rule every store shares
    /// ([`check_customer_id`](super::check_customer_id)): longer than
    /// [`MAX_CUSTOMER_ID_BYTES`](super::MAX_CUSTOMER_ID_BYTES), or containing a NUL
    /// character. No store was asked and nothing was delivered; a retry fails the same way, so
    /// a service answers it as a bad request naming the customer field.
    InvalidCustomer,
}

/// Why [`Engine::decide_pinned`](crate::Engine::decide_pinned) delivered nothing. Whatever the failure, no text was given
/// that could contradict the pin in force; the host retries, or answers with
/// [`Engine::decide`](crate::Engine::decide) knowing that the first message may then not be kept.
///
/// The store's own error, when there is one, is the [`source`](std::error::Error::source).
///
/// # Examples
///
/// ```
/// use unified_message::{Channel, Contact, Engine, PinStore, PinStoreError, Responder};
/// use unified_message::pins::{Pin, PinErrorKind, PinKey, Timestamp};
///
/// /// A database that is down.
/// struct Down;
///
/// impl PinStore for Down {
///     fn get(&self, _: &PinKey) -> Result<Option<Pin>, PinStoreError> {
///         Err(PinStoreError::new("connection refused"))
///     }
///     fn insert_if_absent(&self, _: &PinKey, _: Pin) -> Result<Pin, PinStoreError> {
///         Err(PinStoreError::new("connection refused"))
///     }
///     fn compare_and_replace(&self, _: &PinKey, _: &Pin, _: Pin) -> Result<Option<Pin>, PinStoreError> {
///         Err(PinStoreError::new("connection refused"))
///     }
/// }
///
/// let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY)?;
/// let contact = Contact::new("c-1", Channel::Web).with_topic("email.setup");
/// let bot = Responder::system("self-diagnosis");
/// let err = engine
///     .decide_pinned(&contact, &bot, &Down, Timestamp::from_unix_seconds(0))
///     .unwrap_err();
/// assert_eq!(err.kind(), PinErrorKind::Read);
/// assert_eq!(
///     err.to_string(),
///     "the pin store could not read the pin of customer `c-1`, topic `email.setup`, slot `explains`, \
///      so no text was delivered; retry once the store answers"
/// );
/// // `decide` stays total: the host can still answer, without the pin.
/// let _unpinned = engine.decide(&contact, &bot);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct PinError {
    pub(super) kind: PinErrorKind,
    pub(super) key: PinKey,
    #[source]
    pub(super) source: Option<PinStoreError>,
}

impl PinError {
    /// What failed.
    pub fn kind(&self) -> PinErrorKind {
        self.kind
    }

    /// The pin concerned.
    pub fn key(&self) -> &PinKey {
        &self.key
    }

    /// The store's error, unless the failure is [`PinErrorKind::Contention`] or
    /// [`PinErrorKind::Ahead`].
    pub fn store_error(&self) -> Option<&PinStoreError> {
        self.source.as_ref()
    }

    /// What is wrong with the customer id, for [`PinErrorKind::InvalidCustomer`].
    pub fn invalid_customer(&self) -> Option<InvalidCustomerId> {
        match self.kind {
            PinErrorKind::InvalidCustomer => check_customer_id(&self.key.customer).err(),
            _ => None,
        }
    }

    fn describe(&self) -> String {
        let key = &self.key;
        match self.kind {
            PinErrorKind::Read => format!(
                "the pin store could not read the pin of {key}, so no text was delivered; retry once the store answers"
            ),
            PinErrorKind::Insert => format!(
                "the pin store could not record the first pin of {key}, so no text was delivered; retry once the store answers"
            ),
            PinErrorKind::Replace => format!(
                "the pin store could not move the pin of {key} to the changed message, so no text was delivered; retry once the store answers"
            ),
            PinErrorKind::Contention => format!(
                "the pin of {key} changed under each of {MAX_ATTEMPTS} attempts: hosts with different policy revisions are answering this customer at once; retry when every host runs the same revision"
            ),
            PinErrorKind::Ahead => format!(
                "the pin of {key} was written under a newer policy than this revision (a later revision, or a version this one does not have): a host with a newer revision already told this customer a newer text, so no text was delivered; answer from a host with the new policy, or retry once this one runs it"
            ),
            // The id itself is not repeated: it may be huge, or hold control characters.
            PinErrorKind::InvalidCustomer => {
                let why = self.invalid_customer().map_or_else(
                    || "the customer id is not valid".to_owned(),
                    |e| e.to_string(),
                );
                format!(
                    "no pin can be kept on topic `{}`, slot `{}` for this customer, so no text was delivered: {why}",
                    key.topic, key.slot
                )
            }
        }
    }
}
