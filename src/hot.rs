//! The decision path's own indexes (issue 16), derived once from a compiled [`Engine`]:
//!
//! - [`IdIndex`]: ids → dense index, behind every [`crate::engine::IdTable`] (topics, roles,
//!   systems, channels… for `decide` with string ids, and every other lookup by id). An open-addressing table of indices (8 bytes a slot, at most half full) over the
//!   engine's own id arrays, with a multiplicative hash of the id's 8-byte words: hashing
//!   `email.setup` costs a few instructions where SipHash cost about 200. The table is
//!   read-only and built from the policy's ids, so a caller choosing what to look up cannot
//!   lengthen its probe sequences (those depend only on the policy's ids); a lookup compares
//!   the id string once, on a 32-bit tag match.
//! - Locales lowercased and packed into a `u64` each (when every declared one has at most 7
//!   bytes, as `es`, `en-GB`, `pt-BR` do): the locale of a contact is found by comparing
//!   integers, not by a case-insensitive scan of strings.
//! - [`RuleGuard`]s, parallel to `Engine::rules`: per rule, the
//!   necessary conditions that reject most contacts in a few instructions (its progress bits,
//!   one single-valued fact condition, whether it needs a staff responder), and whether they
//!   are the rule's whole condition. The full rule is read only when its guard passes.

use crate::engine::{DepartmentIx, EngineParts, FactKeyIx, FactValueIx, MessageIx, RuleIx};
use crate::model::Authority;

/// Indexes of the decision path, built by [`HotPath::new`] at the end of compiling.
#[derive(Debug, Default)]
pub(crate) struct HotPath {
    /// The declared locales, lowercased and packed by [`pack_locale`]; empty when one of
    /// them does not fit (the string scan then applies).
    pub(crate) locales: Box<[(u64, u8)]>,
    /// Parallel to `Engine::rules`: one per rule, not per topic, so that the guards of a
    /// large policy stay in cache whichever topic is decided.
    pub(crate) guards: Box<[RuleGuard]>,
}

impl HotPath {
    pub(crate) fn new(engine: &EngineParts) -> Self {
        let locales: Option<Box<[(u64, u8)]>> = engine
            .locales
            .items()
            .iter()
            .map(|l| pack_locale(l))
            .collect();
        let guards = engine
            .rules
            .ixs()
            .map(|r| RuleGuard::new(engine, r))
            .collect();
        HotPath {
            locales: locales.unwrap_or_default(),
            guards,
        }
    }
}

/// A rule's cheap necessary conditions, tested before the rule itself is read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RuleGuard {
    /// A fact condition with a single value, `(key, value)`; `key == NONE` when there is none.
    pub(crate) key: FactKeyIx,
    pub(crate) value: FactValueIx,
    /// Bit `p` set: progress `p` matches.
    pub(crate) progress: u8,
    /// The rule names departments, roles or ranks: only a known staff role can match.
    pub(crate) staff_only: bool,
    /// The guard is the rule's whole condition: no channels, no staff conditions, and no
    /// fact condition besides the guard's.
    pub(crate) complete: bool,
    /// The rule's effects, [`effect`] bits, and their values.
    pub(crate) effects: u8,
    pub(crate) answer: MessageIx,
    pub(crate) route: DepartmentIx,
    pub(crate) authority: Option<Authority>,
}

/// The effects a rule can have, as bits of [`RuleGuard::effects`].
pub(crate) mod effect {
    pub(crate) const ANSWER: u8 = 1;
    pub(crate) const SKIP_LADDER: u8 = 2;
    pub(crate) const AUTHORITY: u8 = 4;
    pub(crate) const ROUTE: u8 = 8;
    pub(crate) const ALL: u8 = ANSWER | SKIP_LADDER | AUTHORITY | ROUTE;
}

