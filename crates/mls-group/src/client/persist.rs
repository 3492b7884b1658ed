//! A client in a [`Store`]: its identity, its published key packages with their private keys
//! (until a Welcome uses them up), and its external PSKs, so that a client restarted from
//! the store alone can still join from a Welcome for a key package published before.
//!
//! | key | record | rewritten |
//! |---|---|---|
//! | `Ci` | suite, credential, signature key (the private one if the client holds it), application id, custom proposal types, external PSKs | when it changed |
//! | `Ck` reference | one key package with its init and leaf private keys (§10) | once; deleted when used up or forgotten |

use std::collections::BTreeSet;
use std::sync::Arc;

use mls_codec::{
    CipherSuite, Credential, Decode, KeyPackage, ProposalType, Reader, SecretWriter, VarBytes,
    decode_vector,
};
use mls_crypto::{CryptoProvider, HpkePrivateKey, Secret, SignaturePrivateKey, Signer};
use mls_storage::Batch;

use super::{Client, signer_for};
use crate::group::{decode_keyed_secrets, encode_keyed_secrets};
use crate::store::payload;
use crate::{Group, GroupConfig, GroupError, KeyPackageBundle, Store};

const IDENTITY: &[u8] = b"Ci";
const KEY_PACKAGES: &[u8] = b"Ck";

/// What the store holds of a client, as of its last successful [`Client::persist`].
#[derive(Debug)]
pub(super) struct PersistedClient {
    /// The store written to ([`Store::id`]): another store gets everything.
    store: u64,
    /// The references of the stored key packages.
    key_packages: BTreeSet<Vec<u8>>,
    /// The hash of the identity record.
    identity_hash: Vec<u8>,
}

fn key_package_key(reference: &[u8]) -> Vec<u8> {
    [KEY_PACKAGES, reference].concat()
}

impl Client {
    /// Writes the client to `store`, in one atomic batch: the first time everything, then
    /// what changed (new key packages, used-up ones deleted, a changed identity record).
    /// Call it after publishing key packages, so that a key package handed out survives a
    /// restart; after joining a group, write the client and the group together with
    /// [`Client::persist_with`]. Returns how many bytes of keys and values the batch put.
    ///
    /// The client's signature private key is stored when the client holds it
    /// ([`Client::new`], [`Client::with_signature_key`]); a client made
    /// [`Client::with_signer`] stores only the public key, and is opened with
    /// [`Client::open_with_signer`].
    pub fn persist(&mut self, store: &Store) -> Result<usize, GroupError> {
        self.persist_with(store, &mut [])
    }

    /// Writes the client and `groups` to `store` in one atomic batch (as [`Client::persist`]
    /// and [`Group::persist`] each would): after a join, the used-up key package is deleted
    /// in the same transaction that stores the group, so that a crash leaves either the key
    /// package and no group or the group and no key package, never both (the join consumed
    /// its private keys, which must not outlive it: §9.2, §16.8) nor neither.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use mls_crypto_rustcrypto::RustCryptoProvider;
    /// # use mls_group::{Client, Store};
    /// # use mls_storage::MemoryStorage;
    /// # let provider = Arc::new(RustCryptoProvider::new());
    /// # let suite = mls_codec::CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519;
    /// # let alice = Client::new(provider.clone(), suite, b"alice")?;
    /// let store = Store::new(Arc::new(MemoryStorage::new()), provider.clone(), suite);
    /// let mut bob = Client::new(provider.clone(), suite, b"bob")?;
    /// let key_package = bob.key_package()?;
    /// bob.persist(&store)?; // the key package's private keys survive a restart
    ///
    /// let mut group = alice.create_group(b"group")?;
    /// let welcome = group.add_members(&[key_package])?.welcome.expect("a Welcome");
    /// group.merge_pending_commit()?;
    ///
    /// let mut joined = bob.join(&welcome, None)?;
    /// bob.persist_with(&store, &mut [&mut joined])?; // the group in, the key package out
    /// # Ok::<(), mls_group::GroupError>(())
    /// ```
    pub fn persist_with(
        &mut self,
        store: &Store,
        groups: &mut [&mut Group],
    ) -> Result<usize, GroupError> {
        let mut batch = Batch::new();
        let client = self.stage(store, &mut batch)?;
        let staged = groups
            .iter()
            .map(|group| group.stage(store, &mut batch))
            .collect::<Result<Vec<_>, _>>()?;
        store.write(&batch)?;
        self.persisted = Some(client);
        for (group, persisted) in groups.iter_mut().zip(staged) {
            group.mark_persisted(persisted);
        }
        Ok(batch.bytes_put())
    }

