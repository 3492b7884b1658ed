//! A durable [`Storage`] backend: the MLS group engine's state in an embedded SQLite database.
//!
//! [`SqliteStorage`] keeps every entry in one table, `mls_records`, keyed by the byte string
//! the engine chose, and applies each [`Batch`] as one SQLite transaction. SQLite is compiled
//! into the crate: no system library is needed.
//!
//! A file is opened in write-ahead-log mode, so readers do not block the writer, and with a
//! busy timeout, so that two handles (or two processes) on the same file wait for each other
//! instead of failing at once. By default ([`Durability::Full`]) a write has reached the disk
//! when [`Storage::write`] returns.
//!
//! ```
//! use mls_storage::{Batch, Storage};
//! use mls_storage_sqlite::SqliteStorage;
//!
//! let dir = std::env::temp_dir().join(format!("mls-storage-sqlite-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).map_err(mls_storage::StorageError::backend)?;
//! let path = dir.join("state.db");
//!
//! let storage = SqliteStorage::open(&path)?;
//! let mut batch = Batch::new();
//! batch.put(b"group/1/node/0", b"leaf".to_vec());
//! batch.put(b"group/1/node/2", b"other".to_vec());
//! storage.write(&batch)?;
//! drop(storage);
//!
//! // The state outlives the handle.
//! let storage = SqliteStorage::open(&path)?;
//! assert_eq!(storage.get(b"group/1/node/0")?.as_deref(), Some(&b"leaf".to_vec()));
//! assert_eq!(storage.scan(b"group/1/")?.len(), 2);
//! # drop(storage);
//! # std::fs::remove_dir_all(&dir).map_err(mls_storage::StorageError::backend)?;
//! # Ok::<(), mls_storage::StorageError>(())
//! ```
#![forbid(unsafe_code)]

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use mls_storage::{Batch, Entry, Storage, StorageError, Write, Zeroizing, prefix_end};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// The version of the SQL schema this crate creates and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// How long a handle waits for another one's lock on the database before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How hard SQLite works to keep a write that returned: its `PRAGMA synchronous`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// `synchronous = FULL`: every write reaches the disk before [`Storage::write`] returns,
    /// as the [`Storage`] contract requires.
    #[default]
    Full,
    /// `synchronous = NORMAL`: the log is synced only at checkpoints, so a power loss or an
    /// operating system crash may lose the last writes that returned (never part of one, and
    /// never the database). A crash of the application alone loses nothing. Faster, but only
    /// for state the application can afford to roll back: MLS state that goes back in time
    /// may reuse a secret or miss an epoch.
    Normal,
}

impl Durability {
    fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

/// A [`Storage`] in a SQLite database: a file, or memory for tests.
///
/// The connection is behind a lock, so a handle serves one call at a time; open several
/// handles on the same file for concurrent readers. Values are wiped from this crate's
/// buffers when dropped, but SQLite's page cache and the file itself hold them as written:
/// give the engine an at-rest key if the disk is not trusted. Deleted entries are overwritten
/// on disk (`PRAGMA secure_delete`).
#[derive(Debug)]
pub struct SqliteStorage {
    connection: Mutex<Connection>,
}

impl SqliteStorage {
    /// Opens the database at `path`, creating it if there is none, with [`Durability::Full`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        Self::open_with(path, Durability::default())
    }

