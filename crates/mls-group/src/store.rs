//! A client's durable state in a [`Storage`] backend: how records are named, versioned and
//! protected.
//!
//! Every value the engine stores is a record in an envelope:
//!
//! ```text
//! struct {
//!     uint16 format;        /* RECORD_FORMAT; a later release opens every earlier one */
//!     uint8 protection;     /* 0: hashed, 1: sealed */
//!     select (protection) {
//!         case 0: opaque payload[..]; opaque hash[KDF.Nh];
//!         case 1: opaque nonce[AEAD.Nn]; opaque sealed_payload[..];
//!     };
//! } StoredRecord;
//! ```
//!
//! The hash is `Hash(label || key || format || protection || payload)` with the suite's hash;
//! the seal is the suite's AEAD under a key derived from the application's at-rest key, with
//! the same label, key, format and protection as associated data. Either way the record is
//! bound to the key it is stored under, so that a record moved to another key, a flipped bit
//! or a truncated value is an error ([`GroupError::CorruptRecord`]), never a silently
//! different state. A store with an at-rest key refuses hashed records, so that sealed ones
//! cannot be swapped for forged hashed ones.
//!
//! A hash detects accidents, not an adversary who can write the database: give the store an
//! at-rest key ([`Store::with_at_rest_key`]) where that matters. Neither detects a whole
//! database rolled back to an earlier copy.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mls_codec::{CipherSuite, CodecError, Encode, Reader, SecretWriter};
use mls_crypto::{CipherSuiteProvider, CryptoProvider, Secret, Zeroizing};
use mls_storage::{Batch, Storage};

use crate::GroupError;

/// The format of the records this release writes. A later release must open every earlier
/// format, or refuse it with [`GroupError::UnsupportedRecordFormat`] naming it; never
/// misread it.
pub const RECORD_FORMAT: u16 = 1;

/// The label that binds a record's hash or seal to this use.
const LABEL: &[u8] = b"MLS 1.0 stored record";

/// The label of the key derived from the application's at-rest key.
const SEALING_KEY_LABEL: &[u8] = b"MLS 1.0 at-rest sealing key";

const HASHED: u8 = 0;
const SEALED: u8 = 1;

/// The identity of the next [`Store`] made.
static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(0);

/// A client's durable state: a [`Storage`] backend, the cipher suite whose hash or AEAD
/// protects its records, and the at-rest key, if the application gave one.
///
/// ```
/// use std::sync::Arc;
/// use mls_codec::CipherSuite;
/// use mls_crypto::Secret;
/// use mls_crypto_rustcrypto::RustCryptoProvider;
/// use mls_group::Store;
/// use mls_storage::MemoryStorage;
///
/// let provider = Arc::new(RustCryptoProvider::new());
/// let suite = CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
/// // Records checked by a hash only:
/// let store = Store::new(Arc::new(MemoryStorage::new()), provider.clone(), suite);
/// // Records sealed with the suite's AEAD under a key from the platform's key store:
/// let key = Secret::new(vec![7; 32]);
/// let sealed = Store::with_at_rest_key(Arc::new(MemoryStorage::new()), provider, suite, &key)?;
/// # Ok::<(), mls_group::GroupError>(())
/// ```
///
/// Writes are incremental per store: a group or client persisted to one `Store` and then to
/// another (another backend, or another `Store` made over the same one) writes everything
/// the first time it meets each; clones of a `Store` are the same store.
#[derive(Clone)]
pub struct Store {
    /// Unique in the process: what a persisted group or client remembers it was written to.
    id: u64,
    backend: Arc<dyn Storage>,
    provider: Arc<dyn CryptoProvider>,
    cipher_suite: CipherSuite,
    sealing_key: Option<Secret>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("cipher_suite", &self.cipher_suite)
            .field("sealed", &self.sealing_key.is_some())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// A store whose records are checked by the suite's hash.
    pub fn new(
        backend: Arc<dyn Storage>,
        provider: Arc<dyn CryptoProvider>,
        cipher_suite: CipherSuite,
    ) -> Self {
        Self {
            id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
            backend,
            provider,
            cipher_suite,
            sealing_key: None,
        }
    }

    /// A store whose records are sealed with the suite's AEAD under a key derived from
    /// `at_rest_key` (at least `KDF.Nh` bytes of secret randomness, such as a key kept by the
    /// platform's key store): the backend sees no secret, and any change to a record is an
    /// error.
    pub fn with_at_rest_key(
        backend: Arc<dyn Storage>,
        provider: Arc<dyn CryptoProvider>,
        cipher_suite: CipherSuite,
        at_rest_key: &Secret,
    ) -> Result<Self, GroupError> {
        let suite = provider.suite(cipher_suite)?;
        let prk = suite.kdf_extract(&[], at_rest_key.as_bytes());
        let sealing_key = suite.kdf_expand(
            prk.as_bytes(),
            SEALING_KEY_LABEL,
            suite.params().aead_key_len(),
        )?;
        Ok(Self {
            sealing_key: Some(sealing_key),
            ..Self::new(backend, provider, cipher_suite)
        })
    }

