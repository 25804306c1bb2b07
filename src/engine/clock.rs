//! The two clocks a run can go by. The model code is generic over [`Runtime`] (the time, a
//! sleep, a spawn, all in model steps), so the very same code runs in virtual time on the
//! engine's own executor and on tokio's real clock.

use std::future::Future;
use std::time::Duration;

use tokio::runtime::Builder;
use tokio::task::LocalSet;

use super::{exec, EngineError};

/// What the model needs from a clock, in model steps.
pub(super) trait Runtime: Clone + 'static {
    type Sleep: Future<Output = ()>;
    /// Steps since the run started.
    fn now(&self) -> u64;
    /// Ready once the clock reaches step `at` (at once if it already has).
    fn sleep_until(&self, at: u64) -> Self::Sleep;
    /// Starts the task `make` makes. A maker rather than the task, so that the virtual
    /// executor makes it in its box: a task made first was then copied there whole (a
    /// client's future is 184 bytes), a `memcpy` call per client that took 5 % of
    /// `load_test`'s time in a profile.
    fn spawn<F: Future<Output = ()> + 'static>(&self, make: impl FnOnce() -> F);
    /// Tasks ready to run at this instant besides the one running: a deadline waits for
    /// them, so that work due at its instant is done first. Real time has no instants to
    /// share: none.
    fn others_ready(&self) -> usize;
}

/// The virtual executor of this thread ([`exec`]): exact and instant.
#[derive(Clone, Copy)]
pub(super) struct Virtual;

impl Runtime for Virtual {
    type Sleep = exec::Sleep;

    #[inline]
    fn now(&self) -> u64 {
        exec::now()
    }

    #[inline]
    fn sleep_until(&self, at: u64) -> exec::Sleep {
        exec::sleep_until(at)
    }

    #[inline]
    fn spawn<F: Future<Output = ()> + 'static>(&self, make: impl FnOnce() -> F) {
        exec::spawn_made(make)
    }

    fn others_ready(&self) -> usize {
        exec::ready_count()
    }
}

/// Tokio's real clock, one step lasting `tick`; tasks are spawned on a `LocalSet`.
#[derive(Clone, Copy)]
pub(super) struct Real {
    origin: tokio::time::Instant,
    tick_nanos: u128,
}

impl Runtime for Real {
    type Sleep = tokio::time::Sleep;

    /// Rounded to the nearest step: the real clock jitters.
    fn now(&self) -> u64 {
        let since = tokio::time::Instant::now().duration_since(self.origin);
        ((since.as_nanos() + self.tick_nanos / 2) / self.tick_nanos) as u64
    }

    fn sleep_until(&self, at: u64) -> tokio::time::Sleep {
        tokio::time::sleep_until(self.origin + steps_to_duration(at, self.tick_nanos))
    }

    fn spawn<F: Future<Output = ()> + 'static>(&self, make: impl FnOnce() -> F) {
        tokio::task::spawn_local(make());
    }

    fn others_ready(&self) -> usize {
        0
    }
}

/// Runs `main` (and every task it spawns) on tokio's real clock, one step lasting
/// `step_seconds / speed` real seconds; `make` builds it for the clock.
pub(super) fn run_real<F: Future<Output = ()> + 'static>(
    speed: f64,
    step_seconds: f64,
    make: impl FnOnce(Real) -> F,
) -> Result<(), EngineError> {
    if !(speed.is_finite() && speed > 0.0) {
        return Err(EngineError::BadSpeed(speed));
    }
    let tick =
        Duration::try_from_secs_f64(step_seconds / speed).map_err(|_| EngineError::TooSlow {
            speed,
            step: step_seconds,
        })?;
    if tick.is_zero() {
        return Err(EngineError::TooFast {
            speed,
            step: step_seconds,
        });
    }
    let rt = Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| EngineError::Runtime(e.to_string()))?;
    let local = LocalSet::new();
    local.block_on(&rt, async {
        let real = Real {
            origin: tokio::time::Instant::now(),
            tick_nanos: tick.as_nanos(),
        };
        make(real).await;
    });
    // Tasks still waiting (a detached release) go with the set, before the model is read.
    drop(local);
    Ok(())
}

fn steps_to_duration(steps: u64, tick_nanos: u128) -> Duration {
    let nanos = steps as u128 * tick_nanos;
    match u64::try_from(nanos) {
        Ok(nanos) => Duration::from_nanos(nanos),
        Err(_) => Duration::new(
            (nanos / 1_000_000_000) as u64,
            (nanos % 1_000_000_000) as u32,
        ),
    }
}
