//! Issue 16: the engine against the physical limit, the same policy written by hand.
//!
//! One workload: 4,096 circumstances drawn at random (fixed seed) from the whole circumstance
//! space of the example policy (`Engine::circumstances`: every topic, the fact values its rules
//! read, progress, superior asked or not, every responder, every channel), in both locales.
//! Four contenders decide it:
//!
//! - `ratio/handwritten`: the policy as a Rust `match` over enums
//!   (`tests/support/handwritten.rs`; `tests/handwritten.rs` proves it agrees with the engine);
//! - `ratio/decide_prepared`: keys resolved in advance (`prepare`, `responder_key`);
//! - `ratio/decide`: string ids;
//! - `ratio/decide_json_line`: a JSON request line in, the JSON decision line out (the CLI's
//!   and the service's path: parsing, deciding, rendering the text, writing the record).
//!
//! Criterion times each alone (one decision per iteration, cycling through the workload). The
//! group also prints the ratios of one run, interleaved: each round times one pass of every
//! contender, in a rotating order, so that both sides of a ratio see the same load; the
//! ratio printed is the median over the rounds of the per-round ratio.
//!
//! Targets (issue 16): `decide_prepared` ≤ 2× the hand-written decider, `decide` ≤ 5×, a JSON
//! line in → JSON line out ≤ 1.5 µs. Issue 26: the same on a second, differently shaped
//! policy (`examples/policies/oriel-mobile.toml`, its decider in
//! `tests/support/handwritten_oriel.rs`), in the same run (group `ratio_oriel`), and
//! `decide` ≤ 4× on both; `UM_PROFILE_POLICY=oriel` profiles that policy.
//!
//! `UM_PROFILE=handwritten|decide_prepared|decide|decide_json_line` (and optionally
//! `UM_PROFILE_PASSES=N`, default 100) runs only that contender over the workload N times and
//! exits, for `valgrind --tool=callgrind --toggle-collect='*profile_loop*'`: instructions per
//! decision are the `Ir` total divided by `N × 4,096`. With `UM_PROFILE_TOPICS=10000` (any
//! size), the engine contenders run on a generated policy and `generate::workload` instead.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

#[path = "../tests/support/generate.rs"]
mod generate;
#[path = "../tests/support/handwritten.rs"]
mod handwritten;
#[path = "../tests/support/handwritten_oriel.rs"]
mod handwritten_oriel;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use unified_message::engine::{PreparedContact, ResponderKey};
use unified_message::{Contact, DecideRequest, Engine, Responder};

/// Decisions in the workload.
const WORKLOAD: usize = 4_096;
/// JSON lines per interleaved round (a pass of the other contenders takes far less).
const JSON_PER_ROUND: usize = 1_024;

/// A policy's hand-written decider (issue 26: one per example policy).
trait Hand {
    type Contact;
    type Responder: Copy;
    fn convert(
        contact: &Contact,
        responder: &Responder,
    ) -> Option<(Self::Contact, Self::Responder)>;
    fn decide(c: &Self::Contact, r: Self::Responder) -> usize;
}

/// `examples/policies/acme-hosting.toml`.
struct Acme;

impl Hand for Acme {
    type Contact = handwritten::Contact;
    type Responder = handwritten::Responder;
    fn convert(c: &Contact, r: &Responder) -> Option<(Self::Contact, Self::Responder)> {
        Some((
            handwritten::Contact::from_contact(c)?,
            handwritten::Responder::from_responder(r)?,
        ))
    }
    #[inline(always)]
    fn decide(c: &Self::Contact, r: Self::Responder) -> usize {
        black_box(handwritten::decide(black_box(c), black_box(r))).message as usize
    }
}

/// `examples/policies/oriel-mobile.toml`.
struct Oriel;

impl Hand for Oriel {
    type Contact = handwritten_oriel::Contact;
    type Responder = handwritten_oriel::Responder;
    fn convert(c: &Contact, r: &Responder) -> Option<(Self::Contact, Self::Responder)> {
        Some((
            handwritten_oriel::Contact::from_contact(c)?,
            handwritten_oriel::Responder::from_responder(r)?,
        ))
    }
    #[inline(always)]
    fn decide(c: &Self::Contact, r: Self::Responder) -> usize {
        black_box(handwritten_oriel::decide(black_box(c), black_box(r))).message as usize
    }
}

const ORIEL_POLICY: &str = include_str!("../examples/policies/oriel-mobile.toml");

struct Work<H: Hand> {
    hand: Vec<(H::Contact, H::Responder)>,
    prepared: Vec<(PreparedContact, ResponderKey)>,
    strings: Vec<(Contact, Responder)>,
    lines: Vec<String>,
}

