//! The secret tree and the per-sender hash ratchets (RFC 9420 §9, §9.1), derived lazily and
//! deleted as they are consumed (§9.2).
//!
//! ```text
//! tree_node_[N]_secret --> ExpandWithLabel(., "tree", "left", KDF.Nh)  = tree_node_[left(N)]_secret
//!                      --> ExpandWithLabel(., "tree", "right", KDF.Nh) = tree_node_[right(N)]_secret
//! leaf secret          --> ExpandWithLabel(., "handshake", "", KDF.Nh)   = handshake_ratchet_secret_[0]
//!                      --> ExpandWithLabel(., "application", "", KDF.Nh) = application_ratchet_secret_[0]
//! ratchet_secret_[j]   --> DeriveTreeSecret(., "key", j, AEAD.Nk)    = ratchet_key_[j]
//!                      --> DeriveTreeSecret(., "nonce", j, AEAD.Nn)  = ratchet_nonce_[j]
//!                      --> DeriveTreeSecret(., "secret", j, KDF.Nh)  = ratchet_secret_[j+1]
//! ```
//!
//! The tree starts with the encryption_secret at the root and nothing else. A leaf's secret is
//! derived from its nearest stored ancestor only when a key of that leaf is first needed; each
//! node on the way down is deleted once both its children are derived, and the leaf secret
//! once both ratchets are. A ratchet keeps only its next secret and a bounded cache of the
//! keys of generations it skipped; a key is deleted when it is handed out, so neither it nor
//! anything it came from can be derived again.

use std::collections::{BTreeMap, BTreeSet};

use mls_codec::{
    CipherSuite, CodecError, ContentType, Decode, Reader, SecretWriter, StateDecode, StateEncode,
    decode_vector,
};
use mls_codec::{LeafIndex, NodeIndex, TreeSize};
use mls_crypto::{
    CipherSuiteParams, CipherSuiteProvider, Secret, derive_tree_secret, expand_with_label,
    expand_with_labels,
};

use crate::KeyScheduleError;
use crate::key_schedule::check_suite;
use crate::storage::{
    check_ascending, check_secret_len, decode_optional_secret, decode_secret,
    encode_optional_secret, encode_secret, invalid, suite_params,
};

/// Which of a sender's two hash ratchets (RFC 9420 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RatchetKind {
    /// The handshake ratchet: proposals and commits.
    Handshake,
    /// The application ratchet: application messages.
    Application,
}

impl RatchetKind {
    /// The ratchet that protects content of type `content_type` (RFC 9420 §6.3.1).
    pub fn for_content_type(content_type: ContentType) -> Self {
        match content_type {
            ContentType::Application => Self::Application,
            ContentType::Proposal | ContentType::Commit => Self::Handshake,
        }
    }

    /// The label that derives the ratchet's first secret from the leaf secret (§9).
    fn label(self) -> &'static str {
        match self {
            Self::Handshake => "handshake",
            Self::Application => "application",
        }
    }
}

/// How far a receiver lets a sender's ratchet be advanced, and how many skipped keys it keeps
/// (RFC 9420 §9.2 leaves both to the application).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretTreeConfig {
    /// The furthest a requested generation may lie ahead of a ratchet's next unused
    /// generation; anything further is rejected before any derivation. Default 1000.
    pub max_forward_distance: u32,
    /// The most keys of skipped generations kept per ratchet, for messages that arrive out
    /// of order; the oldest are deleted first. Default 1000. The total is bounded by this
    /// times two ratchets per leaf that has sent.
    pub max_skipped_keys: usize,
}

impl Default for SecretTreeConfig {
    fn default() -> Self {
        Self {
            max_forward_distance: 1000,
            max_skipped_keys: 1000,
        }
    }
}

/// The AEAD key and nonce of one generation of a sender ratchet (RFC 9420 §9.1). Wiped on
/// drop; `Debug` shows no bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageKey {
    generation: u32,
    key: Secret,
    nonce: Secret,
}

impl MessageKey {
    /// `DeriveTreeSecret(ratchet_secret, "key" | "nonce", generation, AEAD.Nk | AEAD.Nn)`.
    fn derive(
        suite: &dyn CipherSuiteProvider,
        ratchet_secret: &Secret,
        generation: u32,
    ) -> Result<Self, KeyScheduleError> {
        let params = suite.params();
        let context = generation.to_be_bytes();
        let [key, nonce] = expand_with_labels(
            suite,
            ratchet_secret.as_bytes(),
            [
                ("key", &context, params.aead_key_len()),
                ("nonce", &context, params.aead_nonce_len()),
            ],
        )?;
        Ok(Self {
            generation,
            key,
            nonce,
        })
    }

