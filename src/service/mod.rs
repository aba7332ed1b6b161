//! The rules of the repository, one service per resource. Every entry point (the JSON
//! API, the web pages, the CLI) calls these with the caller's [`Principal`] and typed
//! input; none of them compares roles, scopes by organization, audits a read or shapes a
//! response itself.
//!
//! The services are synchronous: they touch the database, the index and the sealing keys,
//! so an async caller runs them on a blocking thread (`web::block`).

pub mod accounts;
pub mod cases;
pub mod measures;
pub mod members;
pub mod search;
pub mod throttle;

use std::sync::Arc;

use crate::follow::Nudge;
use crate::index::SearchIndex;
use crate::intake::Intake;

pub use accounts::{Account, AccountService, Session};
pub use cases::{
    CaseDetail, CaseService, LineOutcome, LineResult, ListQuery, ManualRedaction, Submitted,
};
pub use measures::MeasuresService;
pub use members::MembersService;
pub use search::SearchService;

/// Every service, wired once by [`crate::app::App`]; cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub cases: CaseService,
    pub discussions: crate::discussion::DiscussionService,
    pub search: SearchService,
    pub accounts: AccountService,
    pub measures: MeasuresService,
    pub members: MembersService,
}

impl Services {
    /// Wires the services over one intake, one index and the follower's nudge.
    pub fn new(intake: Intake, index: Arc<SearchIndex>, nudge: Nudge) -> Self {
        Services {
            cases: CaseService {
                intake: intake.clone(),
                nudge: nudge.clone(),
            },
            discussions: crate::discussion::DiscussionService::new(intake.clone(), nudge.clone()),
            search: SearchService {
                intake: intake.clone(),
                index,
            },
            measures: MeasuresService::new(intake.clone()),
            accounts: AccountService::new(intake.clone()),
            members: MembersService { intake },
        }
    }
}
