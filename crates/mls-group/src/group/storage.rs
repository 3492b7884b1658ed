//! Saving and loading a member's state of a group, secrets included (a storage encoding,
//! not an RFC 9420 wire struct).
//!
//! The encoding starts with a magic value and a version so that a future layout can be told
//! apart. It is written into a [`SecretWriter`] (the codec's storage encoding, never the wire
//! [`Encode`]), so no copy of a secret is left behind in memory the buffer outgrew. It holds every secret the member has: store it as carefully as a private key, and
//! replace the stored copy after every operation (a stale copy would hand out message keys
//! again, §9.2).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use mls_codec::{
    CodecError, Decode, Encode, GroupContext, Proposal, ReInit, Reader, SecretWriter, Sender,
    StateDecode, StateEncode, VarBytes, decode_vector,
};
use mls_crypto::{CipherSuiteProvider, CryptoProvider, HpkePrivateKey, Secret, Signer, Zeroizing};
use mls_key_schedule::{EpochSecrets, SecretTree, TranscriptHashes};
use mls_tree::low_level::{ReplacedLeaves, TreeChanges, TreeTransactions};
use mls_tree::{RatchetTree, TreePrivateKeys};

use super::{CachedProposal, Epoch, Group, PastEpoch, PendingCommit};
use crate::{GroupConfig, GroupError};

/// The first bytes of a saved group.
const MAGIC: &[u8; 8] = b"MLSGROUP";
/// The version of the layout below. Versions 1 and 2 kept a whole tree per epoch, version 3
/// had no declined flag on cached proposals and no removal; they are not read any more.
const VERSION: u16 = 4;

impl Group {
    /// The whole state of this member, secrets included, for [`Group::load`]. The bytes are
    /// wiped when dropped.
    pub fn save(&self) -> Result<Zeroizing<Vec<u8>>, GroupError> {
        let mut out = SecretWriter::new();
        self.encode_state(&mut out)?;
        Ok(out.into_bytes())
    }

    fn encode_state(&self, out: &mut SecretWriter) -> Result<(), GroupError> {
        let Self {
            provider: _,
            signer: _,
            config: _,
            tree,
            epoch,
            past_epochs,
            resumption_psks,
            external_psks,
            proposals,
            update_keys,
            pending_commit,
            verifying_keys: _,
            removed_in,
            proposal_authenticated_data: _,
            persisted: _,
        } = self;
        out.put(MAGIC);
        out.put_wire(&VERSION)?;
        out.put_vector(|out| out.put_wire(tree))?;
        encode_epoch(epoch, out)?;
        out.put_vector(|out| {
            past_epochs
                .iter()
                .try_for_each(|past| encode_past(past, out))
        })?;
        encode_resumption_psks(resumption_psks, out)?;
        encode_keyed_secrets(external_psks, Secret::as_bytes, out)?;
        encode_proposals(proposals, out)?;
        encode_keyed_secrets(update_keys, HpkePrivateKey::as_bytes, out)?;
        encode_pending_commit(pending_commit.as_ref(), out)?;
        out.put_optional(removed_in.as_ref(), |epoch, out| out.put_wire(epoch))?;
        Ok(())
    }

    /// Restores a member's state saved by [`Group::save`], with the provider and signer the
    /// application keeps (the signature key is not part of the saved state) and its
    /// configuration. Every part is validated; malformed or inconsistent bytes are an error.
    pub fn load(
        provider: Arc<dyn CryptoProvider>,
        signer: Arc<dyn Signer>,
        config: GroupConfig,
        bytes: &[u8],
    ) -> Result<Self, GroupError> {
        let mut reader = Reader::new(bytes);
        if reader.read_bytes(MAGIC.len())? != MAGIC {
            return Err(GroupError::InvalidSavedState("not a saved group"));
        }
        let version = u16::decode(&mut reader)?;
        if version != VERSION {
            return Err(GroupError::InvalidSavedState(
                "unsupported version (saved by another release of this library)",
            ));
        }
        let mut tree = decode_tree(&mut reader)?;
        let epoch = decode_epoch(&mut reader)?;
        let past_epochs: VecDeque<PastEpoch> = decode_vector(&mut reader, decode_past)?.into();
        let resumption_psks = decode_resumption_psks(&mut reader)?;
        let external_psks = decode_keyed_secrets(&mut reader, Secret::new)?;
        let proposals = decode_proposals(&mut reader)?;
        let update_keys = decode_keyed_secrets(&mut reader, HpkePrivateKey::new)?;
        let pending_commit = decode_pending_commit(&mut reader)?;
        let removed_in = decode_removed_in(&mut reader)?;
        reader.finish()?;
        let suite = provider.suite(epoch.context.cipher_suite)?;
        check_trees(suite, &mut tree, &epoch, pending_commit.as_ref())?;
        Ok(Self {
            provider,
            signer,
            config,
            tree,
            epoch,
            past_epochs,
            resumption_psks,
            external_psks,
            proposals,
            update_keys,
            pending_commit,
            verifying_keys: HashMap::new(),
            removed_in,
            proposal_authenticated_data: Vec::new(),
            persisted: None,
        })
    }
}

