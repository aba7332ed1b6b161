//! The composition root: [`App::build`] opens everything a server needs from the
//! settings (store, rules, keys, index, follower) and wires the services, once, for
//! `serve`, `demo` and the tests; [`App::intake_only`] does the part that commands which
//! never search (`import`, `reredact`) need.

use std::sync::Arc;
use std::time::Duration;

use crate::config::Settings;
use crate::follow::Follower;
use crate::index::{IndexSettings, SearchError, SearchIndex};
use crate::intake::{Intake, OpenError};
use crate::service::Services;

/// How often a server looks at the change log for publications made elsewhere.
pub const FOLLOW_INTERVAL: Duration = Duration::from_millis(500);

/// A running application: its services and the index follower behind them.
pub struct App {
    pub intake: Intake,
    pub index: Arc<SearchIndex>,
    pub services: Services,
    follower: Option<Follower>,
}

impl App {
    /// Opens the intake (store, rules, recipients, pseudonym key), the search index and
    /// its follower, and wires the services.
    pub fn build(settings: &Settings) -> Result<App, OpenError> {
        Self::build_with(settings, FOLLOW_INTERVAL)
    }

    /// [`App::build`] with another follow interval (tests use a short one).
    pub fn build_with(settings: &Settings, follow_every: Duration) -> Result<App, OpenError> {
        let intake = Intake::open(settings)?;
        let index = Arc::new(open_index(settings)?);
        let follower = Follower::spawn(intake.store.clone(), index.clone(), follow_every);
        let services = Services::new(intake.clone(), index.clone(), follower.nudger());
        Ok(App {
            intake,
            index,
            services,
            follower: Some(follower),
        })
    }

    /// The intake alone, for commands that store cases but never search.
    pub fn intake_only(settings: &Settings) -> Result<Intake, OpenError> {
        Intake::open(settings)
    }

    /// Stops the follower and waits for it.
    pub fn stop(mut self) {
        if let Some(f) = self.follower.take() {
            f.stop();
        }
    }
}

/// Opens (or creates) the search index of the data directory. An index held by another
/// process (a running `serve`) is an error that says what to do.
pub fn open_index(settings: &Settings) -> Result<SearchIndex, OpenError> {
    let dir = &settings.index_dir;
    crate::setup::create_private_dir(dir)
        .map_err(|e| OpenError(format!("{}: {e}", dir.display())))?;
    SearchIndex::open(dir, &IndexSettings::embedded()).map_err(|e| match e {
        SearchError::Index(tantivy::TantivyError::LockFailure(..)) => OpenError(format!(
            "the search index in {} is in use by another safetable process (a running `serve`): \
             stop that server first; a running server keeps its index up to date by itself",
            dir.display()
        )),
        other => OpenError(format!("{}: {other}", dir.display())),
    })
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(f) = self.follower.take() {
            f.stop();
        }
    }
}
