//! Integration tests: the real application over HTTP, each test on a fresh database,
//! once on SQLite and once on PostgreSQL.

mod helpers;

mod authz;
mod bad_input;
mod browser;
mod canary;
mod cli;
mod cluster;
#[cfg(unix)]
mod confidentiality;
#[cfg(unix)]
mod messages;
mod search;
mod workflow;