/// Checks that `tree` is the tree of `epoch`, and that the tree of our pending commit, if
/// any, is `tree` with the commit's changes replayed (checked on the tree itself, then undone).
pub(super) fn check_trees(
    suite: &dyn CipherSuiteProvider,
    tree: &mut RatchetTree,
    epoch: &Epoch,
    pending_commit: Option<&PendingCommit>,
) -> Result<(), GroupError> {
    check_tree(suite, tree, epoch)?;
    if let Some(pending) = pending_commit {
        tree.begin_changes()?;
        let checked = tree
            .apply_changes(&pending.tree_changes)
            .map_err(GroupError::from)
            .and_then(|_| check_tree(suite, tree, &pending.epoch));
        tree.discard_changes();
        checked?;
    }
    Ok(())
}

/// Checks that `tree` is the tree of `epoch`: its tree hash, and our private keys.
fn check_tree(
    suite: &dyn CipherSuiteProvider,
    tree: &RatchetTree,
    epoch: &Epoch,
) -> Result<(), GroupError> {
    epoch.private_keys.verify(suite, tree)?;
    if tree.tree_hash(suite)? != epoch.context.tree_hash.as_slice() {
        return Err(GroupError::InvalidSavedState(
            "tree does not match its context",
        ));
    }
    Ok(())
}

fn encode_epoch(epoch: &Epoch, out: &mut SecretWriter) -> Result<(), CodecError> {
    let Epoch {
        context,
        context_bytes: _,
        private_keys,
        secrets,
        secret_tree,
        transcript,
        reinit,
    } = epoch;
    out.put_wire(context)?;
    private_keys.encode_state(out)?;
    secrets.encode_state(out)?;
    secret_tree.encode_state(out)?;
    transcript.encode_state(out)?;
    out.put_optional(reinit.as_ref(), |reinit, out| out.put_wire(reinit))
}

fn decode_epoch(reader: &mut Reader<'_>) -> Result<Epoch, GroupError> {
    let context = GroupContext::decode(reader)?;
    Ok(Epoch {
        context_bytes: context.to_bytes()?,
        context,
        private_keys: TreePrivateKeys::decode_state(reader)?,
        secrets: EpochSecrets::decode_state(reader)?,
        secret_tree: SecretTree::decode_state(reader)?,
        transcript: TranscriptHashes::decode_state(reader)?,
        reinit: match u8::decode(reader)? {
            0 => None,
            1 => Some(ReInit::decode(reader)?),
            flag => return Err(CodecError::InvalidOptionalFlag(flag).into()),
        },
    })
}

fn encode_past(past: &PastEpoch, out: &mut SecretWriter) -> Result<(), CodecError> {
    let PastEpoch {
        epoch,
        context_bytes,
        replaced,
        sender_data_secret,
        secret_tree,
    } = past;
    out.put_wire(epoch)?;
    out.put_opaque(context_bytes)?;
    replaced.encode_state(out)?;
    out.put_opaque(sender_data_secret.as_bytes())?;
    secret_tree.encode_state(out)
}

fn decode_past(reader: &mut Reader<'_>) -> Result<PastEpoch, CodecError> {
    Ok(PastEpoch {
        epoch: u64::decode(reader)?,
        context_bytes: VarBytes::decode(reader)?.into_vec(),
        replaced: ReplacedLeaves::decode_state(reader)?,
        sender_data_secret: decode_secret(reader)?,
        secret_tree: SecretTree::decode_state(reader)?,
    })
}

