//! The background diagnosis: one std thread runs the engine so the UI never waits on a
//! large export. Only the newest job matters (gitui's `AsyncSingleJob`): submitting
//! replaces a pending job and cancels a running one through its [`Meter`], whose reads
//! then fail, so a 500 MB export that was superseded stops being read at once.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::diagnosis::{DiagnoseOptions, Diagnosis, diagnose_inputs};
use crate::evidence::Input;
use crate::evidence::meter::Meter;

/// One diagnosis to run.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: u64,
    /// Inputs already in memory (pastes, earlier files).
    pub inputs: Vec<Arc<Input>>,
    /// Files or directories to open first (named on the command line or in the
    /// add-evidence field); opening a large file reads only its head.
    pub paths: Vec<PathBuf>,
    pub options: DiagnoseOptions,
}

/// What a finished job hands back to the UI.
#[derive(Clone, Debug)]
pub struct JobDone {
    pub id: u64,
    pub diagnosis: Box<Diagnosis>,
    /// The job's inputs, opened files included, for the next job (remove, what-if).
    pub inputs: Vec<Arc<Input>>,
    /// Files that could not be opened, with why.
    pub errors: Vec<String>,
    pub elapsed: Duration,
}

/// How far the running job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobProgress {
    pub id: u64,
    pub read: u64,
    /// Bytes the job will read, once the worker has measured its files.
    pub expected: Option<u64>,
}

/// The running job, as the UI sees it.
struct Running {
    id: u64,
    meter: Arc<Meter>,
    /// The bytes the job will read; `u64::MAX` until measured.
    expected: Arc<AtomicU64>,
}

#[derive(Default)]
struct Slot {
    pending: Option<Job>,
    running: Option<Running>,
    shutdown: bool,
}

type Shared = Arc<(Mutex<Slot>, Condvar)>;

/// The worker thread and its mailboxes.
pub struct Worker {
    shared: Shared,
    done: Receiver<JobDone>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn start() -> std::io::Result<Worker> {
        let shared: Shared = Arc::default();
        let (tx, done) = mpsc::channel();
        let for_thread = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("oidc-triage-diagnose".to_owned())
            .spawn(move || work(&for_thread, &tx))?;
        Ok(Worker {
            shared,
            done,
            thread: Some(thread),
        })
    }

    /// Run `job` as soon as possible, dropping any older pending job and cancelling
    /// the running one.
    pub fn submit(&self, job: Job) {
        let (lock, wake) = &*self.shared;
        let mut slot = lock.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(running) = &slot.running {
            running.meter.cancel();
        }
        slot.pending = Some(job);
        wake.notify_one();
    }

    /// The running job's progress.
    pub fn progress(&self) -> Option<JobProgress> {
        let slot = self.shared.0.lock().unwrap_or_else(PoisonError::into_inner);
        slot.running.as_ref().map(|r| JobProgress {
            id: r.id,
            read: r.meter.read(),
            expected: match r.expected.load(Ordering::Relaxed) {
                u64::MAX => None,
                n => Some(n),
            },
        })
    }

    /// A finished job, if one is waiting.
    pub fn try_done(&self) -> Option<JobDone> {
        self.done.try_recv().ok()
    }

