//! Shared by the router-level test files.

/// Leptos keeps process-wide reactive state that assumes one Tokio runtime per process, as in
/// production (400 concurrent page loads on the real binary: no stall). Each `#[tokio::test]`
/// has its own runtime, and renders on several at once can wait forever for a wake-up that
/// goes to another runtime (8 of 25 parallel runs of tests/http.rs hung; 0 of 25 serial).
/// So router-level tests take turns; the lock is a Tokio mutex, which works across runtimes.
pub static ONE_RUNTIME_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub type Turn = tokio::sync::MutexGuard<'static, ()>;

pub async fn turn() -> Turn {
    ONE_RUNTIME_AT_A_TIME.lock().await
}
