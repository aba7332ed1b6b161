//! safetable: the repository behind a Patient Safety Organization's safe tables.
//!
//! A closed Communication-and-Resolution-Program case takes one path: it is validated
//! ([`case`]), turned into a non-identifiable shared view by a pure pipeline
//! ([`redaction`]), its original sealed with `age` to the custodians ([`seal`]), stored with
//! an audit entry ([`store`], [`audit`]), reviewed and published by PSO curators, indexed
//! ([`index`]) and found by peers through the web API ([`web`]).
#![forbid(unsafe_code)]

pub mod case;
pub mod redaction;
pub mod audit;
pub mod auth;
pub mod seal;
pub mod store;
