//! Ids → dense indices: [`IdIndex`], an open-addressing table of positions (8 bytes a slot, at
//! most half full) over a kind's own id array, with a multiplicative hash of the id's 8-byte
//! words: hashing `email.setup` costs a few instructions where SipHash cost about 200. The
//! table is read-only and built from the policy's ids, so a caller choosing what to look up
//! cannot lengthen its probe sequences (those depend only on the policy's ids); a lookup
//! compares the id string once, on a 32-bit tag match. Behind every [`super::ids::IdTable`].

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
    #[inline(always)]
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
pub(crate) fn short_word(b: &[u8]) -> u64 {
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
}
