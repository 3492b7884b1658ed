//! The errors of X.509 credential validation.

/// Why an X.509 credential (RFC 9420 §5.3) was refused, or a validator could not be built.
/// Certificates are indexed as in the credential: 0 is the end-entity certificate.
///
/// [`crate::X509CredentialValidator`] returns it inside a
/// [`mls_group::CredentialRefusal`], from which [`mls_group::CredentialRefusal::downcast_ref`]
/// gets it back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum X509Error {
    /// The credential is not of type `x509`.
    #[error("not an X.509 credential")]
    NotX509,
    /// The credential has no certificate (RFC 9420 §5.3 requires the end-entity one).
    #[error("the X.509 credential has no certificate")]
    EmptyChain,
    /// The credential has more certificates than [`crate::MAX_CHAIN_LENGTH`].
    #[error("the certificate chain has {length} certificates, more than {max}")]
    ChainTooLong {
        /// The number of certificates.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// A certificate is not a well-formed DER X.509 certificate (RFC 5280 §4.1): it does
    /// not parse, has trailing bytes, names two different signature algorithms, repeats an
    /// extension, or has an extension, key or signature that does not decode.
    #[error("certificate {index} is malformed")]
    Malformed {
        /// The certificate.
        index: usize,
    },
    /// A certificate has a critical extension this crate does not process (RFC 5280 §4.2).
    #[error("certificate {index} has the unsupported critical extension {extension}")]
    UnsupportedCriticalExtension {
        /// The certificate.
        index: usize,
        /// The extension's OID, dotted.
        extension: String,
    },
    /// A certificate's key or signature uses an algorithm this crate does not verify (it
    /// verifies Ed25519 and ECDSA on P-256, P-384 and P-521 with SHA-256, SHA-384 or
    /// SHA-512).
    #[error("certificate {index} uses the unsupported algorithm {algorithm}")]
    UnsupportedAlgorithm {
        /// The certificate.
        index: usize,
        /// The algorithm's (or curve's) OID, dotted.
        algorithm: String,
    },
    /// The time of the check is after a certificate's notAfter (RFC 5280 §4.1.2.5).
    #[error("certificate {index} expired at {not_after}")]
    Expired {
        /// The certificate.
        index: usize,
        /// Its notAfter, in seconds since the Unix epoch.
        not_after: u64,
    },
    /// The time of the check is before a certificate's notBefore (RFC 5280 §4.1.2.5).
    #[error("certificate {index} is not valid before {not_before}")]
    NotYetValid {
        /// The certificate.
        index: usize,
        /// Its notBefore, in seconds since the Unix epoch.
        not_before: u64,
    },
    /// The end-entity certificate's public key is not the leaf's signature key (RFC 9420
    /// §5.3: they "MUST be identical").
    #[error("the end-entity certificate's public key is not the signature key")]
    KeyMismatch,
    /// The end-entity certificate has a keyUsage extension without digitalSignature
    /// (RFC 5280 §4.2.1.3), so its key may not sign MLS messages.
    #[error("the end-entity certificate's key usage does not allow signatures")]
    NotForSigning,
    /// A certificate's issuer is not the subject of the next certificate (RFC 5280
    /// §6.1.3 (a)(4)).
    #[error("the issuer of certificate {index} is not the subject of the next one")]
    IssuerMismatch {
        /// The certificate whose issuer does not match.
        index: usize,
    },
    /// A certificate that issues the previous one is not a CA: its basicConstraints is
    /// missing or has cA false, or its keyUsage lacks keyCertSign (RFC 5280 §4.2.1.9,
    /// §4.2.1.3).
    #[error("certificate {index} issues another but is not a CA")]
    NotACa {
        /// The issuing certificate.
        index: usize,
    },
    /// A CA's pathLenConstraint allows fewer intermediate certificates below it than the
    /// chain has (RFC 5280 §4.2.1.9). `index` is the chain's length when the CA is a trust
    /// anchor outside the chain.
    #[error("the path length constraint of certificate {index} is exceeded")]
    PathTooLong {
        /// The CA.
        index: usize,
    },
    /// A certificate's signature does not verify with its issuer's key: the next
    /// certificate's, or, for the last one, a trust anchor's named as its issuer.
    #[error("the signature of certificate {index} does not verify")]
    BadSignature {
        /// The certificate.
        index: usize,
    },
    /// The last certificate is not a trust anchor, and no trust anchor is its issuer: the
    /// chain does not lead to an anchor.
    #[error("the certificate chain does not lead to a trust anchor")]
    UnknownIssuer,
    /// The end-entity certificate does not present the identity the validator derives
    /// members from (see [`crate::IdentitySource`]).
    #[error("the end-entity certificate has no {identity}")]
    NoIdentity {
        /// Where the identity was looked for.
        identity: crate::IdentitySource,
    },
    /// The end-entity certificate presents more than one identity of the kind the validator
    /// derives members from, so it is ambiguous which member it is.
    #[error("the end-entity certificate has more than one {identity}")]
    AmbiguousIdentity {
        /// Where the identity was looked for.
        identity: crate::IdentitySource,
    },
    /// A validator needs at least one trust anchor.
    #[error("no trust anchor was given")]
    NoTrustAnchor,
    /// A trust anchor given to the validator is not a well-formed DER certificate.
    #[error("trust anchor {index} is malformed")]
    MalformedAnchor {
        /// The anchor, in the order given.
        index: usize,
    },
    /// A trust anchor's key is of an algorithm this crate does not verify.
    #[error("trust anchor {index} has a key of the unsupported algorithm {algorithm}")]
    UnsupportedAnchorKey {
        /// The anchor, in the order given.
        index: usize,
        /// The algorithm's (or curve's) OID, dotted.
        algorithm: String,
    },
}