fn workload<H: Hand>(engine: &Engine) -> Work<H> {
    let space: Vec<_> = engine.circumstances().collect();
    let locales: Vec<&str> = engine.locales().collect();
    let mut rng = generate::Rng::new(16);
    let mut work = Work {
        hand: Vec::with_capacity(WORKLOAD),
        prepared: Vec::with_capacity(WORKLOAD),
        strings: Vec::with_capacity(WORKLOAD),
        lines: Vec::with_capacity(WORKLOAD),
    };
    for i in 0..WORKLOAD {
        let c = rng.pick(&space);
        let mut contact = c.contact.clone().with_locale(*rng.pick(&locales));
        contact.customer = format!("customer-{i}");
        let responder = c.responder.clone();
        work.hand.push(H::convert(&contact, &responder).unwrap());
        work.prepared
            .push((engine.prepare(&contact), engine.responder_key(&responder)));
        work.lines.push(
            serde_json::to_string(&DecideRequest::new(contact.clone(), responder.clone())).unwrap(),
        );
        work.strings.push((contact, responder));
    }
    work
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contender {
    Handwritten,
    DecidePrepared,
    Decide,
    DecideJsonLine,
}

const CONTENDERS: [Contender; 4] = [
    Contender::Handwritten,
    Contender::DecidePrepared,
    Contender::Decide,
    Contender::DecideJsonLine,
];

impl Contender {
    fn name(self) -> &'static str {
        match self {
            Contender::Handwritten => "handwritten",
            Contender::DecidePrepared => "decide_prepared",
            Contender::Decide => "decide",
            Contender::DecideJsonLine => "decide_json_line",
        }
    }

    /// Decides items `range` of the workload; returns a checksum so nothing is optimised out.
    #[inline(always)]
    fn run<H: Hand>(self, engine: &Engine, work: &Work<H>, range: std::ops::Range<usize>) -> usize {
        let mut sum = 0usize;
        match self {
            Contender::Handwritten => {
                for (c, r) in &work.hand[range] {
                    sum += H::decide(c, *r);
                }
            }
            Contender::DecidePrepared => {
                for (c, r) in &work.prepared[range] {
                    sum += black_box(engine.decide_prepared(black_box(c), black_box(*r))).outcome()
                        as usize;
                }
            }
            Contender::Decide => {
                for (c, r) in &work.strings[range] {
                    sum += black_box(engine.decide(black_box(c), black_box(r))).outcome() as usize;
                }
            }
            Contender::DecideJsonLine => {
                for (i, line) in work.lines[range].iter().enumerate() {
                    let out = engine.decide_json_line(i + 1, black_box(line));
                    sum += black_box(out).map_or(0, |o| o.map_or(0, |s| s.len()));
                }
            }
        }
        sum
    }
}

/// Medians of the interleaved rounds: ns per decision of each contender, and each engine
/// contender's median per-round ratio to the hand-written decider.
fn interleaved<H: Hand>(engine: &Engine, work: &Work<H>, rounds: usize) -> ([f64; 4], [f64; 4]) {
    let mut per: [Vec<f64>; 4] = Default::default();
    let mut ratio: [Vec<f64>; 4] = Default::default();
    for round in 0..rounds {
        let mut ns = [0.0; 4];
        for k in 0..CONTENDERS.len() {
            let which = (round + k) % CONTENDERS.len();
            let contender = CONTENDERS[which];
            let (range, passes) = match contender {
                Contender::DecideJsonLine => (0..JSON_PER_ROUND, 1),
                _ => (0..WORKLOAD, 4),
            };
            let n = range.len() * passes;
            let start = Instant::now();
            for _ in 0..passes {
                black_box(contender.run(engine, work, range.clone()));
            }
            ns[which] = start.elapsed().as_nanos() as f64 / n as f64;
        }
        for which in 0..CONTENDERS.len() {
            per[which].push(ns[which]);
            ratio[which].push(ns[which] / ns[0]);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut out = ([0.0; 4], [0.0; 4]);
    for which in 0..CONTENDERS.len() {
        out.0[which] = median(&mut per[which]);
        out.1[which] = median(&mut ratio[which]);
    }
    out
}

fn verdict(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗ over target" }
}

fn ratio(c: &mut Criterion) {
    let rounds = std::env::var("UM_RATIO_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(301);
    let acme = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
    let acme_work = workload::<Acme>(&acme);
    let oriel = Engine::from_toml_str(ORIEL_POLICY).unwrap();
    let oriel_work = workload::<Oriel>(&oriel);
    // Both policies in the same run, one after the other, each interleaved.
    print_ratios("acme-hosting", &acme, &acme_work, rounds);
    print_ratios("oriel-mobile", &oriel, &oriel_work, rounds);
    bench_group(c, "ratio", &acme, &acme_work);
    bench_group(c, "ratio_oriel", &oriel, &oriel_work);
}

fn print_ratios<H: Hand>(policy: &str, engine: &Engine, work: &Work<H>, rounds: usize) {
    // Warm up every contender once (caches, branch predictors, the allocator's pools).
    let _ = interleaved(engine, work, 5);
    let (ns, ratios) = interleaved(engine, work, rounds);
    println!(
        "ratio: {WORKLOAD} circumstances of {policy}, median of {rounds} interleaved rounds (load average {})",
        std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next().map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned())
    );
    println!("ratio:   handwritten       {:>8.1} ns   1.00×", ns[0]);
    println!(
        "ratio:   decide_prepared   {:>8.1} ns   {:.2}×  (target ≤ 2×) {}",
        ns[1],
        ratios[1],
        verdict(ratios[1] <= 2.0)
    );
    println!(
        "ratio:   decide            {:>8.1} ns   {:.2}×  (target ≤ 4×) {}",
        ns[2],
        ratios[2],
        verdict(ratios[2] <= 4.0)
    );
    println!(
        "ratio:   decide_json_line  {:>8.1} ns   {:.0}×  (target ≤ 1,500 ns) {}",
        ns[3],
        ratios[3],
        verdict(ns[3] <= 1_500.0)
    );
}

fn bench_group<H: Hand>(c: &mut Criterion, name: &str, engine: &Engine, work: &Work<H>) {
    let mut group = c.benchmark_group(name);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for contender in CONTENDERS {
        group.bench_function(contender.name(), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % WORKLOAD;
                contender.run(engine, work, i..i + 1)
            });
        });
    }
    group.finish();
}

