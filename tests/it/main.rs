//! Integration tests: one binary (every test binary links DataFusion, and links are slow).

mod cli;
mod common;
mod compact;
mod crash;
mod dashboard;
mod detect;
mod docs;
mod first_run;
mod formats;
mod heal;
mod heal_memory;
mod heal_repo;
mod hostile;
mod http;
mod incremental;
mod lineage;
mod loghub;
mod notify;
mod openslo;
mod rotation;
mod s3;
mod s3_follow;
mod server;
mod slo;
mod slt;
mod templates;
