//! Pure logic: no I/O, no signals, unit-tested, compiled natively and to WASM.

pub mod activity;
pub mod embed;
pub mod experiment_list;
pub mod graph_drawing;
pub mod katib;
pub mod layout;
pub mod links;
pub mod names;
pub mod nav;
pub mod notebook_edit;
pub mod notebook_index;
pub mod notebook_list;
pub mod notebook_status;
pub mod pick;
pub mod pipeline;
pub mod quantity;
pub mod run_params;
pub mod spawner;
pub mod theme;
pub mod trial_table;