    /// The key and nonce of `generation` and `ratchet_secret_[generation + 1]` (RFC 9420
    /// §9.1), all three from `ratchet_secret_[generation]` with one KDF keying; no next secret
    /// after generation 2^32 - 1.
    fn derive_with_next(
        suite: &dyn CipherSuiteProvider,
        ratchet_secret: &Secret,
        generation: u32,
    ) -> Result<(Self, Option<Secret>), KeyScheduleError> {
        if generation == u32::MAX {
            return Ok((Self::derive(suite, ratchet_secret, generation)?, None));
        }
        let params = suite.params();
        let context = generation.to_be_bytes();
        let [key, nonce, next] = expand_with_labels(
            suite,
            ratchet_secret.as_bytes(),
            [
                ("key", &context, params.aead_key_len()),
                ("nonce", &context, params.aead_nonce_len()),
                ("secret", &context, suite.hash_len()),
            ],
        )?;
        let key = Self {
            generation,
            key,
            nonce,
        };
        Ok((key, Some(next)))
    }

    /// The generation this key belongs to (the `generation` of SenderData, §6.3.2).
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The AEAD key (`AEAD.Nk` bytes).
    pub fn key(&self) -> &Secret {
        &self.key
    }

    /// The nonce from the key schedule (`AEAD.Nn` bytes), before the reuse guard.
    pub fn nonce(&self) -> &Secret {
        &self.nonce
    }

    /// The nonce actually used to encrypt or decrypt: the key schedule's nonce with
    /// `reuse_guard` XORed into its first four bytes (RFC 9420 §6.3.1).
    pub fn guarded_nonce(&self, reuse_guard: [u8; 4]) -> Secret {
        let mut nonce = self.nonce.as_bytes().to_vec();
        for (byte, guard) in nonce.iter_mut().zip(reuse_guard) {
            *byte ^= guard;
        }
        Secret::new(nonce)
    }
}

/// One hash ratchet of a sender (RFC 9420 §9.1).
#[derive(Debug, PartialEq, Eq)]
struct SenderRatchet {
    /// `ratchet_secret_[generation]`; `None` once generation 2^32 - 1 has been used.
    secret: Option<Secret>,
    /// The next unused generation (every generation below it is used, skipped or deleted).
    generation: u32,
    /// Keys of skipped generations, by generation.
    skipped: BTreeMap<u32, MessageKey>,
}

impl SenderRatchet {
    fn new(secret: Secret) -> Self {
        Self {
            secret: Some(secret),
            generation: 0,
            skipped: BTreeMap::new(),
        }
    }
}

/// The two ratchets of a leaf whose secret has been derived (and deleted).
#[derive(Debug, PartialEq, Eq)]
struct LeafRatchets {
    handshake: SenderRatchet,
    application: SenderRatchet,
}

impl LeafRatchets {
    fn get(&self, kind: RatchetKind) -> &SenderRatchet {
        match kind {
            RatchetKind::Handshake => &self.handshake,
            RatchetKind::Application => &self.application,
        }
    }

    fn get_mut(&mut self, kind: RatchetKind) -> &mut SenderRatchet {
        match kind {
            RatchetKind::Handshake => &mut self.handshake,
            RatchetKind::Application => &mut self.application,
        }
    }
}

/// The tree secrets created and deleted by deriving a leaf for the first time.
#[derive(Debug)]
struct LeafDerivation {
    /// The stored ancestor the leaf was derived from.
    consumed: NodeIndex,
    /// The siblings of the path below it, now the nearest stored ancestors of their leaves.
    siblings: Vec<(NodeIndex, Secret)>,
    /// `handshake_ratchet_secret_[0]`.
    handshake: Secret,
    /// `application_ratchet_secret_[0]`.
    application: Secret,
}

impl LeafDerivation {
    fn base(&self, kind: RatchetKind) -> &Secret {
        match kind {
            RatchetKind::Handshake => &self.handshake,
            RatchetKind::Application => &self.application,
        }
    }
}

/// A change to the tree, computed without touching it and applied by [`StagedKey::commit`].
#[derive(Debug)]
enum Change {
    /// Delete a cached key of a skipped generation.
    TakeSkipped {
        leaf: u32,
        kind: RatchetKind,
        generation: u32,
    },
    /// Advance a ratchet past the key handed out (deriving its leaf first if needed).
    Advance {
        leaf: u32,
        kind: RatchetKind,
        derivation: Option<LeafDerivation>,
        secret: Option<Secret>,
        generation: u32,
        skipped: Vec<MessageKey>,
    },
}

/// The secret tree of one epoch (RFC 9420 §9): per-leaf handshake and application ratchets,
/// derived lazily from the encryption_secret and deleted as they are consumed (§9.2).
///
/// Every secret is wiped on drop; `Debug` shows no bytes. Equality compares every secret in
/// constant time (the tree's shape, generations and indices are not secret), and not the
/// tracked changes ([`SecretTree::track_changes`]), which are bookkeeping of the store.
#[derive(Debug)]
pub struct SecretTree {
    cipher_suite: CipherSuite,
    size: TreeSize,
    config: SecretTreeConfig,
    /// Secrets of nodes not yet derived into their children, by node index.
    nodes: BTreeMap<u32, Secret>,
    /// The ratchets of leaves whose secret has been derived.
    leaves: BTreeMap<u32, LeafRatchets>,
    /// The node secrets and leaves changed since tracking began, if it has.
    changes: Option<SecretTreeChanges>,
}

