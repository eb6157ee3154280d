//! The katib-db-manager gRPC API (`api.v1.beta1.DBManager`), generated at build time from
//! `proto/katib_db_manager.proto`: the client kfdash calls, and the server the sandbox runs.

#![allow(clippy::all, clippy::pedantic, missing_docs)]

tonic::include_proto!("api.v1.beta1");
