//! Where a member's MLS state lives between two operations: the backend trait of the group
//! engine's durable state, and an in-memory backend.
//!
//! A backend is an ordered key-value store of byte strings with atomic batches: [`Storage`].
//! It knows nothing of MLS. The group engine (`mls-group`) decides what the keys and values
//! are, writes only what an operation changed, and puts every value in an envelope that
//! carries its format version and a check (a hash, or an AEAD under the application's key), so
//! that a backend cannot misread or silently corrupt state. A new backend (a platform key
//! store, an embedded database, a server's table) implements four methods and gets all of
//! that for free.
//!
//! The durable backend is `mls-storage-sqlite`; [`MemoryStorage`] serves tests and short-lived
//! clients.
//!
//! ```
//! use mls_storage::{Batch, MemoryStorage, Storage};
//!
//! let storage = MemoryStorage::new();
//! let mut batch = Batch::new();
//! batch.put(b"group/1/node/0", b"leaf".to_vec());
//! batch.put(b"group/1/node/2", b"other".to_vec());
//! batch.put(b"group/2/node/0", b"elsewhere".to_vec());
//! storage.write(&batch)?;
//!
//! assert_eq!(storage.get(b"group/1/node/0")?.as_deref(), Some(&b"leaf".to_vec()));
//! assert_eq!(storage.scan(b"group/1/")?.len(), 2);
//!
//! // A batch is applied whole, in order, or not at all.
//! let mut batch = Batch::new();
//! batch.delete_prefix(b"group/1/");
//! batch.put(b"group/1/node/0", b"new".to_vec());
//! storage.write(&batch)?;
//! assert_eq!(storage.scan(b"group/1/")?.len(), 1);
//! # Ok::<(), mls_storage::StorageError>(())
//! ```
#![forbid(unsafe_code)]

mod memory;

pub use memory::MemoryStorage;
pub use zeroize::Zeroizing;

/// A stored entry: its key and its value (wiped when dropped).
pub type Entry = (Vec<u8>, Zeroizing<Vec<u8>>);

/// An ordered key-value store with atomic batches: the backend of a client's durable state.
///
/// Keys are compared as byte strings. Values hold secrets (sealed when the application gave
/// the engine an at-rest key, but only checked by a hash otherwise), so a backend should not
/// copy them further than it must.
///
/// A backend must make each [`Storage::write`] atomic and durable before it returns: after a
/// crash at any point, a later reader sees either none of the batch or all of it. Reads must
/// see every write that returned.
pub trait Storage: Send + Sync {
    /// The value stored under `key`, if any.
    fn get(&self, key: &[u8]) -> Result<Option<Zeroizing<Vec<u8>>>, StorageError>;

    /// Every entry whose key starts with `prefix`, in ascending key order.
    fn scan(&self, prefix: &[u8]) -> Result<Vec<Entry>, StorageError>;

    /// Applies every write of `batch`, in order, as one atomic transaction.
    fn write(&self, batch: &Batch) -> Result<(), StorageError>;
}

/// One change in a [`Batch`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Write {
    /// Stores `value` under `key`, replacing any value there.
    Put {
        /// The key.
        key: Vec<u8>,
        /// The value, wiped when the batch is dropped.
        value: Zeroizing<Vec<u8>>,
    },
    /// Removes the value under `key`, if any.
    Delete {
        /// The key.
        key: Vec<u8>,
    },
    /// Removes every value whose key starts with `prefix`.
    DeletePrefix {
        /// The prefix.
        prefix: Vec<u8>,
    },
}

/// Writes applied together by [`Storage::write`], in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    writes: Vec<Write>,
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a [`Write::Put`].
    pub fn put(&mut self, key: &[u8], value: impl Into<Zeroizing<Vec<u8>>>) {
        self.writes.push(Write::Put {
            key: key.to_vec(),
            value: value.into(),
        });
    }

    /// Adds a [`Write::Delete`].
    pub fn delete(&mut self, key: &[u8]) {
        self.writes.push(Write::Delete { key: key.to_vec() });
    }

    /// Adds a [`Write::DeletePrefix`].
    pub fn delete_prefix(&mut self, prefix: &[u8]) {
        self.writes.push(Write::DeletePrefix {
            prefix: prefix.to_vec(),
        });
    }

    /// The writes, in order.
    pub fn writes(&self) -> &[Write] {
        &self.writes
    }

    /// Whether the batch has no write.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// How many bytes of keys and values the batch puts.
    pub fn bytes_put(&self) -> usize {
        self.writes
            .iter()
            .map(|write| match write {
                Write::Put { key, value } => key.len() + value.len(),
                Write::Delete { .. } | Write::DeletePrefix { .. } => 0,
            })
            .sum()
    }

    /// Moves the writes of `other` to the end of this batch.
    pub fn append(&mut self, other: &mut Batch) {
        self.writes.append(&mut other.writes);
    }
}

/// The end of the key range that starts with `prefix`: the smallest key greater than every
/// key with that prefix, or `None` if there is none (the prefix is empty or all `0xff`).
/// Backends with range queries use it to turn a prefix into `prefix <= key < end`.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// A backend's failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The backend failed (I/O, a database error, a lock poisoned by a panic elsewhere).
    #[error("storage backend: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StorageError {
    /// Wraps a backend's own error.
    pub fn backend(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_is_the_next_key_after_the_prefix_range() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
        assert_eq!(prefix_end(&[]), None);
    }
}
