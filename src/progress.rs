//! How far a long computation has got, for a host that shows progress: the library never
//! prints, it calls the host's callback.

/// How far [`crate::Engine::check_with`], [`crate::Engine::decision_table_with`] or
/// [`crate::diff::diff_with`] has got: `done` of `total` topics. Reported once at the start
/// (`done = 0`), after each topic, and once at the end (`done = total`); `done` never
/// decreases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct WorkProgress {
    /// Topics finished.
    pub done: u64,
    /// Topics in all.
    pub total: u64,
}

/// Calls `callback` with `done` of `total`.
pub(crate) fn report(callback: &mut dyn FnMut(WorkProgress), done: usize, total: usize) {
    callback(WorkProgress {
        done: done as u64,
        total: total as u64,
    });
}