impl PartialEq for SecretTree {
    fn eq(&self, other: &Self) -> bool {
        self.cipher_suite == other.cipher_suite
            && self.size == other.size
            && self.config == other.config
            && self.nodes == other.nodes
            && self.leaves == other.leaves
    }
}

impl Eq for SecretTree {}

/// The parts of a [`SecretTree`] changed since [`SecretTree::track_changes`]: what a store
/// must rewrite after a message was sent or received. Receiving one message changes one
/// leaf's ratchets and, the first time that leaf is used, O(log n) node secrets (§9.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretTreeChanges {
    /// Node indices whose stored secret was added or deleted.
    pub nodes: BTreeSet<u32>,
    /// Leaf indices whose ratchets changed.
    pub leaves: BTreeSet<u32>,
}

impl SecretTree {
    /// The secret tree of a group of `size` rooted at `encryption_secret` (RFC 9420 §9), with
    /// the default [`SecretTreeConfig`].
    pub fn new(suite: &dyn CipherSuiteProvider, encryption_secret: Secret, size: TreeSize) -> Self {
        Self::with_config(suite, encryption_secret, size, SecretTreeConfig::default())
    }

    /// The secret tree of a group of `size` rooted at `encryption_secret`, with `config`.
    pub fn with_config(
        suite: &dyn CipherSuiteProvider,
        encryption_secret: Secret,
        size: TreeSize,
        config: SecretTreeConfig,
    ) -> Self {
        Self {
            cipher_suite: suite.cipher_suite(),
            size,
            config,
            nodes: BTreeMap::from([(size.root().0, encryption_secret)]),
            leaves: BTreeMap::new(),
            changes: None,
        }
    }

    /// The size of the tree.
    pub fn size(&self) -> TreeSize {
        self.size
    }

    /// The configuration.
    pub fn config(&self) -> SecretTreeConfig {
        self.config
    }

    /// Starts tracking which node secrets and leaves change, with nothing changed yet;
    /// restarts it if already on. Off by default, so that a tree that is never stored keeps
    /// no record.
    pub fn track_changes(&mut self) {
        self.changes = Some(SecretTreeChanges::default());
    }

    /// What changed since tracking started or was last cleared, or `None` if it is off.
    pub fn changes(&self) -> Option<&SecretTreeChanges> {
        self.changes.as_ref()
    }

    /// Forgets the changes, once they are stored.
    pub fn clear_changes(&mut self) {
        if let Some(changes) = &mut self.changes {
            *changes = SecretTreeChanges::default();
        }
    }

    /// How many tree-node secrets are stored (derived but not yet split into children): one
    /// for a fresh tree, and never more than the number of leaves.
    pub fn stored_node_secrets(&self) -> usize {
        self.nodes.len()
    }

    /// The next unused generation of a ratchet: 0 before the leaf is used, `None` for a leaf
    /// outside the tree or a ratchet whose every generation is used.
    pub fn next_generation(&self, leaf: u32, kind: RatchetKind) -> Option<u32> {
        if leaf >= self.size.leaf_count() {
            return None;
        }
        match self.leaves.get(&leaf) {
            None => Some(0),
            Some(ratchets) => {
                let ratchet = ratchets.get(kind);
                ratchet.secret.as_ref().map(|_| ratchet.generation)
            }
        }
    }

    /// How many keys of skipped generations a ratchet holds.
    pub fn skipped_keys(&self, leaf: u32, kind: RatchetKind) -> usize {
        self.leaves
            .get(&leaf)
            .map_or(0, |ratchets| ratchets.get(kind).skipped.len())
    }

    /// The key of the next generation of `leaf`'s ratchet, for sending (RFC 9420 §6.3.1): the
    /// generation is used at once, so that it can never be handed out again.
    pub fn encryption_key(
        &mut self,
        suite: &dyn CipherSuiteProvider,
        leaf: u32,
        kind: RatchetKind,
    ) -> Result<MessageKey, KeyScheduleError> {
        check_suite(self.cipher_suite, suite)?;
        self.check_leaf(leaf)?;
        let generation = self
            .next_generation(leaf, kind)
            .ok_or(KeyScheduleError::RatchetExhausted { leaf, kind })?;
        let (key, change) = self.plan(suite, leaf, kind, generation)?;
        self.apply(change);
        Ok(key)
    }