/// The loop callgrind collects (`--toggle-collect='*profile_loop*'`).
#[inline(never)]
fn profile_loop<H: Hand>(
    contender: Contender,
    engine: &Engine,
    work: &Work<H>,
    passes: usize,
) -> usize {
    let mut sum = 0;
    for _ in 0..passes {
        sum += contender.run(engine, work, 0..WORKLOAD);
    }
    sum
}

fn main() {
    if let Ok(name) = std::env::var("UM_PROFILE") {
        let contender = CONTENDERS
            .into_iter()
            .find(|c| c.name() == name)
            .unwrap_or_else(|| {
                panic!("UM_PROFILE: one of handwritten, decide_prepared, decide, decide_json_line")
            });
        let passes = std::env::var("UM_PROFILE_PASSES")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(100);
        // `UM_PROFILE_TOPICS=N`: a generated policy of N topics and `generate::workload`
        // instead (not for `handwritten`), to compare instruction counts across sizes.
        let topics: Option<usize> = std::env::var("UM_PROFILE_TOPICS")
            .ok()
            .and_then(|n| n.parse().ok());
        // `UM_PROFILE_POLICY=oriel`: the second example policy (issue 26).
        if std::env::var("UM_PROFILE_POLICY").is_ok_and(|p| p == "oriel") {
            let engine = Engine::from_toml_str(ORIEL_POLICY).unwrap();
            let work = workload::<Oriel>(&engine);
            let sum = profile_loop(contender, &engine, &work, passes);
            println!(
                "{} (oriel-mobile): {} decisions (checksum {sum})",
                contender.name(),
                passes * WORKLOAD
            );
            return;
        }
        let (engine, work) = match topics {
            None => {
                let engine = Engine::from_toml_str(unified_message::EXAMPLE_POLICY).unwrap();
                let work = workload::<Acme>(&engine);
                (engine, work)
            }
            Some(n) => {
                assert_ne!(contender, Contender::Handwritten, "the example policy only");
                let engine = Engine::compile(&generate::policy(n)).unwrap();
                let pairs = generate::workload(&engine, WORKLOAD, 6);
                let work = Work::<Acme> {
                    hand: Vec::new(),
                    prepared: pairs
                        .iter()
                        .map(|(c, r)| (engine.prepare(c), engine.responder_key(r)))
                        .collect(),
                    lines: pairs
                        .iter()
                        .map(|(c, r)| {
                            serde_json::to_string(&DecideRequest::new(c.clone(), r.clone()))
                                .unwrap()
                        })
                        .collect(),
                    strings: pairs,
                };
                (engine, work)
            }
        };
        let sum = profile_loop(contender, &engine, &work, passes);
        println!(
            "{}: {} decisions (checksum {sum})",
            contender.name(),
            passes * WORKLOAD
        );
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    ratio(&mut c);
    c.final_summary();
}
