//! The background work every deployment needs, started with one call: the outbox sender,
//! housekeeping and the automation runner. They stop gracefully: no new message is started once asked to stop,
//! messages in flight are finished and settled, and the rest of a claimed batch goes back to
//! pending.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::outbox::OutboxOptions;
use crate::records::Pruned;
use crate::runner::RunnerOptions;
use crate::{ServiceError, Tessera};

/// How the workers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerOptions {
    /// How the outbox is worked through.
    pub outbox: OutboxOptions,
    /// How long the sender waits when the outbox has nothing due.
    pub outbox_idle: Duration,
    /// Time between housekeeping passes (the first runs at start).
    pub housekeeping_every: Duration,
    /// How long failure records are kept (longer than every rate limit's window).
    pub keep_failures: chrono::Duration,
    /// How the automation runner works.
    pub runner: RunnerOptions,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            outbox: OutboxOptions::default(),
            outbox_idle: Duration::from_secs(1),
            housekeeping_every: Duration::from_secs(600),
            keep_failures: chrono::Duration::days(1),
            runner: RunnerOptions::default(),
        }
    }
}

/// The stop signal the workers watch, and wait on between passes.
#[derive(Default)]
struct Signal {
    stopped: AtomicBool,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Signal {
    fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.wake.notify_all();
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Waits up to `pause`, or until stopped; true when stopped.
    fn pause(&self, pause: Duration) -> bool {
        let guard = self
            .lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = self
            .wake
            .wait_timeout_while(guard, pause, |_| !self.is_stopped())
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.is_stopped()
    }
}

/// The running workers. [`Workers::shutdown`] (or dropping them) stops them gracefully and
/// waits for them.
pub struct Workers {
    signal: Arc<Signal>,
    threads: Vec<JoinHandle<()>>,
}

/// Asks running [`Workers`] to stop, from anywhere (a signal handler, another thread).
#[derive(Clone)]
pub struct Stopper(Arc<Signal>);

impl Stopper {
    /// Asks the workers to stop, without waiting: no new message is started.
    pub fn stop(&self) {
        self.0.stop();
    }
}

impl Workers {
    /// Asks the workers to stop, without waiting: no new message is started.
    pub fn stop(&self) {
        self.signal.stop();
    }

    /// A handle that asks these workers to stop.
    pub fn stopper(&self) -> Stopper {
        Stopper(self.signal.clone())
    }

    /// Stops the workers and waits until the messages in flight are settled.
    pub fn shutdown(mut self) {
        self.join();
    }

    fn join(&mut self) {
        self.signal.stop();
        for thread in self.threads.drain(..) {
            if thread.join().is_err() {
                tracing::error!("a worker thread panicked");
            }
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.join();
    }
}

impl Tessera {
    /// Starts the outbox sender, housekeeping and the automation runner on their own threads.
    pub fn start_workers(&self, options: WorkerOptions) -> std::io::Result<Workers> {
        let signal = Arc::new(Signal::default());
        let mut workers = Workers {
            signal: signal.clone(),
            threads: Vec::with_capacity(2),
        };
        let (tessera, stop) = (self.clone(), signal.clone());
        workers.threads.push(
            std::thread::Builder::new()
                .name("tessera-outbox".into())
                .spawn(move || tessera.run_sender(&options, &stop))?,
        );
        let (tessera, stop) = (self.clone(), signal.clone());
        workers.threads.push(
            std::thread::Builder::new()
                .name("tessera-housekeeping".into())
                .spawn(move || tessera.run_housekeeping(&options, &stop))?,
        );
        let (tessera, stop) = (self.clone(), signal);
        workers.threads.push(
            std::thread::Builder::new()
                .name("tessera-runner".into())
                .spawn(move || tessera.run_runner(&options, &stop))?,
        );
        Ok(workers)
    }

    fn run_runner(&self, options: &WorkerOptions, signal: &Signal) {
        while !signal.is_stopped() {
            match self.run_automations(&options.runner, &signal.stopped) {
                Ok(pass) if pass.taken > 0 => tracing::debug!(?pass, "automation runs"),
                Ok(_) => {
                    signal.pause(options.runner.idle);
                }
                Err(error) => {
                    tracing::warn!(%error, "automation runner failed");
                    signal.pause(options.runner.idle);
                }
            }
        }
    }

    fn run_sender(&self, options: &WorkerOptions, signal: &Signal) {
        while !signal.is_stopped() {
            match self.deliver_until(&options.outbox, &signal.stopped) {
                Ok(done) if done.total() > 0 => tracing::info!(?done, "outbox"),
                Ok(_) => {
                    signal.pause(options.outbox_idle);
                }
                Err(error) => {
                    tracing::warn!(%error, "outbox delivery failed");
                    signal.pause(options.outbox_idle);
                }
            }
        }
    }

    fn run_housekeeping(&self, options: &WorkerOptions, signal: &Signal) {
        loop {
            match self.housekeeping(options.keep_failures) {
                Ok(pruned) if pruned.total() > 0 => tracing::info!(?pruned, "housekeeping"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "housekeeping failed"),
            }
            if signal.pause(options.housekeeping_every) {
                return;
            }
        }
    }

    /// One housekeeping pass: removes expired sessions (internal and external) and failure
    /// records older than `keep_failures` (which must exceed every rate limit's window).
    pub fn housekeeping(&self, keep_failures: chrono::Duration) -> Result<Pruned, ServiceError> {
        let now = self.now();
        self.write(|tx| Ok(tx.prune(now, now - keep_failures)?))
    }
}