    /// Opens the database at `path`, creating it if there is none, with the given durability.
    ///
    /// Fails if the file is not a SQLite database, or if its schema is newer than
    /// [`SCHEMA_VERSION`].
    pub fn open_with(path: impl AsRef<Path>, durability: Durability) -> Result<Self, StorageError> {
        let connection = Connection::open(path).map_err(StorageError::backend)?;
        connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(StorageError::backend)?;
        // The first statement reads the file: this is where one that is not a database fails.
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(StorageError::backend)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StorageError::Backend(
                format!("the database refused write-ahead logging (journal mode {mode})").into(),
            ));
        }
        connection
            .execute_batch(&format!("PRAGMA synchronous = {}", durability.pragma()))
            .map_err(StorageError::backend)?;
        Self::init(connection)
    }

    /// A database in memory, empty, gone when the handle is dropped: for tests.
    pub fn open_in_memory() -> Result<Self, StorageError> {
        Self::init(Connection::open_in_memory().map_err(StorageError::backend)?)
    }

    /// Sets the options common to files and memory, then creates the schema if the database
    /// has none and checks its version otherwise.
    fn init(mut connection: Connection) -> Result<Self, StorageError> {
        connection
            .execute_batch("PRAGMA secure_delete = ON")
            .map_err(StorageError::backend)?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StorageError::backend)?;
        transaction
            .execute_batch("CREATE TABLE IF NOT EXISTS mls_schema (version INTEGER NOT NULL)")
            .map_err(StorageError::backend)?;
        let found: Option<i64> = transaction
            .query_row("SELECT max(version) FROM mls_schema", [], |row| row.get(0))
            .map_err(StorageError::backend)?;
        match found {
            Some(version) if version > SCHEMA_VERSION => {
                return Err(StorageError::Backend(
                    format!(
                        "the database has schema version {version}, newer than version \
                         {SCHEMA_VERSION}, the newest this mls-storage-sqlite knows: \
                         open it with a newer release"
                    )
                    .into(),
                ));
            }
            Some(_) => {}
            None => {
                transaction
                    .execute(
                        "INSERT INTO mls_schema (version) VALUES (?1)",
                        params![SCHEMA_VERSION],
                    )
                    .map_err(StorageError::backend)?;
            }
        }
        transaction
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS mls_records (
                    key BLOB PRIMARY KEY NOT NULL,
                    value BLOB NOT NULL
                ) WITHOUT ROWID",
            )
            .map_err(StorageError::backend)?;
        transaction.commit().map_err(StorageError::backend)?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StorageError> {
        self.connection.lock().map_err(|_: PoisonError<_>| {
            StorageError::Backend("a caller panicked while holding the database's lock".into())
        })
    }
}

/// Removes every entry whose key starts with `prefix`, through `connection` (a transaction).
fn delete_prefix(connection: &Connection, prefix: &[u8]) -> rusqlite::Result<()> {
    match prefix_end(prefix) {
        Some(end) => connection
            .prepare_cached("DELETE FROM mls_records WHERE key >= ?1 AND key < ?2")?
            .execute(params![prefix, end])?,
        None => connection
            .prepare_cached("DELETE FROM mls_records WHERE key >= ?1")?
            .execute(params![prefix])?,
    };
    Ok(())
}

/// Applies the writes of `batch` in order through `connection` (a transaction).
fn apply(connection: &Connection, batch: &Batch) -> rusqlite::Result<()> {
    for write in batch.writes() {
        match write {
            Write::Put { key, value } => {
                connection
                    .prepare_cached(
                        "INSERT OR REPLACE INTO mls_records (key, value) VALUES (?1, ?2)",
                    )?
                    .execute(params![key, value.as_slice()])?;
            }
            Write::Delete { key } => {
                connection
                    .prepare_cached("DELETE FROM mls_records WHERE key = ?1")?
                    .execute(params![key])?;
            }
            Write::DeletePrefix { prefix } => delete_prefix(connection, prefix)?,
            // A kind of write this backend does not know: refuse the batch, applying none of it.
            _ => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "a kind of write mls-storage-sqlite does not know".into(),
                ));
            }
        }
    }
    Ok(())
}

fn entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    Ok((row.get(0)?, Zeroizing::new(row.get(1)?)))
}

impl Storage for SqliteStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Zeroizing<Vec<u8>>>, StorageError> {
        let connection = self.lock()?;
        let mut statement = connection
            .prepare_cached("SELECT value FROM mls_records WHERE key = ?1")
            .map_err(StorageError::backend)?;
        statement
            .query_row(params![key], |row| row.get(0).map(Zeroizing::new))
            .optional()
            .map_err(StorageError::backend)
    }

    fn scan(&self, prefix: &[u8]) -> Result<Vec<Entry>, StorageError> {
        let connection = self.lock()?;
        let entries = match prefix_end(prefix) {
            Some(end) => connection
                .prepare_cached(
                    "SELECT key, value FROM mls_records WHERE key >= ?1 AND key < ?2 ORDER BY key",
                )
                .and_then(|mut statement| {
                    statement
                        .query_map(params![prefix, end], entry)?
                        .collect::<rusqlite::Result<Vec<Entry>>>()
                }),
            None => connection
                .prepare_cached("SELECT key, value FROM mls_records WHERE key >= ?1 ORDER BY key")
                .and_then(|mut statement| {
                    statement
                        .query_map(params![prefix], entry)?
                        .collect::<rusqlite::Result<Vec<Entry>>>()
                }),
        };
        entries.map_err(StorageError::backend)
    }

    fn write(&self, batch: &Batch) -> Result<(), StorageError> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut connection = self.lock()?;
        // Dropped without a commit (on any error), the transaction rolls back.
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(StorageError::backend)?;
        apply(&transaction, batch).map_err(StorageError::backend)?;
        transaction.commit().map_err(StorageError::backend)
    }
}