    /// The cipher suite of the records' protection.
    pub fn cipher_suite(&self) -> CipherSuite {
        self.cipher_suite
    }

    /// This store's identity in the process (see the type's documentation).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    fn suite(&self) -> Result<&dyn CipherSuiteProvider, GroupError> {
        Ok(self.provider.suite(self.cipher_suite)?)
    }

    /// Puts `payload` under `key` in `batch`, in its envelope.
    pub(crate) fn put(
        &self,
        batch: &mut Batch,
        key: &[u8],
        payload: &[u8],
    ) -> Result<(), GroupError> {
        let suite = self.suite()?;
        let mut record = Zeroizing::new(Vec::with_capacity(payload.len() + 64));
        RECORD_FORMAT.encode(&mut record)?;
        match &self.sealing_key {
            None => {
                record.push(HASHED);
                record.extend_from_slice(payload);
                let hash = suite.hash_concat(&[LABEL, key, &record]);
                record.extend_from_slice(&hash);
            }
            Some(sealing_key) => {
                record.push(SEALED);
                let nonce = suite.random_bytes(suite.params().aead_nonce_len())?;
                let aad = [LABEL, key, &record].concat();
                let sealed = suite.aead_seal(sealing_key.as_bytes(), &nonce, &aad, payload)?;
                record.extend_from_slice(&nonce);
                record.extend_from_slice(&sealed);
            }
        }
        batch.put(key, record);
        Ok(())
    }

    /// The payload stored under `key`, checked, if there is a record.
    pub(crate) fn get(
        &self,
        key: &[u8],
        record: &'static str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, GroupError> {
        self.backend
            .get(key)?
            .map(|value| self.open(key, &value, record))
            .transpose()
    }

    /// Every record whose key starts with `prefix`, checked: (key, payload) in key order.
    pub(crate) fn scan(
        &self,
        prefix: &[u8],
        record: &'static str,
    ) -> Result<Vec<mls_storage::Entry>, GroupError> {
        self.backend
            .scan(prefix)?
            .into_iter()
            .map(|(key, value)| {
                let payload = self.open(&key, &value, record)?;
                Ok((key, payload))
            })
            .collect()
    }

    /// Applies `batch` atomically.
    pub(crate) fn write(&self, batch: &Batch) -> Result<(), GroupError> {
        Ok(self.backend.write(batch)?)
    }

    /// Checks a record's envelope and returns its payload.
    fn open(
        &self,
        key: &[u8],
        value: &[u8],
        record: &'static str,
    ) -> Result<Zeroizing<Vec<u8>>, GroupError> {
        let corrupt = |reason| GroupError::CorruptRecord { record, reason };
        let mut reader = Reader::new(value);
        let format = mls_codec::Decode::decode(&mut reader)
            .map_err(|_: CodecError| corrupt("shorter than its header"))?;
        if format != RECORD_FORMAT {
            return Err(GroupError::UnsupportedRecordFormat {
                record,
                found: format,
                supported: RECORD_FORMAT,
            });
        }
        let suite = self.suite()?;
        let (header, body) = value.split_at(3.min(value.len()));
        match (header.get(2), &self.sealing_key) {
            (Some(&HASHED), None) => {
                let split = body
                    .len()
                    .checked_sub(suite.hash_len())
                    .ok_or(corrupt("shorter than its hash"))?;
                let (payload, hash) = body.split_at(split);
                let expected = suite.hash_concat(&[LABEL, key, header, payload]);
                // Not a secret-keyed tag: a plain comparison leaks nothing.
                if expected.as_slice() != hash {
                    return Err(corrupt("its hash does not match"));
                }
                Ok(Zeroizing::new(payload.to_vec()))
            }
            (Some(&SEALED), Some(sealing_key)) => {
                let nonce_len = suite.params().aead_nonce_len();
                if body.len() < nonce_len {
                    return Err(corrupt("shorter than its nonce"));
                }
                let (nonce, sealed) = body.split_at(nonce_len);
                let aad = [LABEL, key, header].concat();
                suite
                    .aead_open(sealing_key.as_bytes(), nonce, &aad, sealed)
                    .map_err(|_| corrupt("it does not open under the at-rest key"))
            }
            (Some(&HASHED), Some(_)) => Err(corrupt(
                "it is not sealed, and the store has an at-rest key",
            )),
            (Some(&SEALED), None) => Err(corrupt(
                "it is sealed, and the store was opened without an at-rest key",
            )),
            _ => Err(corrupt("unknown protection")),
        }
    }
}

/// A record's payload writer: the storage encoding, which wipes what it outgrows.
pub(crate) fn payload(
    write: impl FnOnce(&mut SecretWriter) -> Result<(), GroupError>,
) -> Result<Zeroizing<Vec<u8>>, GroupError> {
    let mut out = SecretWriter::new();
    write(&mut out)?;
    Ok(out.into_bytes())
}
