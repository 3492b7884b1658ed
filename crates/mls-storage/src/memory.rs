//! A [`Storage`] in memory, for tests and clients whose state need not outlive the process.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard, PoisonError};

use zeroize::Zeroizing;

use crate::{Batch, Entry, Storage, StorageError, Write, prefix_end};

type Entries = BTreeMap<Vec<u8>, Zeroizing<Vec<u8>>>;

/// A [`Storage`] in a map behind a lock. Its values are wiped when replaced or dropped.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    entries: Mutex<Entries>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many entries are stored.
    pub fn len(&self) -> Result<usize, StorageError> {
        Ok(self.lock()?.len())
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> Result<bool, StorageError> {
        Ok(self.lock()?.is_empty())
    }

    /// Replaces the value under `key` without any check, as a damaged disk would: for tests
    /// of how the engine reports corrupted state.
    pub fn tamper(&self, key: &[u8], value: Vec<u8>) -> Result<(), StorageError> {
        self.lock()?.insert(key.to_vec(), Zeroizing::new(value));
        Ok(())
    }

    fn lock(&self) -> Result<MutexGuard<'_, Entries>, StorageError> {
        self.entries.lock().map_err(|_: PoisonError<_>| {
            StorageError::Backend("a writer panicked while holding the store's lock".into())
        })
    }
}

fn range(prefix: &[u8]) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let end = prefix_end(prefix).map_or(Bound::Unbounded, Bound::Excluded);
    (Bound::Included(prefix.to_vec()), end)
}

impl Storage for MemoryStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Zeroizing<Vec<u8>>>, StorageError> {
        Ok(self.lock()?.get(key).cloned())
    }

    fn scan(&self, prefix: &[u8]) -> Result<Vec<Entry>, StorageError> {
        Ok(self
            .lock()?
            .range(range(prefix))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect())
    }

    fn write(&self, batch: &Batch) -> Result<(), StorageError> {
        let mut entries = self.lock()?;
        for write in batch.writes() {
            match write {
                Write::Put { key, value } => {
                    entries.insert(key.clone(), value.clone());
                }
                Write::Delete { key } => {
                    entries.remove(key);
                }
                Write::DeletePrefix { prefix } => {
                    let doomed: Vec<Vec<u8>> = entries
                        .range(range(prefix))
                        .map(|(key, _)| key.clone())
                        .collect();
                    for key in doomed {
                        entries.remove(&key);
                    }
                }
            }
        }
        Ok(())
    }
}