    /// The key of `generation` of `leaf`'s ratchet, for receiving (RFC 9420 §6.3.2); the key
    /// is deleted from the tree at once.
    ///
    /// Use [`SecretTree::stage_decryption_key`] to delete it only once the message has
    /// decrypted.
    pub fn decryption_key(
        &mut self,
        suite: &dyn CipherSuiteProvider,
        leaf: u32,
        kind: RatchetKind,
        generation: u32,
    ) -> Result<MessageKey, KeyScheduleError> {
        Ok(self
            .stage_decryption_key(suite, leaf, kind, generation)?
            .commit())
    }

    /// The key of `generation` of `leaf`'s ratchet, without changing the tree until
    /// [`StagedKey::commit`]: a message that fails to decrypt leaves the tree as it was.
    ///
    /// - A generation below the ratchet's next one is served from the cache of skipped keys,
    ///   or rejected as [`KeyScheduleError::GenerationConsumed`] (used before, or evicted).
    /// - A generation more than `max_forward_distance` ahead is rejected as
    ///   [`KeyScheduleError::GenerationTooFarAhead`] before anything is derived.
    /// - Otherwise the ratchet is advanced (deriving the leaf first if needed), keeping the
    ///   keys of the last `max_skipped_keys` generations it skips.
    pub fn stage_decryption_key(
        &mut self,
        suite: &dyn CipherSuiteProvider,
        leaf: u32,
        kind: RatchetKind,
        generation: u32,
    ) -> Result<StagedKey<'_>, KeyScheduleError> {
        check_suite(self.cipher_suite, suite)?;
        self.check_leaf(leaf)?;
        let ratchet = self.leaves.get(&leaf).map(|ratchets| ratchets.get(kind));
        if let Some(ratchet) = ratchet
            && (generation < ratchet.generation || ratchet.secret.is_none())
        {
            let key = ratchet.skipped.get(&generation).cloned().ok_or(
                KeyScheduleError::GenerationConsumed {
                    leaf,
                    kind,
                    generation,
                },
            )?;
            let change = Change::TakeSkipped {
                leaf,
                kind,
                generation,
            };
            return Ok(StagedKey {
                tree: self,
                key,
                change,
            });
        }
        let (key, change) = self.plan(suite, leaf, kind, generation)?;
        Ok(StagedKey {
            tree: self,
            key,
            change,
        })
    }

    fn check_leaf(&self, leaf: u32) -> Result<(), KeyScheduleError> {
        let leaf_count = self.size.leaf_count();
        if leaf < leaf_count {
            Ok(())
        } else {
            Err(KeyScheduleError::LeafOutOfRange { leaf, leaf_count })
        }
    }

    /// Computes the key of `generation`, at or after the ratchet's next generation, and the
    /// change that advances the ratchet past it. Checks the window before deriving anything.
    fn plan(
        &self,
        suite: &dyn CipherSuiteProvider,
        leaf: u32,
        kind: RatchetKind,
        generation: u32,
    ) -> Result<(MessageKey, Change), KeyScheduleError> {
        let ratchet = self.leaves.get(&leaf).map(|ratchets| ratchets.get(kind));
        let next_generation = ratchet.map_or(0, |r| r.generation);
        let distance = generation.checked_sub(next_generation).ok_or(
            KeyScheduleError::GenerationConsumed {
                leaf,
                kind,
                generation,
            },
        )?;
        if distance > self.config.max_forward_distance {
            return Err(KeyScheduleError::GenerationTooFarAhead {
                leaf,
                kind,
                generation,
                next_generation,
                max_forward_distance: self.config.max_forward_distance,
            });
        }
        let derivation = match ratchet {
            Some(_) => None,
            None => Some(self.derive_leaf(suite, leaf)?),
        };
        let start = match (&derivation, ratchet) {
            (Some(derivation), _) => derivation.base(kind),
            (None, Some(ratchet)) => ratchet
                .secret
                .as_ref()
                .ok_or(KeyScheduleError::RatchetExhausted { leaf, kind })?,
            (None, None) => return Err(KeyScheduleError::MissingTreeSecret { leaf }),
        };
        let cache = u32::try_from(self.config.max_skipped_keys).unwrap_or(u32::MAX);
        let keep_from = generation.saturating_sub(cache);
        let hash_len = suite.hash_len();
        let mut secret = start.clone();
        let mut skipped = Vec::new();
        for skipped_generation in next_generation..generation {
            secret = if skipped_generation >= keep_from {
                let (key, next) = MessageKey::derive_with_next(suite, &secret, skipped_generation)?;
                skipped.push(key);
                // A skipped generation is below `generation`, so it has a next secret.
                next.ok_or(KeyScheduleError::RatchetExhausted { leaf, kind })?
            } else {
                derive_tree_secret(
                    suite,
                    secret.as_bytes(),
                    "secret",
                    skipped_generation,
                    hash_len,
                )?
            };
        }
        let (key, next_secret) = MessageKey::derive_with_next(suite, &secret, generation)?;
        let next_generation = generation.saturating_add(1);
        let change = Change::Advance {
            leaf,
            kind,
            derivation,
            secret: next_secret,
            generation: next_generation,
            skipped,
        };
        Ok((key, change))
    }

    /// Derives the secret of `leaf` from its nearest stored ancestor, and from it the first
    /// secrets of both ratchets (RFC 9420 §9).
    fn derive_leaf(
        &self,
        suite: &dyn CipherSuiteProvider,
        leaf: u32,
    ) -> Result<LeafDerivation, KeyScheduleError> {
        let missing = KeyScheduleError::MissingTreeSecret { leaf };
        let leaf_node = LeafIndex(leaf).node();
        let path: Vec<NodeIndex> = std::iter::once(leaf_node)
            .chain(self.size.direct_path(leaf_node))
            .collect();
        let (top, consumed, stored) = path
            .iter()
            .enumerate()
            .find_map(|(i, node)| self.nodes.get(&node.0).map(|s| (i, *node, s)))
            .ok_or(missing.clone())?;
        let hash_len = suite.hash_len();
        let mut secret = stored.clone();
        let mut siblings = Vec::with_capacity(top);
        for i in (0..top).rev() {
            let (parent, child) = (path[i + 1], path[i]);
            let (left, right) = parent.left().zip(parent.right()).ok_or(missing.clone())?;
            let left_secret =
                expand_with_label(suite, secret.as_bytes(), "tree", b"left", hash_len)?;
            let right_secret =
                expand_with_label(suite, secret.as_bytes(), "tree", b"right", hash_len)?;
            secret = if child == left {
                siblings.push((right, right_secret));
                left_secret
            } else {
                siblings.push((left, left_secret));
                right_secret
            };
        }
        let ratchet_base = |kind: RatchetKind| {
            expand_with_label(suite, secret.as_bytes(), kind.label(), &[], hash_len)
        };
        Ok(LeafDerivation {
            consumed,
            siblings,
            handshake: ratchet_base(RatchetKind::Handshake)?,
            application: ratchet_base(RatchetKind::Application)?,
        })
    }

    fn apply(&mut self, change: Change) {
        self.note(&change);
        match change {
            Change::TakeSkipped {
                leaf,
                kind,
                generation,
            } => {
                if let Some(ratchets) = self.leaves.get_mut(&leaf) {
                    ratchets.get_mut(kind).skipped.remove(&generation);
                }
            }
            Change::Advance {
                leaf,
                kind,
                derivation,
                secret,
                generation,
                skipped,
            } => {
                if let Some(derivation) = derivation {
                    self.nodes.remove(&derivation.consumed.0);
                    self.nodes.extend(
                        derivation
                            .siblings
                            .into_iter()
                            .map(|(node, secret)| (node.0, secret)),
                    );
                    self.leaves.insert(
                        leaf,
                        LeafRatchets {
                            handshake: SenderRatchet::new(derivation.handshake),
                            application: SenderRatchet::new(derivation.application),
                        },
                    );
                }
                let max_skipped = self.config.max_skipped_keys;
                if let Some(ratchets) = self.leaves.get_mut(&leaf) {
                    let ratchet = ratchets.get_mut(kind);
                    ratchet.secret = secret;
                    ratchet.generation = generation;
                    ratchet
                        .skipped
                        .extend(skipped.into_iter().map(|key| (key.generation, key)));
                    while ratchet.skipped.len() > max_skipped {
                        ratchet.skipped.pop_first();
                    }
                }
            }
        }
    }
}

