//! Integration tests: the real application over HTTP, each test on a fresh database,
//! once on SQLite and once on PostgreSQL.

mod helpers;

mod authz;
mod bad_input;
mod canary;
mod checkpoints;
mod cli;
mod cluster;
#[cfg(unix)]
mod confidentiality;
mod contract;
#[cfg(unix)]
mod messages;
mod search;
mod tokens;
mod workflow;
