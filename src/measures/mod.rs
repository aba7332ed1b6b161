//! CRP measures: how a program compares with the collaborative, without identifying
//! anyone.
//!
//! The measures are computed from the structured fields of contributed, non-withdrawn
//! cases ([`CaseFacts`], kept by the store in `case_facts`), never from free text. The
//! flow is one pure function, [`build`]: facts of the selection → [`tally::Tally`] by
//! population (your organization, the rest of the collaborative, the collaborative) and
//! period (the whole selection, each quarter of contribution, each event year) → one
//! [`suppress::Grid`] of every count with the relations between them → small-cell
//! suppression for everyone but curators → the [`MeasuresReport`]'s tables. The page,
//! the JSON API, the CSV ([`csv`]), the charts ([`chart`]) and the board report
//! ([`board`]) all print those tables, so each shows exactly what the others show.
//!
//! Each formula is written once, in [`definitions`].

pub mod board;
pub mod chart;
pub mod csv;
pub mod definitions;
pub mod facts;
pub mod query;
pub mod release;
pub mod report;
pub mod suppress;
pub mod tally;

#[cfg(test)]
mod tests;

pub use definitions::{Definition, DEFINITIONS, SUPPRESSION_NOTE};
pub use facts::{ActionCounts, CaseFacts};
pub use query::{MeasuresQuery, Quarter, QueryError};
pub use release::{Release, Slice};
pub use report::{answer, build, Audience, Figure, MeasuresReport, Row, Table};
pub use suppress::MIN_CELL;
