//! The decision path's own indexes (issue 16), derived once from the compiled parts of an
//! engine (`HotPath::new`, from `Engine::new`):
//!
//! - The declared locales lowercased and packed into a `u64` each (when every declared one has
//!   at most 7 bytes, as `es`, `en-GB`, `pt-BR` do): the locale of a contact is found by
//!   comparing integers, not by a case-insensitive scan of strings.
//! - [`RuleGuard`]s, parallel to the rules: per rule, the necessary conditions that reject
//!   most contacts in a few instructions (its progress bits, one single-valued fact condition,
//!   whether it needs a staff responder), and whether they are the rule's whole condition. The
//!   full rule is read only when its guard passes.
//!
//! Ids are found through [`super::index::IdIndex`], behind every id table.

use crate::model::Authority;

use super::ids::{DepartmentIx, FactKeyIx, FactValueIx, MessageIx, RuleIx};
use super::index::short_word;
use super::parts::EngineParts;

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