impl SecretTree {
    /// Notes what `change` is about to change, if tracking is on.
    fn note(&mut self, change: &Change) {
        let Some(changes) = &mut self.changes else {
            return;
        };
        match change {
            Change::TakeSkipped { leaf, .. } => {
                changes.leaves.insert(*leaf);
            }
            Change::Advance {
                leaf, derivation, ..
            } => {
                changes.leaves.insert(*leaf);
                if let Some(derivation) = derivation {
                    changes.nodes.insert(derivation.consumed.0);
                    changes
                        .nodes
                        .extend(derivation.siblings.iter().map(|(node, _)| node.0));
                }
            }
        }
    }
}

/// A key taken from a [`SecretTree`] but not yet deleted from it
/// ([`SecretTree::stage_decryption_key`]). [`StagedKey::commit`] applies the change; dropping
/// it instead leaves the tree as it was.
#[derive(Debug)]
pub struct StagedKey<'a> {
    tree: &'a mut SecretTree,
    key: MessageKey,
    change: Change,
}

impl StagedKey<'_> {
    /// The key and nonce, to try to decrypt with.
    pub fn key(&self) -> &MessageKey {
        &self.key
    }

    /// Deletes the key from the tree, with every secret it was derived from (RFC 9420 §9.2),
    /// and returns it.
    pub fn commit(self) -> MessageKey {
        self.tree.apply(self.change);
        self.key
    }
}

