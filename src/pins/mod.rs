//! The first message wins (R0.3): pins, the storage trait the host implements, an in-memory
//! store, pinned decisions and the handoff that travels with a customer (R3.6).
//!
//! A *pin* records which version of which message a customer got for a topic and slot. A later
//! decision for the same key delivers the pinned version while only editorial versions came
//! after it, and the current text with a change notice once a substantive version (or another
//! message) took its place — moving the pin forward with an atomic compare-and-replace, so that
//! two channels answering the same customer at the same instant cannot pin two stories.

mod asynch;
pub(crate) mod error;
mod handoff;
mod machine;
pub(crate) mod outcome;
pub(crate) mod store;
mod sync;
mod value;

pub use self::error::PinErrorKind;
pub use self::handoff::{Handoff, Told};
pub use self::machine::{InsertPin, PinStep, ReadPin, ReadPins, ReplacePin};
pub use self::outcome::{PinStatus, PinnedRecord};
pub use self::value::{
    InvalidCustomerId, MAX_CUSTOMER_ID_BYTES, ParseSlotError, Pin, PinKey, Slot, Timestamp,
    check_customer_id, compare_revisions,
};