impl RuleGuard {
    fn new(engine: &EngineParts, r: RuleIx) -> Self {
        let Some(rule) = engine.rules.get(r) else {
            // Never happens (`topic_rules` holds rule indices); a guard that rejects.
            return RuleGuard {
                key: FactKeyIx::NONE,
                value: FactValueIx::NONE,
                progress: 0,
                staff_only: false,
                complete: true,
                effects: 0,
                answer: MessageIx::NONE,
                route: DepartmentIx::NONE,
                authority: None,
            };
        };
        let single = rule.facts.iter().find_map(|(k, values)| match **values {
            [v] => Some((*k, v)),
            _ => None,
        });
        let (key, value) = single.unwrap_or((FactKeyIx::NONE, FactValueIx::NONE));
        let staff_only = rule.staff_only();
        let complete = rule.channels.is_none()
            && !staff_only
            && match *rule.facts {
                [] => true,
                [_] => !key.is_none(),
                _ => false,
            };
        RuleGuard {
            key,
            value,
            progress: rule.progress,
            staff_only,
            complete,
            effects: [
                (rule.answer.is_some(), effect::ANSWER),
                (rule.skip_ladder, effect::SKIP_LADDER),
                (rule.authority.is_some(), effect::AUTHORITY),
                (rule.route.is_some(), effect::ROUTE),
            ]
            .into_iter()
            .filter(|(has, _)| *has)
            .fold(0, |bits, (_, bit)| bits | bit),
            answer: rule.answer.unwrap_or(MessageIx::NONE),
            route: rule.route.unwrap_or(DepartmentIx::NONE),
            authority: rule.authority,
        }
    }
}

/// The index of an empty slot.
const EMPTY: u32 = u32::MAX;

/// Ids → dense indices: open addressing with linear probing over `(tag, index)` slots.
#[derive(Debug, Default)]
pub(crate) struct IdIndex {
    /// `(tag, index)`; `index == EMPTY` is an empty slot. A power of two long, at least twice
    /// the number of ids; empty for no ids.
    slots: Box<[(u32, u32)]>,
    /// `64 - log2(slots.len())`: the hash's top bits pick the first slot.
    shift: u32,
}

impl IdIndex {
    /// The table of `ids`, the id at position `i` having index `i`. A duplicate id keeps its
    /// first index, as the compiler reports duplicates as errors.
    pub(crate) fn new<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> Self {
        let n = ids.len();
        if n == 0 {
            return IdIndex::default();
        }
        let len = n.saturating_mul(2).next_power_of_two().max(4);
        let mut slots = vec![(0u32, EMPTY); len].into_boxed_slice();
        let shift = 64 - len.trailing_zeros();
        let mask = len - 1;
        let all: Vec<&str> = ids.collect();
        for (i, id) in all.iter().enumerate() {
            let h = id_hash(id.as_bytes());
            let tag = tag_of(h);
            let mut at = (h >> shift) as usize;
            loop {
                match slots.get_mut(at & mask) {
                    Some(slot) if slot.1 == EMPTY => {
                        *slot = (tag, i as u32);
                        break;
                    }
                    Some(slot) => {
                        let same = all.get(slot.1 as usize).is_some_and(|s| *s == *id);
                        if slot.0 == tag && same {
                            break;
                        }
                    }
                    None => break,
                }
                at = at.wrapping_add(1);
            }
        }
        IdIndex { slots, shift }
    }

    /// The index of `wanted`, given the id of each index.
    #[inline]
    pub(crate) fn get<'a>(
        &self,
        wanted: &str,
        id_of: impl Fn(u32) -> Option<&'a str>,
    ) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let h = id_hash(wanted.as_bytes());
        let tag = tag_of(h);
        let mut at = (h >> self.shift) as usize;
        // At most half the slots are full: an empty slot ends every probe sequence.
        loop {
            let &(t, i) = self.slots.get(at & mask)?;
            if i == EMPTY {
                return None;
            }
            if t == tag && id_of(i).is_some_and(|id| same_bytes(id.as_bytes(), wanted.as_bytes())) {
                return Some(i);
            }
            at = at.wrapping_add(1);
        }
    }
}

/// A multiplicative hash of the id's bytes, 8 at a time, with its length.
#[inline]
fn id_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        h = (h.rotate_left(23) ^ w).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = (h.rotate_left(23) ^ short_word(rest)).wrapping_mul(K);
    }
    // The top bits pick the slot; fold them into the low half for the tag.
    h ^ (h >> 29)
}

/// The bytes of a slice of at most 7 bytes in a `u64`, without a loop: for a given length,
/// different bytes give different words (4 to 7 bytes: two overlapping 4-byte reads).
#[inline(always)]
fn short_word(b: &[u8]) -> u64 {
    let n = b.len();
    let u32_at = |i: usize| {
        b.get(i..i + 4)
            .and_then(|s| s.try_into().ok())
            .map_or(0, |a: [u8; 4]| u64::from(u32::from_le_bytes(a)))
    };
    if n >= 4 {
        u32_at(0) | (u32_at(n - 4) << 32)
    } else {
        let byte = |i: usize| u64::from(b.get(i).copied().unwrap_or(0));
        match n {
            0 => 0,
            _ => byte(0) | (byte(n / 2) << 8) | (byte(n - 1) << 16),
        }
    }
}