/// Storage encoding (not an RFC 9420 wire struct): the whole state of a secret tree, for
/// saving and loading a member's group state, in the TLS presentation language (RFC 9420
/// §2.1):
///
/// ```text
/// struct {
///     uint32 generation;                       /* the next unused generation */
///     optional<opaque ratchet_secret<V>>;      /* absent once generation 2^32 - 1 is used */
///     SkippedKey skipped_keys<V>;              /* ascending generation */
/// } SenderRatchetState;
///
/// struct {
///     uint32 generation;
///     opaque key<V>;
///     opaque nonce<V>;
/// } SkippedKey;
///
/// struct {
///     CipherSuite cipher_suite;
///     uint32 leaf_count;
///     uint32 max_forward_distance;
///     uint64 max_skipped_keys;
///     NodeSecret node_secrets<V>;              /* ascending node */
///     LeafRatchets leaves<V>;                  /* ascending leaf */
/// } SecretTreeState;
///
/// struct { uint32 node; opaque secret<V>; } NodeSecret;
/// struct {
///     uint32 leaf;
///     SenderRatchetState handshake;
///     SenderRatchetState application;
/// } LeafRatchets;
/// ```
///
/// Encoding and decoding check every invariant of the tree ([`CodecError::InvalidField`]
/// otherwise): the suite is registered by RFC 9420; the leaf count is a power of two of at
/// most 2^30; node and ratchet secrets are `KDF.Nh` bytes, keys `AEAD.Nk` and nonces `AEAD.Nn`;
/// every stored node lies in the tree and every derived leaf is one of its leaves; the stored
/// node secrets and the derived leaves cover each leaf exactly once (so every key not yet
/// used can still be derived, and nothing consumed can be); a ratchet without a secret is at
/// generation 2^32 - 1; skipped generations lie below the ratchet's next generation and there
/// are at most `max_skipped_keys` of them; map entries are strictly ascending.
///
/// The bytes hold every key not yet used: they only ever live in a [`SecretWriter`], which
/// wipes them; protect them at rest. A saved tree that is loaded again after some of its keys
/// were used would hand those keys out again: replace the saved state whenever the tree
/// changes.
impl StateEncode for SecretTree {
    fn encode_state(&self, out: &mut SecretWriter) -> Result<(), CodecError> {
        self.check_storage()?;
        self.encode_storage(out)
    }
}

impl SecretTree {
    /// Writes `SecretTreeState` without checking the invariants first.
    fn encode_storage(&self, out: &mut SecretWriter) -> Result<(), CodecError> {
        self.encode_header_storage(out)?;
        out.put_vector(|out| {
            self.nodes
                .keys()
                .try_for_each(|&node| self.encode_node_storage(node, out).map(drop))
        })?;
        out.put_vector(|out| {
            self.leaves
                .keys()
                .try_for_each(|&leaf| self.encode_leaf_storage(leaf, out).map(drop))
        })
    }

    /// Writes the fields of `SecretTreeState` before its vectors.
    fn encode_header_storage(&self, out: &mut SecretWriter) -> Result<(), CodecError> {
        out.put_wire(&self.cipher_suite)?;
        out.put_wire(&self.size.leaf_count())?;
        out.put_wire(&self.config.max_forward_distance)?;
        out.put_wire(
            &u64::try_from(self.config.max_skipped_keys)
                .map_err(|_| invalid("SecretTree", "max_skipped_keys exceeds 2^64 - 1"))?,
        )
    }

    /// Writes the `NodeSecret` of `node`; `false` (nothing written) if it holds none.
    fn encode_node_storage(&self, node: u32, out: &mut SecretWriter) -> Result<bool, CodecError> {
        let Some(secret) = self.nodes.get(&node) else {
            return Ok(false);
        };
        out.put_wire(&node)?;
        encode_secret(secret, out)?;
        Ok(true)
    }

    /// Writes the `LeafRatchets` of `leaf`; `false` (nothing written) if it is not derived.
    fn encode_leaf_storage(&self, leaf: u32, out: &mut SecretWriter) -> Result<bool, CodecError> {
        let Some(ratchets) = self.leaves.get(&leaf) else {
            return Ok(false);
        };
        out.put_wire(&leaf)?;
        ratchets.handshake.encode_storage(out)?;
        ratchets.application.encode_storage(out)?;
        Ok(true)
    }

    /// The storage encoding in parts, so that a store rewrites only what changed
    /// ([`SecretTree::changes`]): the fields of `SecretTreeState` before its vectors (suite,
    /// leaf count and configuration, which never change).
    pub fn encode_header_state(&self, out: &mut SecretWriter) -> Result<(), CodecError> {
        self.encode_header_storage(out)
    }

