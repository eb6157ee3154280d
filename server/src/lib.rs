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