    /// Puts in `batch` what [`Client::persist`] writes; returns what the store will hold once
    /// the batch is written.
    fn stage(&self, store: &Store, batch: &mut Batch) -> Result<PersistedClient, GroupError> {
        let identity = payload(|out| self.encode_identity(out))?;
        let identity_hash = self.provider.suite(store.cipher_suite())?.hash(&identity);
        let stored = self
            .persisted
            .as_ref()
            .filter(|stored| stored.store == store.id());
        if stored.is_none() {
            batch.delete_prefix(KEY_PACKAGES);
        }
        if stored.is_none_or(|stored| stored.identity_hash != identity_hash) {
            store.put(batch, IDENTITY, &identity)?;
        }
        for (reference, bundle) in &self.key_packages {
            if stored.is_none_or(|stored| !stored.key_packages.contains(reference)) {
                let record = payload(|out| encode_bundle(bundle, out))?;
                store.put(batch, &key_package_key(reference), &record)?;
            }
        }
        if let Some(stored) = stored {
            stored
                .key_packages
                .iter()
                .filter(|reference| !self.key_packages.contains_key(*reference))
                .for_each(|reference| batch.delete(&key_package_key(reference)));
        }
        Ok(PersistedClient {
            store: store.id(),
            key_packages: self.key_packages.keys().cloned().collect(),
            identity_hash,
        })
    }

    /// Restores a client from `store` alone: its signature private key is in the store. A
    /// client that stored only its public key fails with [`GroupError::InvalidSavedState`]:
    /// open it with [`Client::open_with_signer`]. The groups it creates or joins get the
    /// default [`GroupConfig`] until [`Client::set_config`].
    pub fn open(store: &Store, provider: Arc<dyn CryptoProvider>) -> Result<Self, GroupError> {
        Self::open_inner(store, provider, None)
    }

    /// Restores a client from `store`, with `signer` for its signature key (held elsewhere).
    /// Fails if `signer`'s public key is not the stored client's.
    pub fn open_with_signer(
        store: &Store,
        provider: Arc<dyn CryptoProvider>,
        signer: Arc<dyn Signer>,
    ) -> Result<Self, GroupError> {
        Self::open_inner(store, provider, Some(signer))
    }

    /// Opens one of this client's groups from `store` ([`Group::open`]) with the client's
    /// provider, signer and configuration.
    pub fn open_group(&self, store: &Store, group_id: &[u8]) -> Result<Group, GroupError> {
        Group::open(
            store,
            group_id,
            Arc::clone(&self.provider),
            Arc::clone(&self.signer),
            self.config.clone(),
        )
    }