    /// The nodes that hold a secret and the leaves that are derived, in ascending order: the
    /// parts a store writes of a tree whose changes it has not tracked.
    pub fn stored_parts(&self) -> SecretTreeChanges {
        SecretTreeChanges {
            nodes: self.nodes.keys().copied().collect(),
            leaves: self.leaves.keys().copied().collect(),
        }
    }

    /// The storage encoding of one element of `SecretTreeState.node_secrets`, if `node` holds
    /// a secret; `false` (nothing written) if it holds none.
    pub fn encode_node_state(&self, node: u32, out: &mut SecretWriter) -> Result<bool, CodecError> {
        self.encode_node_storage(node, out)
    }

    /// The storage encoding of one element of `SecretTreeState.leaves`, if `leaf` is derived;
    /// `false` (nothing written) if it is not.
    pub fn encode_leaf_state(&self, leaf: u32, out: &mut SecretWriter) -> Result<bool, CodecError> {
        self.encode_leaf_storage(leaf, out)
    }

    /// Reassembles a tree from the parts written by [`SecretTree::encode_header_state`],
    /// [`SecretTree::encode_node_state`] and [`SecretTree::encode_leaf_state`], each given with
    /// the index it was written for. Each part must decode alone to exactly one element of
    /// that index, and the whole must meet every invariant of the storage encoding (see the
    /// [`StateEncode`] impl); [`CodecError`] otherwise.
    pub fn decode_parts(
        header: &[u8],
        nodes: &[(u32, &[u8])],
        leaves: &[(u32, &[u8])],
    ) -> Result<Self, CodecError> {
        let mut reader = Reader::new(header);
        let (cipher_suite, size, config) = decode_header(&mut reader)?;
        reader.finish()?;
        let nodes = nodes
            .iter()
            .map(|&(index, bytes)| decode_part(index, bytes, decode_node))
            .collect::<Result<Vec<_>, _>>()?;
        let leaves = leaves
            .iter()
            .map(|&(index, bytes)| decode_part(index, bytes, decode_leaf))
            .collect::<Result<Vec<_>, _>>()?;
        Self::assemble(cipher_suite, size, config, nodes, leaves)
    }

    /// A tree from decoded parts, with every invariant checked.
    fn assemble(
        cipher_suite: CipherSuite,
        size: TreeSize,
        config: SecretTreeConfig,
        nodes: Vec<(u32, Secret)>,
        leaves: Vec<(u32, LeafRatchets)>,
    ) -> Result<Self, CodecError> {
        check_ascending(
            nodes.iter().map(|(node, _)| *node),
            "SecretTree.node_secrets",
        )?;
        check_ascending(leaves.iter().map(|(leaf, _)| *leaf), "SecretTree.leaves")?;
        let tree = Self {
            cipher_suite,
            size,
            config,
            nodes: nodes.into_iter().collect(),
            leaves: leaves.into_iter().collect(),
            changes: None,
        };
        tree.check_storage()?;
        Ok(tree)
    }
}

/// Reads the fields of `SecretTreeState` before its vectors.
fn decode_header(
    reader: &mut Reader<'_>,
) -> Result<(CipherSuite, TreeSize, SecretTreeConfig), CodecError> {
    let cipher_suite = CipherSuite::decode(reader)?;
    let size = TreeSize::from_leaf_count(u32::decode(reader)?).ok_or(invalid(
        "SecretTree",
        "leaf_count is not a power of two of at most 2^30",
    ))?;
    let max_forward_distance = u32::decode(reader)?;
    let max_skipped_keys = usize::try_from(u64::decode(reader)?)
        .map_err(|_| invalid("SecretTree", "max_skipped_keys exceeds usize"))?;
    Ok((
        cipher_suite,
        size,
        SecretTreeConfig {
            max_forward_distance,
            max_skipped_keys,
        },
    ))
}

/// Reads a `NodeSecret`.
fn decode_node(reader: &mut Reader<'_>) -> Result<(u32, Secret), CodecError> {
    Ok((u32::decode(reader)?, decode_secret(reader)?))
}

/// Reads a `LeafRatchets`.
fn decode_leaf(reader: &mut Reader<'_>) -> Result<(u32, LeafRatchets), CodecError> {
    let leaf = u32::decode(reader)?;
    let handshake = SenderRatchet::decode_storage(reader)?;
    let application = SenderRatchet::decode_storage(reader)?;
    Ok((
        leaf,
        LeafRatchets {
            handshake,
            application,
        },
    ))
}

