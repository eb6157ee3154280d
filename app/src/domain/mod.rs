//! Pure logic: no I/O, no signals, unit-tested, compiled natively and to WASM.

pub mod activity;
pub mod links;
pub mod nav;
pub mod theme;
