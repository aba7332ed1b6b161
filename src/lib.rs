//! safetable: the repository behind a Patient Safety Organization's safe tables.
//!
//! A closed Communication-and-Resolution-Program case takes one path: it is validated
//! ([`case`]), turned into a non-identifiable shared view by a pure pipeline
//! ([`redaction`]), its original sealed with `age` to the custodians ([`seal`]), stored with
//! an audit entry ([`store`], [`audit`]) by the [`repository`], reviewed and published by PSO
//! curators, indexed ([`index`], kept current by [`follow`]) and found by peers through the
//! web API ([`web`]).
#![forbid(unsafe_code)]

pub mod app;
pub mod audit;
pub mod auth;
pub mod case;
pub mod cli;
pub mod config;
pub mod demo;
pub mod discussion;
pub mod error;
pub mod follow;
pub mod index;
pub mod intake;
pub mod measures;
pub mod params;
pub mod pdf;
pub mod redaction;
pub mod seal;
pub mod service;
pub mod setup;
pub mod store;
pub mod telemetry;
pub mod web;