/// `a == b`, inline: short ids compared 8 bytes at a time rather than through a `memcmp` call.
#[inline(always)]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    let word = |c: &[u8]| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
    for (p, q) in (&mut x).zip(&mut y) {
        if word(p) != word(q) {
            return false;
        }
    }
    short_word(x.remainder()) == short_word(y.remainder())
}

#[inline]
fn tag_of(h: u64) -> u32 {
    h as u32
}

/// A locale of at most 7 bytes, ASCII-lowercased, as a word and its length: two packed locales
/// are equal exactly when the locales are equal ignoring ASCII case.
#[inline]
pub(crate) fn pack_locale(locale: &str) -> Option<(u64, u8)> {
    let bytes = locale.as_bytes();
    if bytes.len() > 7 {
        return None;
    }
    Some((ascii_lowercase(short_word(bytes)), bytes.len() as u8))
}

/// Every byte `A`–`Z` of a word lowercased, the others untouched (SWAR: no carry crosses a
/// byte, since each byte's high bit is masked off before the additions).
#[inline(always)]
fn ascii_lowercase(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    let low7 = x & !HIGH;
    let at_least_a = low7.wrapping_add(ONES * (0x80 - u64::from(b'A')));
    let above_z = low7.wrapping_add(ONES * (0x80 - u64::from(b'Z') - 1));
    let upper = at_least_a & !above_z & !x & HIGH;
    x | (upper >> 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_table_finds_every_id_and_nothing_else() {
        let ids: Vec<String> = (0..1000).map(|i| format!("topic.{i}")).collect();
        let table = IdIndex::new(ids.iter().map(String::as_str));
        let id_of = |i: u32| ids.get(i as usize).map(String::as_str);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(table.get(id, id_of), Some(i as u32));
        }
        for absent in [
            "",
            "topic.",
            "topic.1000",
            "topic.01",
            "TOPIC.1",
            "topic.1 ",
        ] {
            assert_eq!(table.get(absent, id_of), None, "{absent}");
        }
        let empty = IdIndex::new(std::iter::empty::<&str>());
        assert_eq!(empty.get("x", |_| None), None);
    }

    #[test]
    fn short_words_differ_for_different_bytes_of_one_length() {
        let words = [
            "", "a", "b", "ab", "ba", "abc", "acb", "abcd", "abce", "abcde", "abdde",
        ];
        for a in words {
            for b in words {
                if a.len() == b.len() {
                    assert_eq!(
                        short_word(a.as_bytes()) == short_word(b.as_bytes()),
                        a == b,
                        "{a:?} {b:?}"
                    );
                }
            }
        }
        for n in 1..=7 {
            let a = vec![b'x'; n];
            for i in 0..n {
                let mut b = a.clone();
                b[i] = b'y';
                assert_ne!(short_word(&a), short_word(&b), "{n} {i}");
            }
        }
    }

    #[test]
    fn same_bytes_is_equality() {
        let words = [
            "",
            "a",
            "b",
            "ab",
            "abcdefgh",
            "abcdefgi",
            "abcdefghi",
            "abcdefghj",
            "bbcdefghi",
            "email.setup",
            "email.setuq",
            "email.webmail",
        ];
        for a in words {
            for b in words {
                assert_eq!(
                    same_bytes(a.as_bytes(), b.as_bytes()),
                    a == b,
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn id_table_keeps_the_first_of_duplicates() {
        let ids = ["a", "b", "a"];
        let table = IdIndex::new(ids.iter().copied());
        assert_eq!(table.get("a", |i| ids.get(i as usize).copied()), Some(0));
    }

    #[test]
    fn packed_locales_compare_like_eq_ignore_ascii_case() {
        let cases = [
            "es", "ES", "en-GB", "en-gb", "en-GX", "es\0", "e", "", "pt_BR", "ñ", "Ñ", "abcdefg",
            "abcdefh", "Abcdefg", "abcd", "abce",
        ];
        for a in cases {
            for b in cases {
                assert_eq!(
                    pack_locale(a) == pack_locale(b),
                    a.eq_ignore_ascii_case(b),
                    "{a:?} {b:?}"
                );
            }
        }
        assert_eq!(pack_locale("12345678"), None);
        for b in 0..=u8::MAX {
            let x = u64::from_le_bytes([b, 0, b'Q', 0xC3, b, b'z', b'@', b'[']);
            let mut want = x.to_le_bytes();
            want.iter_mut().for_each(u8::make_ascii_lowercase);
            assert_eq!(ascii_lowercase(x), u64::from_le_bytes(want), "{b}");
        }
    }
}
