#![recursion_limit = "256"]
//! The kfdash server: configuration, identity, security layers and the one router assembly.
//! `main.rs` only parses flags and serves what `router::build` returns.

pub mod cluster;
pub mod config;
pub mod identity;
pub mod katib;
pub mod katib_grpc;
pub mod kfp;
pub mod observability;
pub mod router;
pub mod sandbox;
pub mod security;
pub mod uploads;
pub mod watch;

/// mimalloc rather than glibc's malloc: parsing a list of 10,000 trials is millions of small
/// allocations made and freed across runtime threads, which glibc served by growing and
/// consolidating per-thread heaps (half the profile of that request). Set here, not in
/// `main.rs`, so every binary linking the server (kfdash, the benchmarks, the tests) runs on
/// the allocator production runs on, and the benchmarks measure what ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