    /// Wait up to `timeout` for a finished job (tests and benches).
    pub fn wait_done(&self, timeout: Duration) -> Option<JobDone> {
        self.done.recv_timeout(timeout).ok()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        {
            let (lock, wake) = &*self.shared;
            let mut slot = lock.lock().unwrap_or_else(PoisonError::into_inner);
            slot.shutdown = true;
            slot.pending = None;
            if let Some(running) = &slot.running {
                running.meter.cancel();
            }
            wake.notify_one();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn work(shared: &Shared, done: &Sender<JobDone>) {
    let (lock, wake) = &**shared;
    loop {
        let (job, meter, expected) = {
            let mut slot = lock.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if slot.shutdown {
                    return;
                }
                if let Some(job) = slot.pending.take() {
                    let meter = Meter::new();
                    let expected = Arc::new(AtomicU64::new(u64::MAX));
                    slot.running = Some(Running {
                        id: job.id,
                        meter: Arc::clone(&meter),
                        expected: Arc::clone(&expected),
                    });
                    break (job, meter, expected);
                }
                slot = wake.wait(slot).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let started = Instant::now();
        if let Some(total) = expected_bytes(&job.paths) {
            expected.store(total, Ordering::Relaxed);
        }
        let result = meter.scope(|| run(job));
        let cancelled = meter.is_cancelled();
        lock.lock().unwrap_or_else(PoisonError::into_inner).running = None;
        if !cancelled {
            let mut result = result;
            result.elapsed = started.elapsed();
            if done.send(result).is_err() {
                return;
            }
        }
    }
}

/// Open the job's files, then diagnose everything.
pub fn run(job: Job) -> JobDone {
    let mut inputs = job.inputs;
    let mut errors = Vec::new();
    for path in &job.paths {
        match Input::from_path(path) {
            Ok(input) => inputs.push(Arc::new(input)),
            Err(e) => errors.push(e.to_string()),
        }
    }
    let diagnosis = diagnose_inputs(&inputs, &job.options);
    JobDone {
        id: job.id,
        diagnosis: Box::new(diagnosis),
        inputs,
        errors,
        elapsed: Duration::ZERO,
    }
}

/// The bytes a job will stream: the sizes of large files and of files in directories.
fn expected_bytes(paths: &[std::path::PathBuf]) -> Option<u64> {
    let mut total = 0u64;
    for path in paths {
        let meta = std::fs::metadata(path).ok()?;
        if meta.is_dir() {
            total += directory_bytes(path, 4);
        } else {
            total += meta.len();
        }
    }
    (total > 0).then_some(total)
}

fn directory_bytes(dir: &std::path::Path, depth: u8) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() && depth > 0 => directory_bytes(&e.path(), depth - 1),
            Ok(m) if m.is_file() => m.len(),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::Stage;

    fn job(id: u64, inputs: Vec<Input>) -> Job {
        Job {
            id,
            inputs: inputs.into_iter().map(Arc::new).collect(),
            paths: Vec::new(),
            options: DiagnoseOptions::default(),
        }
    }

    #[test]
    fn the_worker_measures_files_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.json"), vec![b'x'; 300]).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/b.json"), vec![b'y'; 200]).unwrap();
        let single = dir.path().join("a.json");
        assert_eq!(expected_bytes(std::slice::from_ref(&single)), Some(300));
        assert_eq!(expected_bytes(&[dir.path().to_owned()]), Some(500));
        assert_eq!(expected_bytes(&[dir.path().join("missing")]), None);
    }

    #[test]
    fn a_job_comes_back_diagnosed() {
        let worker = Worker::start().unwrap();
        worker.submit(job(1, crate::sample::sample_inputs()));
        let done = worker.wait_done(Duration::from_secs(30)).unwrap();
        assert_eq!(done.id, 1);
        assert_eq!(done.inputs.len(), 3, "token, trust policy and JWKS");
        assert_eq!(done.diagnosis.stopped_at, Some(Stage::Trust));
    }

    #[test]
    fn a_missing_file_is_reported_not_fatal() {
        let worker = Worker::start().unwrap();
        let mut j = job(4, Vec::new());
        j.paths.push(PathBuf::from("/nonexistent/oidc-triage-test"));
        worker.submit(j);
        let done = worker.wait_done(Duration::from_secs(30)).unwrap();
        assert_eq!(done.errors.len(), 1);
        assert!(done.errors[0].contains("/nonexistent/oidc-triage-test"));
    }

    #[test]
    fn the_newest_job_wins() {
        let worker = Worker::start().unwrap();
        for id in 1..=20 {
            worker.submit(job(id, vec![Input::pasted("p", format!("paste {id}"))]));
        }
        // Older jobs may finish before a newer one arrives; the newest always comes
        // back, and nothing comes after it.
        let mut last = 0;
        while let Some(done) = worker.wait_done(Duration::from_secs(30)) {
            assert!(done.id > last, "results arrive in submission order");
            last = done.id;
            if last == 20 {
                break;
            }
        }
        assert_eq!(last, 20);
        assert!(worker.wait_done(Duration::from_millis(200)).is_none());
    }
}
