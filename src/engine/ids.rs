//! Typed dense indices, one type per kind of id, and `IdTable`: a kind's items with the
//! index from id to position.
//!
//! Every kind of index is its own `#[repr(transparent)]` newtype over `u32`, made by one
//! macro: a topic index cannot be passed where a role index is expected, and no conversion
//! between kinds exists (only through `index()` and `new()`, spelled out). `NONE`
//! (`u32::MAX`) stands for "no such item" where an `Option` would double the size of hot
//! tables.
//!
//! The doctests that show one kind of index does not pass for another are on
//! `unified_message::testing::ids` (feature `testing`): this module is internal.

use std::fmt::Debug;
use std::hash::Hash;
use std::marker::PhantomData;

use super::index::IdIndex;

/// What every kind of dense index offers (for code generic over the kind).
pub(crate) trait Id: Copy + Eq + Ord + Hash + Debug {
    /// No item.
    const NONE: Self;
    /// The index of position `i` (`NONE` past `u32::MAX - 1`, which the size limits exclude).
    fn new(i: usize) -> Self;
    /// The position this index stands for.
    fn index(self) -> usize;
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        #[repr(transparent)]
        pub struct $name(u32);

        // Every kind gets the same API, whether or not its users need all of it.
        #[allow(dead_code)]
        impl $name {
            /// No item (`u32::MAX`).
            pub const NONE: Self = Self(u32::MAX);

            /// The index of position `i`.
            #[inline]
            pub(crate) fn new(i: usize) -> Self {
                Self(u32::try_from(i).unwrap_or(u32::MAX))
            }

            /// The position this index stands for.
            #[inline]
            pub(crate) fn index(self) -> usize {
                self.0 as usize
            }

            /// Whether this is [`Self::NONE`].
            #[inline]
            pub(crate) fn is_none(self) -> bool {
                self.0 == u32::MAX
            }
        }

        impl Id for $name {
            const NONE: Self = Self(u32::MAX);

            #[inline]
            fn new(i: usize) -> Self {
                $name::new(i)
            }

            #[inline]
            fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

ids! {
    /// A topic's position in the policy.
    TopicIx;
    /// A staff role's position.
    RoleIx;
    /// A department's position.
    DepartmentIx;
    /// A system's position.
    SystemIx;
    /// A message's position (handover texts after the policy's messages).
    MessageIx;
    /// A rank's position, lowest first.
    RankIx;
    /// A channel's position: the standard channels first, then custom names.
    ChannelIx;
    /// A declared locale's position; 0 is the default.
    LocaleIx;
    /// A rule's position, in document order.
    RuleIx;
    /// A fact key's position (the keys the rules mention).
    FactKeyIx;
    /// A fact value's position (the values the rules mention).
    FactValueIx;
}

impl RankIx {
    /// The rank above (`NONE` stays `NONE`).
    #[inline]
    pub(crate) fn above(self) -> Self {
        RankIx(self.0.saturating_add(1))
    }
}

/// An item with an id string.
pub(crate) trait HasId {
    fn id(&self) -> &str;
}

impl HasId for Box<str> {
    fn id(&self) -> &str {
        self
    }
}

/// One kind's items, in order, and the index from id to position (`index.rs`'s open-addressing
/// table: a lookup hashes the id once and compares it once).
pub(crate) struct IdTable<I, T> {
    items: Box<[T]>,
    index: IdIndex,
    kind: PhantomData<fn() -> I>,
}

impl<I, T: Debug> Debug for IdTable<I, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

impl<I, T> Default for IdTable<I, T> {
    fn default() -> Self {
        IdTable {
            items: Box::new([]),
            index: IdIndex::default(),
            kind: PhantomData,
        }
    }
}

impl<I: Id, T: HasId> IdTable<I, T> {
    /// The table of `items`; a duplicate id keeps its first position (the compiler reports
    /// duplicates as errors).
    pub(crate) fn new(items: impl Into<Box<[T]>>) -> Self {
        let items = items.into();
        let index = IdIndex::new(items.iter().map(HasId::id));
        IdTable {
            items,
            index,
            kind: PhantomData,
        }
    }

    /// The position of the item with id `id`.
    #[inline(always)]
    pub(crate) fn find(&self, id: &str) -> Option<I> {
        self.index
            .get(id, |i| self.items.get(i as usize).map(HasId::id))
            .map(|i| I::new(i as usize))
    }

    /// The id at `i`; empty for `NONE` or out of range.
    #[inline]
    pub(crate) fn id(&self, i: I) -> &str {
        self.items.get(i.index()).map_or("", HasId::id)
    }
}

impl<I: Id, T> IdTable<I, T> {
    /// The item at `i`.
    #[inline]
    pub(crate) fn get(&self, i: I) -> Option<&T> {
        self.items.get(i.index())
    }

    /// Whether `i` is a position of this table.
    #[inline]
    pub(crate) fn contains(&self, i: I) -> bool {
        i.index() < self.items.len()
    }

    /// The items with their positions, in order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (I, &T)> + DoubleEndedIterator {
        self.items.iter().enumerate().map(|(i, t)| (I::new(i), t))
    }

    /// Every position, in order.
    pub(crate) fn ixs(&self) -> impl ExactSizeIterator<Item = I> + DoubleEndedIterator + use<I, T> {
        (0..self.items.len()).map(I::new)
    }

    /// The items, in order.
    pub(crate) fn items(&self) -> &[T] {
        &self.items
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_table_finds_by_id_and_position() {
        let table: IdTable<TopicIx, Box<str>> =
            IdTable::new(vec![Box::from("a.b"), Box::from("c"), Box::from("a.b")]);
        assert_eq!(table.len(), 3);
        assert_eq!(table.find("a.b"), Some(TopicIx::new(0)));
        assert_eq!(table.find("c"), Some(TopicIx::new(1)));
        assert_eq!(table.find("d"), None);
        assert_eq!(table.id(TopicIx::new(1)), "c");
        assert_eq!(table.id(TopicIx::NONE), "");
        assert!(table.get(TopicIx::NONE).is_none());
        let ids: Vec<_> = table.iter().map(|(i, t)| (i.index(), &**t)).collect();
        assert_eq!(ids, [(0, "a.b"), (1, "c"), (2, "a.b")]);
    }

    #[test]
    fn none_is_not_a_position() {
        assert!(RoleIx::NONE.is_none());
        assert!(!RoleIx::new(3).is_none());
        assert_eq!(RankIx::NONE.above(), RankIx::NONE);
        assert_eq!(RankIx::new(1).above(), RankIx::new(2));
        assert!(RankIx::new(1) < RankIx::new(2));
    }
}
