//! Progress and cancellation for long reads. A front end that ingests a large export on
//! a worker thread installs a [`Meter`] for the duration of the diagnosis; every stream
//! the sources open through [`Input::open`](super::Input::open) (and the CloudTrail
//! directory readers) counts its bytes into it and stops when the meter is cancelled,
//! because a newer input replaced this one. With no meter installed, reads are untouched.

use std::cell::RefCell;
use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Bytes read so far by one diagnosis, and whether it is still wanted.
#[derive(Debug, Default)]
pub struct Meter {
    read: AtomicU64,
    cancelled: AtomicBool,
}

/// The message a cancelled read fails with.
pub const CANCELLED: &str = "cancelled: a newer input replaced this one";

thread_local! {
    static CURRENT: RefCell<Option<Arc<Meter>>> = const { RefCell::new(None) };
}

impl Meter {
    pub fn new() -> Arc<Meter> {
        Arc::new(Meter::default())
    }

    /// Bytes read so far (compressed bytes for a gzip file: progress over its size).
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// Ask every metered read to stop.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Run `work` with this meter counting the reads it opens on this thread.
    pub fn scope<R>(self: &Arc<Meter>, work: impl FnOnce() -> R) -> R {
        let previous = CURRENT.with(|c| c.replace(Some(Arc::clone(self))));
        let result = work();
        CURRENT.with(|c| *c.borrow_mut() = previous);
        result
    }
}

/// The meter installed on this thread, if any (to hand to helper threads).
pub fn current() -> Option<Arc<Meter>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// `reader`, counted into `meter` when there is one.
pub fn metered<'a>(
    meter: Option<Arc<Meter>>,
    reader: impl Read + Send + 'a,
) -> Box<dyn Read + Send + 'a> {
    match meter {
        Some(meter) => Box::new(Metered {
            inner: reader,
            meter,
        }),
        None => Box::new(reader),
    }
}

struct Metered<R> {
    inner: R,
    meter: Arc<Meter>,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.meter.is_cancelled() {
            return Err(io::Error::other(CANCELLED));
        }
        let n = self.inner.read(buf)?;
        self.meter.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_counted_only_inside_the_scope() {
        let meter = Meter::new();
        let data = vec![7u8; 10_000];
        let mut out = Vec::new();
        meter.scope(|| {
            metered(current(), data.as_slice())
                .read_to_end(&mut out)
                .unwrap()
        });
        assert_eq!(meter.read(), 10_000);
        assert!(current().is_none(), "the scope uninstalls the meter");
        metered(current(), data.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(meter.read(), 10_000);
    }

    #[test]
    fn a_cancelled_meter_stops_the_read_with_a_clear_error() {
        let meter = Meter::new();
        meter.cancel();
        let data = [1u8; 16];
        let err = metered(Some(meter), &data[..])
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert_eq!(err.to_string(), CANCELLED);
    }
}
