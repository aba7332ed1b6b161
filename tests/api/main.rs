//! Integration tests: the real application over HTTP, each test on a fresh database,
//! once on SQLite and once on PostgreSQL; the redaction pipeline on its rules, its
//! properties and the labelled corpora. One binary, with its own runner
//! ([`harness`]), so that a test that cannot run is reported as ignored, with why.

mod harness;
mod helpers;

mod authz;
mod bad_input;
mod browser;
mod canary;
mod checkpoints;
mod cli;
mod cluster;
#[cfg(unix)]
mod confidentiality;
mod contract;
mod deid_corpus;
mod discussion_pages;
mod discussions;
mod index_files;
mod keyboard;
mod measures;
#[cfg(unix)]
mod messages;
mod pages;
mod redaction_probe;
mod redaction_props;
mod redaction_rules;
mod search;
mod tokens;
mod workflow;

fn main() -> std::process::ExitCode {
    harness::main()
}
