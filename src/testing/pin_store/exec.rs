//! Running futures without a runtime of our own: sync stores seen as async ones whose futures
//! are ready at once, and a `std`-only join that polls several futures on one task.

use std::future::Future;
use std::pin::Pin as Pinned;
use std::task::{Context, Poll, Waker};

use crate::pins::{Pin, PinKey};
use crate::{AsyncPinStore, PinStore, PinStoreError};

/// A sync [`PinStore`] seen as an [`AsyncPinStore`] whose futures are ready at once: the
/// store-level checks are written once, for both kinds.
pub(super) struct Blocking<'s, S: ?Sized>(pub(super) &'s S);

impl<S: PinStore + Sync + ?Sized> AsyncPinStore for Blocking<'_, S> {
    async fn get(&self, key: &PinKey) -> Result<Option<Pin>, PinStoreError> {
        self.0.get(key)
    }

    async fn get_many(&self, keys: &[PinKey]) -> Result<Vec<Option<Pin>>, PinStoreError> {
        self.0.get_many(keys)
    }

    async fn insert_if_absent(&self, key: &PinKey, pin: Pin) -> Result<Pin, PinStoreError> {
        self.0.insert_if_absent(key, pin)
    }

    async fn compare_and_replace(
        &self,
        key: &PinKey,
        expected: &Pin,
        new: Pin,
    ) -> Result<Option<Pin>, PinStoreError> {
        self.0.compare_and_replace(key, expected, new)
    }
}

/// Runs a future made only of [`Blocking`] calls, which never waits: it is ready on its first
/// poll (polled again, yielding the thread, should it ever not be).
pub(super) fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

/// Polls several futures concurrently on the current task, with `std` only: whenever the task
/// is woken, every unfinished future is polled with its waker; resolves to their outputs, in
/// order, once all are ready.
pub(super) struct JoinAll<F: Future> {
    futures: Vec<Pinned<Box<F>>>,
    outputs: Vec<Option<F::Output>>,
}

impl<F: Future> JoinAll<F> {
    pub(super) fn new(futures: impl IntoIterator<Item = F>) -> Self {
        let futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
        let outputs = futures.iter().map(|_| None).collect();
        JoinAll { futures, outputs }
    }
}

// The futures are boxed and the outputs are never pinned: moving a `JoinAll` is fine.
impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(self: Pinned<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut pending = false;
        for (future, output) in this.futures.iter_mut().zip(this.outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(out) => *output = Some(out),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            return Poll::Pending;
        }
        Poll::Ready(this.outputs.iter_mut().filter_map(Option::take).collect())
    }
}
