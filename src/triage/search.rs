//! Searching: one pass of a locale's anchor automaton hands each anchor occurrence to the
//! keywords it anchors, which are confirmed by their NFAs over merged windows, within the
//! work budget; the keyword set finds the unanchored ones.

use regex_automata::nfa::thompson::pikevm::{Cache as PikeCache, PikeVM};
use regex_automata::{Input, PatternSet};
use std::collections::HashMap;

use super::budget::Work;
use super::compiled::Triage;
use super::locale::LocaleKeywords;

/// A keyword's PikeVM and its cache, made on its first search of a triage (`None`: not yet).
type Vm = Option<(PikeVM, PikeCache)>;

impl Triage {
    /// Searches `folded[from..to]` with keyword `k`'s NFA, within the work budget: the
    /// leftmost-first match there (`None`: no match, or the budget is spent, which marks the
    /// triage truncated).
    ///
    /// `vm` keeps the keyword's PikeVM and its cache between the searches of its windows
    /// (`None`: not made yet).
    fn search(
        &self,
        lk: &LocaleKeywords,
        k: u32,
        vm: &mut Vm,
        folded: &str,
        (from, to): (usize, usize),
        work: &mut Work,
    ) -> Option<(usize, usize)> {
        let cost = to.saturating_sub(from);
        if cost > work.budget {
            work.truncated = true;
            return None;
        }
        work.budget -= cost;
        work.counted.searched += cost;
        if vm.is_none() {
            let made = lk.keywords.get(k as usize)?.pikevm(self.size_limit)?;
            let cache = made.create_cache();
            *vm = Some((made, cache));
        }
        let (vm, cache) = vm.as_mut()?;
        let input = Input::new(folded).range(from..to);
        vm.find(cache, input).map(|m| (m.start(), m.end()))
    }

