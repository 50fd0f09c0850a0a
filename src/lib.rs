//! SHAPE: service health from logs.
//!
//! One module per layer of the loop (see DESIGN.md): [`ingest`] reads sources into
//! [`storage`] (Parquet tables with line-level lineage), [`catalog`] builds the one
//! `SessionContext` every consumer uses, [`slo`] measures SLOs with it, [`server`] serves it
//! over the PostgreSQL wire protocol, [`query`] runs SQL for the CLI, [`heal`] acts on
//! breaches, verifies and records, [`generate`] makes the
//! shared test, demo and benchmark data, and [`demo`] shows the loop end to end.

/// Stack size of every thread that plans or runs queries. SHAPE's views stack deep
/// (root_cause_candidates over anomalies over slo_windows over ...) and DataFusion plans and
/// optimizes them recursively: the 2 MiB default of tokio's workers overflows, which would
/// abort the whole process, server included.
pub const THREAD_STACK_BYTES: usize = 16 * 1024 * 1024;

pub mod catalog;
pub mod config;
pub mod demo;
pub mod detect;
pub mod generate;
pub mod heal;
pub mod ingest;
pub mod query;
pub mod run;
pub mod server;
pub mod slo;
pub mod storage;