/// Decodes one stored part, which must be exactly one element of `index`.
fn decode_part<T>(
    index: u32,
    bytes: &[u8],
    decode: impl FnOnce(&mut Reader<'_>) -> Result<(u32, T), CodecError>,
) -> Result<(u32, T), CodecError> {
    let mut reader = Reader::new(bytes);
    let part = decode(&mut reader)?;
    reader.finish()?;
    if part.0 != index {
        return Err(invalid(
            "SecretTree",
            "a part is stored under another index",
        ));
    }
    Ok(part)
}

/// Decodes the storage encoding above, with every secret going straight into a [`Secret`]
/// and every invariant checked; never panics, allocates no more than the input holds and
/// does work linear (up to a logarithmic factor) in the input's length.
impl StateDecode for SecretTree {
    fn decode_state(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let (cipher_suite, size, config) = decode_header(reader)?;
        let nodes = decode_vector(reader, decode_node)?;
        let leaves = decode_vector(reader, decode_leaf)?;
        Self::assemble(cipher_suite, size, config, nodes, leaves)
    }
}

impl SecretTree {
    /// The invariants the storage encoding checks (see the [`StateEncode`] impl).
    fn check_storage(&self) -> Result<(), CodecError> {
        let params = suite_params(self.cipher_suite)?;
        let leaf_count = self.size.leaf_count();
        // The leaves each stored node secret or derived leaf covers, as [start, end).
        let mut cover = Vec::with_capacity(self.nodes.len() + self.leaves.len());
        for (&node, secret) in &self.nodes {
            let node = NodeIndex(node);
            if !self.size.contains(node) {
                return Err(invalid("SecretTree.node_secrets", "node outside the tree"));
            }
            check_secret_len(secret, params.hash_len(), "SecretTree.node_secrets")?;
            // The node at level k is the j-th of its level and spans leaves j*2^k..(j+1)*2^k.
            let level = node.level();
            let start = (u64::from(node.0) >> (level + 1)) << level;
            cover.push((start, start + (1u64 << level)));
        }
        for (&leaf, ratchets) in &self.leaves {
            if leaf >= leaf_count {
                return Err(invalid("SecretTree.leaves", "leaf outside the tree"));
            }
            cover.push((u64::from(leaf), u64::from(leaf) + 1));
            ratchets.handshake.check_storage(params, self.config)?;
            ratchets.application.check_storage(params, self.config)?;
        }
        cover.sort_unstable();
        let mut next = 0u64;
        for (start, end) in cover {
            if start != next {
                return Err(invalid(
                    "SecretTree",
                    "node secrets and derived leaves do not cover each leaf exactly once",
                ));
            }
            next = end;
        }
        if next != u64::from(leaf_count) {
            return Err(invalid(
                "SecretTree",
                "node secrets and derived leaves do not cover each leaf exactly once",
            ));
        }
        Ok(())
    }
}

impl SenderRatchet {
    /// Writes `SenderRatchetState` (see the [`StateEncode`] impl of [`SecretTree`]).
    fn encode_storage(&self, out: &mut SecretWriter) -> Result<(), CodecError> {
        out.put_wire(&self.generation)?;
        encode_optional_secret(self.secret.as_ref(), out)?;
        out.put_vector(|out| {
            self.skipped.iter().try_for_each(|(generation, key)| {
                out.put_wire(generation)?;
                encode_secret(&key.key, out)?;
                encode_secret(&key.nonce, out)
            })
        })
    }

    /// Reads `SenderRatchetState`; [`SecretTree::check_storage`] checks it.
    fn decode_storage(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let generation = u32::decode(reader)?;
        let secret = decode_optional_secret(reader)?;
        let skipped = decode_vector(reader, |reader| {
            Ok(MessageKey {
                generation: u32::decode(reader)?,
                key: decode_secret(reader)?,
                nonce: decode_secret(reader)?,
            })
        })?;
        check_ascending(
            skipped.iter().map(MessageKey::generation),
            "SecretTree.skipped_keys",
        )?;
        Ok(Self {
            secret,
            generation,
            skipped: skipped
                .into_iter()
                .map(|key| (key.generation, key))
                .collect(),
        })
    }

    /// The invariants of one ratchet.
    fn check_storage(
        &self,
        params: &CipherSuiteParams,
        config: SecretTreeConfig,
    ) -> Result<(), CodecError> {
        const FIELD: &str = "SecretTree.ratchet";
        match &self.secret {
            Some(secret) => check_secret_len(secret, params.hash_len(), FIELD)?,
            None if self.generation == u32::MAX => {}
            None => {
                return Err(invalid(
                    FIELD,
                    "ratchet without a secret before generation 2^32 - 1 is used",
                ));
            }
        }
        if self.skipped.len() > config.max_skipped_keys {
            return Err(invalid(FIELD, "more skipped keys than max_skipped_keys"));
        }
        for (&generation, key) in &self.skipped {
            if generation >= self.generation || key.generation != generation {
                return Err(invalid(
                    FIELD,
                    "skipped generation not below the next generation",
                ));
            }
            check_secret_len(&key.key, params.aead_key_len(), FIELD)?;
            check_secret_len(&key.nonce, params.aead_nonce_len(), FIELD)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod storage_tests;
#[cfg(test)]
mod tests;
