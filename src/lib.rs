//! SHAPE: service health from logs.
//!
//! One module per layer of the loop (see ARCHITECTURE.md): [`ingest`] reads sources into
//! [`storage`] (Parquet tables with line-level lineage), [`slo`] measures SLOs, [`detect`]
//! finds anomalies, root causes and fixes, [`server`] serves everything over the PostgreSQL
//! wire protocol, [`heal`] acts on breaches, verifies and records, and [`run`] loops over
//! them; [`maintenance`] expires and compacts old files. [`workspace::Workspace`] is the one
//! way in: it loads [`config`] and builds the `SessionContext` (through [`catalog`]) every
//! consumer uses, planning over [`cluster`] workers when `[cluster]` names them. [`cli`] is the command line
//! over it, [`generate`] makes the test, demo and benchmark data, [`demo`] shows the loop
//! end to end, and [`common`] holds the small helpers every layer shares.

/// Stack size of every thread that plans or runs queries. SHAPE's views stack deep
/// (root_cause_candidates over anomalies over slo_windows over ...) and DataFusion plans and
/// optimizes them recursively: the 2 MiB default of tokio's workers overflows, which would
/// abort the whole process, server included.
pub const THREAD_STACK_BYTES: usize = 16 * 1024 * 1024;

pub(crate) mod catalog;
pub mod cli;
pub mod cluster;
pub(crate) mod common;
pub mod config;
pub(crate) mod demo;
pub mod detect;
pub mod generate;
pub mod heal;
pub mod http;
pub mod ingest;
pub mod maintenance;
pub mod notify;
pub mod query;
pub mod run;
pub mod server;
pub mod slo;
pub mod storage;
pub mod workspace;

pub use workspace::{QueryOptions, Workspace, WorkspaceOptions};
