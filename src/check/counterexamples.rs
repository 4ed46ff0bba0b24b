//! The evidence of a finding: a circumstance decided again for the responders that disagree,
//! as the `Counterexample` a diagnostic carries.

use crate::diagnostic::{Counterexample, Response};
use crate::engine::{Engine, FactValueIx, Resolved, ResponderIx};

use super::space;

/// The response of `responder` in a resolved circumstance, for a counterexample.
pub(crate) fn response(
    engine: &Engine,
    c: &Resolved,
    values: &[FactValueIx],
    responder: ResponderIx,
) -> Response {
    let d = engine.run(c, values, responder, &mut crate::explain::NoTrace);
    Response {
        responder: space::responder(engine, responder),
        channel: space::channel(engine, c.channel),
        decision: d.to_record(),
    }
}

/// A counterexample: the contact of `c` and the given responses.
pub(crate) fn counterexample(
    engine: &Engine,
    c: &Resolved,
    values: &[FactValueIx],
    responses: Vec<Response>,
) -> Box<Counterexample> {
    Box::new(Counterexample {
        contact: space::contact(engine, c, values),
        responses,
    })
}

/// The counterexample of one responder's decision in circumstance `c`.
pub(crate) fn single_counterexample(
    engine: &Engine,
    c: &Resolved,
    values: &[FactValueIx],
    responder: ResponderIx,
) -> Box<Counterexample> {
    counterexample(
        engine,
        c,
        values,
        vec![response(engine, c, values, responder)],
    )
}