    /// Every keyword of locale `lk` that matches `folded`, with its first match — the one its
    /// regex alone would find — as `(keyword, start, end)`.
    ///
    /// One overlapping Aho-Corasick pass over the text reports every occurrence of every
    /// anchor, in the order of their ends; each occurrence is handed to the keywords it
    /// anchors that are not done with yet:
    ///
    /// - a keyword that is its anchor matches where the anchor first occurs;
    /// - a keyword of at most `L` bytes ([`MAX_WINDOW`] at most) has its every match that
    ///   contains an anchor occurrence `o` within `o.end - L .. o.start + L`, its *window*.
    ///   Merged where they overlap, the windows of its occurrences, in text order, hold every
    ///   match, each whole in one merged window; a merged window is searched with the
    ///   keyword's NFA as soon as the pass is past it, so the first merged window with a match
    ///   holds the first match, and no byte is searched twice for one keyword;
    /// - a longer keyword, or one without bound (`\w+ing`), is not anchored: it is in the
    ///   locale's keyword set with the keywords without anchors; one pass of the set tells
    ///   which of them match, and only those are searched, each over the whole text.
    ///
    /// An anchor whose keywords are all done is skipped from then on, and the pass stops when
    /// every anchor is. Each anchor occurrence (skipped or not), each keyword handed an
    /// occurrence and each byte searched by an NFA costs a unit of the work budget ([`WORK_PER_BYTE`] units a byte of text): what it
    /// cannot pay for is not done, and the triage is marked truncated. So the work is linear
    /// in the text whatever the number of keywords (`Engine::triage_work` counts it).
    ///
    /// [`MAX_WINDOW`]: super::keyword::MAX_WINDOW
    /// [`WORK_PER_BYTE`]: super::budget::WORK_PER_BYTE
    pub(super) fn found(
        &self,
        lk: &LocaleKeywords,
        folded: &str,
        work: &mut Work,
    ) -> Vec<(u32, usize, usize)> {
        /// What is known of a keyword whose anchors occurred.
        #[derive(Default)]
        struct Track {
            done: bool,
            /// The merged window being grown (bounded keywords).
            window: Option<(usize, usize)>,
            /// The keyword's PikeVM and cache, once it has searched a window.
            vm: Vm,
        }
        let n = folded.len();
        let mut found = Vec::new();
        // Searched over the whole text once the pass is over.
        let mut long = Vec::new();
        if let Some(automaton) = &lk.anchors {
            let count = automaton.patterns_len();
            let mut skipped = vec![0u64; count.div_ceil(64)];
            let mut left = count;
            let mut tracks: HashMap<u32, Track> = HashMap::new();
            work.counted.scanned += n;
            'pass: for m in automaton.find_overlapping_iter(folded) {
                // Every occurrence is paid for, that of an anchor skipped as well: anchors
                // that overlap one another (`a`, `aa`, `aaa`, … on a run of `a`) end, many of
                // them, at every byte, and would otherwise cost keywords × bytes.
                if work.budget == 0 {
                    work.truncated = true;
                    break;
                }
                work.budget -= 1;
                work.counted.occurrences += 1;
                let a = m.pattern().as_usize();
                let Some(bits) = skipped.get_mut(a / 64) else {
                    continue;
                };
                let bit = 1u64 << (a % 64);
                if *bits & bit != 0 {
                    continue;
                }
                let mut active = false;
                for &k in lk.anchored(a) {
                    let Some(keyword) = lk.keywords.get(k as usize) else {
                        continue;
                    };
                    let track = tracks.entry(k).or_default();
                    if track.done {
                        continue;
                    }
                    if work.budget == 0 {
                        work.truncated = true;
                        break 'pass;
                    }
                    work.budget -= 1;
                    work.counted.visits += 1;
                    match keyword.window() {
                        None if keyword.literal => {
                            found.push((k, m.start(), m.end()));
                            track.done = true;
                        }
                        None => {
                            long.push(k);
                            track.done = true;
                        }
                        Some(max) => {
                            let lo = m.end().saturating_sub(max);
                            let hi = m.start().saturating_add(max).min(n);
                            // Occurrences come by their end, so every later window of this
                            // keyword starts at or after `lo`: once past the merged window,
                            // it can be searched.
                            if let Some(window) = track.window.filter(|&(_, to)| lo > to) {
                                track.window = None;
                                let found_here =
                                    self.search(lk, k, &mut track.vm, folded, window, work);
                                if let Some((s, e)) = found_here {
                                    found.push((k, s, e));
                                    track.done = true;
                                    continue;
                                }
                            }
                            track.window = Some(match track.window {
                                Some((from, to)) => (from, to.max(hi)),
                                None => (lo, hi),
                            });
                            active = true;
                        }
                    }
                }
                if !active {
                    *bits |= bit;
                    left -= 1;
                    if left == 0 {
                        break;
                    }
                }
            }
            // The windows still open, in keyword order (the budget is spent deterministically).
            let mut open: Vec<(u32, (usize, usize), Vm)> = tracks
                .into_iter()
                .filter(|(_, t)| !t.done)
                .filter_map(|(k, t)| Some((k, t.window?, t.vm)))
                .collect();
            open.sort_unstable_by_key(|&(k, _, _)| k);
            for (k, window, mut vm) in open {
                if let Some((s, e)) = self.search(lk, k, &mut vm, folded, window, work) {
                    found.push((k, s, e));
                }
            }
        }
        if let Some(set) = &lk.set {
            let mut which = PatternSet::new(set.pattern_len());
            work.counted.scanned += n;
            set.which_overlapping_matches(&Input::new(folded), &mut which);
            long.extend(
                which
                    .iter()
                    .filter_map(|p| lk.unanchored.get(p.as_usize()))
                    .copied(),
            );
        }
        long.sort_unstable();
        long.dedup();
        for k in long {
            if let Some((s, e)) = self.search(lk, k, &mut None, folded, (0, n), work) {
                found.push((k, s, e));
            }
        }
        found.sort_unstable();
        found
    }
}
