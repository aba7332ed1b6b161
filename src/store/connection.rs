//! One connection type for both engines, chosen from the URL scheme, and its pool.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::StoreError;

/// A connection to either engine. Only SQL common to both is written against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Which engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed database URL.
#[derive(Clone)]
pub struct DatabaseUrl {
    backend: Backend,
    /// For SQLite the file path; for PostgreSQL the whole URL.
    target: String,
}

impl DatabaseUrl {
    /// `sqlite://PATH` (or `sqlite:PATH`) and `postgres://…`/`postgresql://…`.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(StoreError::Config("sqlite:// needs a file path".into()));
            }
            Ok(DatabaseUrl {
                backend: Backend::Sqlite,
                target: path.to_owned(),
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl {
                backend: Backend::Postgres,
                target: url.to_owned(),
            })
        } else {
            Err(StoreError::Config(
                "the database URL must start with sqlite:// or postgres://".into(),
            ))
        }
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// For SQLite, the database file.
    pub fn sqlite_path(&self) -> Option<&str> {
        (self.backend == Backend::Sqlite).then_some(self.target.as_str())
    }

    /// Opens one connection with the engine's settings applied.
    pub fn connect(&self) -> Result<DbConnection, StoreError> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.target)
                    .map_err(|e| StoreError::Connect(e.to_string()))?;
                // Every pooled connection: wait for writers instead of failing, durable at
                // checkpoints (WAL), and overwrite freed pages so that withdrawn ciphertext
                // does not linger in the file.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
                )?;
                Ok(DbConnection::Sqlite(conn))
            }
            Backend::Postgres => {
                let conn = PgConnection::establish(&self.target)
                    .map_err(|e| StoreError::Connect(e.to_string()))?;
                Ok(DbConnection::Postgres(conn))
            }
        }
    }

    /// Runs the pending migrations of the engine.
    pub fn migrate(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        let result = match conn {
            DbConnection::Sqlite(c) => {
                c.batch_execute("PRAGMA journal_mode = WAL;")?;
                c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ())
            }
            DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        };
        result.map_err(|e| StoreError::Migration(e.to_string()))
    }
}

/// r2d2 manager that builds the right variant from the URL (the derived `establish`
/// guesses, and SQLite accepts any string as a path).
pub struct Manager(pub DatabaseUrl);

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConnection, StoreError> {
        self.0.connect()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok(())
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// The pool type.
pub type Pool = r2d2::Pool<Manager>;

/// Builds a pool of `size` connections.
pub fn pool(url: DatabaseUrl, size: u32) -> Result<Pool, StoreError> {
    r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(30))
        .build(Manager(url))
        .map_err(|e| StoreError::Connect(e.to_string()))
}