    fn open_inner(
        store: &Store,
        provider: Arc<dyn CryptoProvider>,
        signer: Option<Arc<dyn Signer>>,
    ) -> Result<Self, GroupError> {
        let identity = store
            .get(IDENTITY, "client identity")?
            .ok_or(GroupError::ClientNotStored)?;
        let mut reader = Reader::new(&identity);
        let cipher_suite = CipherSuite::decode(&mut reader)?;
        let credential = Credential::decode(&mut reader)?;
        let public_key = VarBytes::decode(&mut reader)?;
        let private_key = match u8::decode(&mut reader)? {
            0 => None,
            1 => Some(SignaturePrivateKey::new(
                VarBytes::decode(&mut reader)?.into_vec(),
            )),
            flag => return Err(mls_codec::CodecError::InvalidOptionalFlag(flag).into()),
        };
        let application_id = match u8::decode(&mut reader)? {
            0 => None,
            1 => Some(VarBytes::decode(&mut reader)?.into_vec()),
            flag => return Err(mls_codec::CodecError::InvalidOptionalFlag(flag).into()),
        };
        let custom_proposal_types = decode_vector(&mut reader, ProposalType::decode)?;
        let external_psks = decode_keyed_secrets(&mut reader, Secret::new)?;
        reader.finish()?;

        let (signer, private_key) = match (signer, private_key) {
            (Some(signer), _) => (signer, None),
            (None, Some(key)) => (signer_for(&*provider, cipher_suite, &key)?, Some(key)),
            (None, None) => {
                return Err(GroupError::InvalidSavedState(
                    "the client's signature key is held elsewhere: open it with a signer",
                ));
            }
        };
        if signer.public_key() != public_key.as_slice() {
            return Err(GroupError::InvalidSavedState(
                "the signer's key is not the stored client's",
            ));
        }
        let mut client = Self::with_signer(provider, cipher_suite, credential, signer)?;
        client.signature_private_key = private_key;
        client.application_id = application_id;
        client.custom_proposal_types = custom_proposal_types;
        client.external_psks = external_psks;
        client.config = GroupConfig::default();
        let suite = client.provider.suite(cipher_suite)?;
        for (key, record) in store.scan(KEY_PACKAGES, "key package")? {
            let bundle = decode_bundle(&record)?;
            let reference = reference_of(suite, &bundle.key_package)?;
            if key.get(KEY_PACKAGES.len()..) != Some(reference.as_slice()) {
                return Err(GroupError::InvalidSavedState(
                    "a key package stored under another reference",
                ));
            }
            client.key_packages.insert(reference, bundle);
        }
        client.persisted = Some(PersistedClient {
            store: store.id(),
            key_packages: client.key_packages.keys().cloned().collect(),
            identity_hash: client.provider.suite(store.cipher_suite())?.hash(&identity),
        });
        Ok(client)
    }

    fn encode_identity(&self, out: &mut SecretWriter) -> Result<(), GroupError> {
        out.put_wire(&self.cipher_suite)?;
        out.put_wire(&self.credential)?;
        out.put_opaque(self.signer.public_key())?;
        out.put_optional(self.signature_private_key.as_ref(), |key, out| {
            out.put_opaque(key.as_bytes())
        })?;
        out.put_optional(self.application_id.as_ref(), |id, out| out.put_opaque(id))?;
        out.put_vector(|out| {
            self.custom_proposal_types
                .iter()
                .try_for_each(|proposal_type| out.put_wire(proposal_type))
        })?;
        encode_keyed_secrets(&self.external_psks, Secret::as_bytes, out)?;
        Ok(())
    }
}

fn reference_of(
    suite: &dyn mls_crypto::CipherSuiteProvider,
    key_package: &KeyPackage,
) -> Result<Vec<u8>, GroupError> {
    Ok(crate::key_package::key_package_ref(suite, key_package)?.into_vec())
}

fn encode_bundle(bundle: &KeyPackageBundle, out: &mut SecretWriter) -> Result<(), GroupError> {
    out.put_wire(&bundle.key_package)?;
    out.put_opaque(bundle.init_private_key.as_bytes())?;
    out.put_opaque(bundle.encryption_private_key.as_bytes())?;
    Ok(())
}

fn decode_bundle(record: &[u8]) -> Result<KeyPackageBundle, GroupError> {
    let mut reader = Reader::new(record);
    let key_package = KeyPackage::decode(&mut reader)?;
    let init_private_key = HpkePrivateKey::new(VarBytes::decode(&mut reader)?.into_vec());
    let encryption_private_key = HpkePrivateKey::new(VarBytes::decode(&mut reader)?.into_vec());
    reader.finish()?;
    Ok(KeyPackageBundle::new(
        key_package,
        init_private_key,
        encryption_private_key,
    ))
}