pub(super) fn encode_resumption_psks(
    psks: &VecDeque<(u64, Secret)>,
    out: &mut SecretWriter,
) -> Result<(), CodecError> {
    out.put_vector(|out| {
        psks.iter().try_for_each(|(epoch, psk)| {
            out.put_wire(epoch)?;
            out.put_opaque(psk.as_bytes())
        })
    })
}

pub(super) fn decode_resumption_psks(
    reader: &mut Reader<'_>,
) -> Result<VecDeque<(u64, Secret)>, CodecError> {
    Ok(decode_vector(reader, |r| Ok((u64::decode(r)?, decode_secret(r)?)))?.into())
}

pub(super) fn encode_proposals(
    proposals: &[CachedProposal],
    out: &mut SecretWriter,
) -> Result<(), CodecError> {
    out.put_vector(|out| {
        proposals.iter().try_for_each(|cached| {
            out.put_wire(&cached.reference)?;
            out.put_wire(&cached.sender)?;
            out.put_wire(&cached.proposal)?;
            out.put_wire(&u8::from(cached.declined))
        })
    })
}

pub(super) fn decode_proposals(reader: &mut Reader<'_>) -> Result<Vec<CachedProposal>, CodecError> {
    decode_vector(reader, |r| {
        Ok(CachedProposal {
            reference: VarBytes::decode(r)?,
            sender: Sender::decode(r)?,
            proposal: Proposal::decode(r)?,
            declined: match u8::decode(r)? {
                0 => false,
                1 => true,
                flag => return Err(CodecError::InvalidOptionalFlag(flag)),
            },
        })
    })
}

pub(super) fn encode_pending_commit(
    pending_commit: Option<&PendingCommit>,
    out: &mut SecretWriter,
) -> Result<(), CodecError> {
    out.put_optional(pending_commit, |pending, out| {
        encode_epoch(&pending.epoch, out)?;
        pending.tree_changes.encode_state(out)
    })
}

pub(super) fn decode_pending_commit(
    reader: &mut Reader<'_>,
) -> Result<Option<PendingCommit>, GroupError> {
    match u8::decode(reader)? {
        0 => Ok(None),
        1 => Ok(Some(PendingCommit {
            epoch: decode_epoch(reader)?,
            tree_changes: TreeChanges::decode_state(reader)?,
        })),
        flag => Err(CodecError::InvalidOptionalFlag(flag).into()),
    }
}

pub(super) fn decode_removed_in(reader: &mut Reader<'_>) -> Result<Option<u64>, CodecError> {
    match u8::decode(reader)? {
        0 => Ok(None),
        1 => Ok(Some(u64::decode(reader)?)),
        flag => Err(CodecError::InvalidOptionalFlag(flag)),
    }
}

fn decode_tree(reader: &mut Reader<'_>) -> Result<RatchetTree, GroupError> {
    let body = reader.read_vector_body()?;
    Ok(RatchetTree::from_bytes(body.remaining())?)
}

/// Encodes a map from byte strings (PSK ids, public keys) to secrets, in key order so that
/// the encoding does not depend on the map's iteration order.
pub(crate) fn encode_keyed_secrets<V>(
    map: &HashMap<Vec<u8>, V>,
    secret_bytes: impl Fn(&V) -> &[u8],
    out: &mut SecretWriter,
) -> Result<(), CodecError> {
    let mut entries: Vec<(&Vec<u8>, &V)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    out.put_vector(|out| {
        entries.iter().try_for_each(|(key, secret)| {
            out.put_opaque(key)?;
            out.put_opaque(secret_bytes(secret))
        })
    })
}

/// Decodes what [`encode_keyed_secrets`] encodes, each secret made by `secret`.
pub(crate) fn decode_keyed_secrets<V>(
    reader: &mut Reader<'_>,
    secret: impl Fn(Vec<u8>) -> V,
) -> Result<HashMap<Vec<u8>, V>, CodecError> {
    Ok(decode_vector(reader, |r| {
        Ok((
            VarBytes::decode(r)?.into_vec(),
            secret(VarBytes::decode(r)?.into_vec()),
        ))
    })?
    .into_iter()
    .collect())
}

pub(super) fn decode_secret(reader: &mut Reader<'_>) -> Result<Secret, CodecError> {
    Ok(Secret::new(VarBytes::decode(reader)?.into_vec()))
}
