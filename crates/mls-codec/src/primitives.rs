//! The opaque byte strings of the cryptographic objects (RFC 9420 §5): public keys, hash
//! references and MACs. Each is `opaque <name><V>` on the wire, so each is a [`VarBytes`].

use crate::VarBytes;

/// `opaque HPKEPublicKey<V>` (RFC 9420 §5.1.1): an HPKE public key as the KEM serializes it.
pub type HpkePublicKey = VarBytes;

/// `opaque SignaturePublicKey<V>` (RFC 9420 §5.1.1): a signature verification key (raw
/// Ed25519/Ed448 key, or an uncompressed ECDSA point).
pub type SignaturePublicKey = VarBytes;

/// `opaque HashReference<V>` (RFC 9420 §5.2): the output of RefHash.
pub type HashReference = VarBytes;

/// `HashReference KeyPackageRef` (RFC 9420 §5.2): RefHash("MLS 1.0 KeyPackage Reference",
/// KeyPackage).
pub type KeyPackageRef = HashReference;

/// `HashReference ProposalRef` (RFC 9420 §5.2): RefHash("MLS 1.0 Proposal Reference",
/// AuthenticatedContent).
pub type ProposalRef = HashReference;

/// `opaque MAC<V>` (RFC 9420 §6.1): a MAC such as a confirmation or membership tag.
pub type Mac = VarBytes;
