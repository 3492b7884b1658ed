//! X509CredentialValidator on chains made at test time: each refusal is its own X509Error.

mod common;

use common::{Algorithm, Ca, Chain, PublicKey, RsaKey, TestKey, credential, now};
use mls_codec::{Credential, VarBytes};
use mls_group::{CredentialContext, CredentialSource, CredentialValidator};
use mls_x509::{IdentitySource, MAX_CHAIN_LENGTH, X509CredentialValidator, X509Error};
use rcgen::{BasicConstraints, CustomExtension, IsCa, KeyUsagePurpose, SanType};

const ALGORITHMS: [Algorithm; 3] = [Algorithm::Ed25519, Algorithm::P256, Algorithm::P384];

fn validator(anchor: &Ca) -> X509CredentialValidator {
    X509CredentialValidator::new([anchor.der.as_slice()]).expect("a valid anchor")
}

/// Validates `certificates` for `signature_key` at `now`, returning the typed refusal.
fn check_at(
    validator: &X509CredentialValidator,
    certificates: &[Vec<u8>],
    signature_key: &[u8],
    now: u64,
) -> Result<(), X509Error> {
    let credential = credential(certificates);
    check_credential(validator, &credential, signature_key, now)
}

fn check_credential(
    validator: &X509CredentialValidator,
    credential: &Credential,
    signature_key: &[u8],
    now: u64,
) -> Result<(), X509Error> {
    let context = CredentialContext::new(
        CredentialSource::KeyPackage,
        b"group",
        1,
        credential,
        signature_key,
        now,
    );
    validator.validate(&context).map_err(|refusal| {
        refusal
            .downcast_ref::<X509Error>()
            .expect("the refusal carries an X509Error")
            .clone()
    })
}

fn check(
    validator: &X509CredentialValidator,
    certificates: &[Vec<u8>],
    signature_key: &[u8],
) -> Result<(), X509Error> {
    check_at(validator, certificates, signature_key, now())
}

#[test]
fn a_valid_chain_is_accepted() {
    for algorithm in ALGORITHMS {
        let chain = Chain::new(algorithm, "alice");
        let validator = validator(&chain.root);
        let key = chain.end_entity_key.public();
        assert_eq!(check(&validator, &chain.certificates(), key), Ok(()));
        // With the root in the chain too: the last certificate is then an anchor itself.
        let mut with_root = chain.certificates();
        with_root.push(chain.root.der.clone());
        assert_eq!(check(&validator, &with_root, key), Ok(()));
        // The validity bounds are included (RFC 5280 §4.1.2.5).
        let start = u64::try_from(rcgen::date_time_ymd(2025, 1, 1).unix_timestamp()).unwrap();
        let end = u64::try_from(rcgen::date_time_ymd(2028, 1, 1).unix_timestamp()).unwrap();
        assert_eq!(
            check_at(&validator, &chain.certificates(), key, start),
            Ok(())
        );
        assert_eq!(
            check_at(&validator, &chain.certificates(), key, end),
            Ok(())
        );
        assert_eq!(
            validator.identity(&credential(&chain.certificates())),
            Ok(b"alice".to_vec())
        );
    }
}

#[test]
fn an_intermediate_trusted_as_anchor_is_enough() {
    for algorithm in ALGORITHMS {
        let chain = Chain::new(algorithm, "alice");
        let validator = validator(&chain.intermediate);
        let key = chain.end_entity_key.public();
        assert_eq!(check(&validator, &chain.certificates(), key), Ok(()));
        assert_eq!(
            check(&validator, std::slice::from_ref(&chain.end_entity), key),
            Ok(())
        );
    }
}

#[test]
fn algorithms_can_be_mixed_along_the_chain() {
    let root = Ca::root(Algorithm::Ed25519, "Ed25519 Root", 1);
    let intermediate = root.intermediate(common::ca_params("P-256 CA"), Algorithm::P256, 2);
    let key = TestKey::new(Algorithm::P256, 3);
    let end_entity = intermediate.issue(&common::end_entity_params("alice"), &key);
    let certificates = vec![end_entity, intermediate.der.clone()];
    assert_eq!(
        check(&validator(&root), &certificates, key.public()),
        Ok(())
    );
}

#[test]
fn a_pinned_end_entity_certificate_is_accepted_alone() {
    let chain = Chain::new(Algorithm::Ed25519, "alice");
    let validator = X509CredentialValidator::new([chain.end_entity.as_slice()]).unwrap();
    let key = chain.end_entity_key.public();
    assert_eq!(
        check(&validator, std::slice::from_ref(&chain.end_entity), key),
        Ok(())
    );
    // It is not a CA, so it issues nothing.
    let bob_key = TestKey::new(Algorithm::Ed25519, 9);
    let ca = Ca {
        params: common::end_entity_params("alice"),
        key: TestKey::new(Algorithm::Ed25519, 3),
        der: chain.end_entity.clone(),
    };
    let bob = ca.issue(&common::end_entity_params("bob"), &bob_key);
    assert_eq!(
        check(&validator, &[bob], bob_key.public()),
        Err(X509Error::UnknownIssuer)
    );
}

#[test]
fn an_expired_certificate_is_refused() {
    for algorithm in ALGORITHMS {
        let chain = Chain::new(algorithm, "alice");
        let key = &chain.end_entity_key;
        let expired = chain.intermediate.issue(
            &common::valid(common::end_entity_params("alice"), 2020, 2021),
            key,
        );
        let not_after = u64::try_from(rcgen::date_time_ymd(2021, 1, 1).unix_timestamp()).unwrap();
        assert_eq!(
            check(
                &validator(&chain.root),
                &[expired, chain.intermediate.der.clone()],
                key.public()
            ),
            Err(X509Error::Expired {
                index: 0,
                not_after
            })
        );
        // The whole chain at a time after it.
        assert_eq!(
            check_at(
                &validator(&chain.root),
                &chain.certificates(),
                key.public(),
                now() + 10 * 365 * 86_400
            ),
            Err(X509Error::Expired {
                index: 0,
                not_after: u64::try_from(rcgen::date_time_ymd(2028, 1, 1).unix_timestamp())
                    .unwrap()
            })
        );
        // An expired intermediate.
        let intermediate = chain.root.intermediate(
            common::valid(common::ca_params("Test Intermediate CA"), 2020, 2021),
            algorithm,
            2,
        );
        let end_entity = intermediate.issue(&common::end_entity_params("alice"), key);
        assert_eq!(
            check(
                &validator(&chain.root),
                &[end_entity, intermediate.der.clone()],
                key.public()
            ),
            Err(X509Error::Expired {
                index: 1,
                not_after
            })
        );
    }
}

#[test]
fn a_certificate_not_yet_valid_is_refused() {
    for algorithm in ALGORITHMS {
        let chain = Chain::new(algorithm, "alice");
        let key = &chain.end_entity_key;
        let future = chain.intermediate.issue(
            &common::valid(common::end_entity_params("alice"), 2030, 2031),
            key,
        );
        let not_before = u64::try_from(rcgen::date_time_ymd(2030, 1, 1).unix_timestamp()).unwrap();
        assert_eq!(
            check(
                &validator(&chain.root),
                &[future, chain.intermediate.der.clone()],
                key.public()
            ),
            Err(X509Error::NotYetValid {
                index: 0,
                not_before
            })
        );
    }
}

#[test]
fn a_chain_to_another_anchor_is_refused() {
    for algorithm in ALGORITHMS {
        let chain = Chain::new(algorithm, "alice");
        let key = chain.end_entity_key.public();
        let other = Ca::root(algorithm, "Other Root CA", 4);
        assert_eq!(
            check(&validator(&other), &chain.certificates(), key),
            Err(X509Error::UnknownIssuer)
        );
        // An impostor root of the same name: its key did not sign the intermediate.
        let impostor = Ca::root(algorithm, "Test Root CA", 5);
        assert_eq!(
            check(&validator(&impostor), &chain.certificates(), key),
            Err(X509Error::BadSignature { index: 1 })
        );
        // Either anchor of several may be the issuer.
        let both = X509CredentialValidator::new([other.der.as_slice(), chain.root.der.as_slice()])
            .unwrap();
        assert_eq!(check(&both, &chain.certificates(), key), Ok(()));
    }
}

#[test]
fn an_end_entity_key_other_than_the_signature_key_is_refused() {
    for algorithm in ALGORITHMS {
        let chain = Chain::new(algorithm, "alice");
        let validator = validator(&chain.root);
        let other = TestKey::new(algorithm, 7);
        assert_eq!(
            check(&validator, &chain.certificates(), other.public()),
            Err(X509Error::KeyMismatch)
        );
        // A key of the other algorithm, as a group of another suite would have.
        let other_kind = match algorithm {
            Algorithm::Ed25519 => TestKey::new(Algorithm::P256, 3),
            Algorithm::P256 | Algorithm::P384 => TestKey::new(Algorithm::Ed25519, 3),
        };
        assert_eq!(
            check(&validator, &chain.certificates(), other_kind.public()),
            Err(X509Error::KeyMismatch)
        );
    }
}

/// The certificate with the last byte of its signature flipped.
fn flip_signature(certificate: &[u8]) -> Vec<u8> {
    let mut broken = certificate.to_vec();
    if let Some(last) = broken.last_mut() {
        *last ^= 1;
    }
    broken
}

#[test]
fn a_broken_signature_is_refused() {
    for algorithm in ALGORITHMS {
        let chain = Chain::new(algorithm, "alice");
        let validator = validator(&chain.root);
        let key = chain.end_entity_key.public();
        assert_eq!(
            check(
                &validator,
                &[
                    flip_signature(&chain.end_entity),
                    chain.intermediate.der.clone()
                ],
                key
            ),
            Err(X509Error::BadSignature { index: 0 })
        );
        assert_eq!(
            check(
                &validator,
                &[
                    chain.end_entity.clone(),
                    flip_signature(&chain.intermediate.der)
                ],
                key
            ),
            Err(X509Error::BadSignature { index: 1 })
        );
    }
}

#[test]
fn an_intermediate_that_is_not_a_ca_is_refused() {
    for algorithm in ALGORITHMS {
        let chain = Chain::new(algorithm, "alice");
        let key = &chain.end_entity_key;
        let not_ca = |params: rcgen::CertificateParams| {
            let intermediate = chain.root.intermediate(params, algorithm, 2);
            let end_entity = intermediate.issue(&common::end_entity_params("alice"), key);
            check(
                &validator(&chain.root),
                &[end_entity, intermediate.der.clone()],
                key.public(),
            )
        };
        // basicConstraints with cA false.
        let mut params = common::ca_params("Test Intermediate CA");
        params.is_ca = IsCa::ExplicitNoCa;
        assert_eq!(not_ca(params), Err(X509Error::NotACa { index: 1 }));
        // No basicConstraints.
        let mut params = common::ca_params("Test Intermediate CA");
        params.is_ca = IsCa::NoCa;
        assert_eq!(not_ca(params), Err(X509Error::NotACa { index: 1 }));
        // A CA whose keyUsage does not include keyCertSign.
        let mut params = common::ca_params("Test Intermediate CA");
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        assert_eq!(not_ca(params), Err(X509Error::NotACa { index: 1 }));
    }
}

#[test]
fn a_path_length_constraint_is_enforced() {
    let algorithm = Algorithm::Ed25519;
    let mut root_params = common::ca_params("Constrained Root");
    root_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let key = TestKey::new(algorithm, 1);
    let der = root_params.self_signed(&key).unwrap().der().to_vec();
    let root = Ca {
        params: root_params,
        key,
        der,
    };
    let intermediate = root.intermediate(common::ca_params("Intermediate"), algorithm, 2);
    let end_entity_key = TestKey::new(algorithm, 3);
    let end_entity = intermediate.issue(&common::end_entity_params("alice"), &end_entity_key);
    let certificates = [end_entity.clone(), intermediate.der.clone()];
    // The anchor outside the chain.
    assert_eq!(
        check(&validator(&root), &certificates, end_entity_key.public()),
        Err(X509Error::PathTooLong { index: 2 })
    );
    // The same root inside the chain.
    let with_root = [end_entity, intermediate.der.clone(), root.der.clone()];
    assert_eq!(
        check(&validator(&root), &with_root, end_entity_key.public()),
        Err(X509Error::PathTooLong { index: 2 })
    );
    // Issuing an end-entity certificate directly is within the constraint.
    let direct = root.issue(&common::end_entity_params("bob"), &end_entity_key);
    assert_eq!(
        check(&validator(&root), &[direct], end_entity_key.public()),
        Ok(())
    );
}

#[test]
fn an_issuer_name_that_does_not_chain_is_refused() {
    let chain = Chain::new(Algorithm::Ed25519, "alice");
    let other = chain.root.intermediate(
        common::ca_params("Other Intermediate"),
        Algorithm::Ed25519,
        2,
    );
    assert_eq!(
        check(
            &validator(&chain.root),
            &[chain.end_entity.clone(), other.der.clone()],
            chain.end_entity_key.public()
        ),
        Err(X509Error::IssuerMismatch { index: 0 })
    );
}

#[test]
fn malformed_certificates_are_refused() {
    let chain = Chain::new(Algorithm::P256, "alice");
    let validator = validator(&chain.root);
    let key = chain.end_entity_key.public();
    let intermediate = chain.intermediate.der.clone();
    assert_eq!(
        check(&validator, &[b"not a certificate".to_vec()], key),
        Err(X509Error::Malformed { index: 0 })
    );
    let mut trailing = chain.end_entity.clone();
    trailing.push(0);
    assert_eq!(
        check(&validator, &[trailing, intermediate.clone()], key),
        Err(X509Error::Malformed { index: 0 })
    );
    let truncated = intermediate[..intermediate.len() - 1].to_vec();
    assert_eq!(
        check(&validator, &[chain.end_entity.clone(), truncated], key),
        Err(X509Error::Malformed { index: 1 })
    );
    assert_eq!(
        check(&validator, &[chain.end_entity.clone(), Vec::new()], key),
        Err(X509Error::Malformed { index: 1 })
    );
}

#[test]
fn a_repeated_extension_is_malformed() {
    let chain = Chain::new(Algorithm::Ed25519, "alice");
    let key = &chain.end_entity_key;
    let mut params = common::end_entity_params("alice");
    let extension = || CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99999, 2], vec![5, 0]);
    params.custom_extensions = vec![extension(), extension()];
    let end_entity = chain.intermediate.issue(&params, key);
    assert_eq!(
        check(
            &validator(&chain.root),
            &[end_entity, chain.intermediate.der.clone()],
            key.public()
        ),
        Err(X509Error::Malformed { index: 0 })
    );
}

#[test]
fn keys_of_other_algorithms_are_refused() {
    let chain = Chain::new(Algorithm::Ed25519, "alice");
    // A member certificate for an RSA key.
    let end_entity = chain
        .intermediate
        .issue(&common::end_entity_params("alice"), &RsaKey);
    assert_eq!(
        check(
            &validator(&chain.root),
            &[end_entity, chain.intermediate.der.clone()],
            &[1; 32]
        ),
        Err(X509Error::UnsupportedAlgorithm {
            index: 0,
            algorithm: "1.2.840.113549.1.1.1".into()
        })
    );
    // A CA with an RSA key, as an anchor.
    let rsa_ca = chain.root.issue(&common::ca_params("RSA CA"), &RsaKey);
    assert_eq!(
        X509CredentialValidator::new([rsa_ca.as_slice()]).unwrap_err(),
        X509Error::UnsupportedAnchorKey {
            index: 0,
            algorithm: "1.2.840.113549.1.1.1".into()
        }
    );
}

#[test]
fn an_empty_chain_is_refused() {
    let chain = Chain::new(Algorithm::Ed25519, "alice");
    assert_eq!(
        check(&validator(&chain.root), &[], chain.end_entity_key.public()),
        Err(X509Error::EmptyChain)
    );
    assert_eq!(
        validator(&chain.root).identity(&credential(&[])),
        Err(X509Error::EmptyChain)
    );
}

#[test]
fn a_basic_credential_is_refused() {
    let chain = Chain::new(Algorithm::Ed25519, "alice");
    let basic = Credential::Basic {
        identity: VarBytes::from(b"alice"),
    };
    let validator = validator(&chain.root);
    assert_eq!(
        check_credential(&validator, &basic, chain.end_entity_key.public(), now()),
        Err(X509Error::NotX509)
    );
    assert_eq!(validator.identity(&basic), Err(X509Error::NotX509));
    let x509 = credential(&chain.certificates());
    assert!(!validator.is_same_member(&basic, &x509));
    assert!(!validator.is_same_member(&x509, &basic));
}

#[test]
fn a_chain_longer_than_the_limit_is_refused_before_parsing() {
    let chain = Chain::new(Algorithm::Ed25519, "alice");
    let certificates = vec![Vec::new(); MAX_CHAIN_LENGTH + 1];
    assert_eq!(
        check(
            &validator(&chain.root),
            &certificates,
            chain.end_entity_key.public()
        ),
        Err(X509Error::ChainTooLong {
            length: MAX_CHAIN_LENGTH + 1,
            max: MAX_CHAIN_LENGTH
        })
    );
}

#[test]
fn an_unknown_critical_extension_is_refused_and_a_non_critical_one_ignored() {
    let chain = Chain::new(Algorithm::Ed25519, "alice");
    let key = &chain.end_entity_key;
    let with_extension = |critical| {
        let mut params = common::end_entity_params("alice");
        let mut extension =
            CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 99999, 1], vec![5, 0]);
        extension.set_criticality(critical);
        params.custom_extensions = vec![extension];
        let end_entity = chain.intermediate.issue(&params, key);
        check(
            &validator(&chain.root),
            &[end_entity, chain.intermediate.der.clone()],
            key.public(),
        )
    };
    assert_eq!(with_extension(false), Ok(()));
    assert_eq!(
        with_extension(true),
        Err(X509Error::UnsupportedCriticalExtension {
            index: 0,
            extension: "1.3.6.1.4.1.99999.1".into()
        })
    );
}

#[test]
fn an_end_entity_key_that_may_not_sign_is_refused() {
    let chain = Chain::new(Algorithm::P256, "alice");
    let key = &chain.end_entity_key;
    let mut params = common::end_entity_params("alice");
    params.key_usages = vec![KeyUsagePurpose::KeyAgreement];
    let end_entity = chain.intermediate.issue(&params, key);
    assert_eq!(
        check(
            &validator(&chain.root),
            &[end_entity, chain.intermediate.der.clone()],
            key.public()
        ),
        Err(X509Error::NotForSigning)
    );
}

#[test]
fn identities_come_from_the_configured_source() {
    let chain = Chain::new(Algorithm::Ed25519, "Alice Liddell");
    let key = &chain.end_entity_key;
    let params = common::with_sans(
        common::end_entity_params("Alice Liddell"),
        vec![
            SanType::DnsName("alice.example".try_into().unwrap()),
            SanType::URI("mls://example.com/alice".try_into().unwrap()),
            SanType::Rfc822Name("alice@example.com".try_into().unwrap()),
        ],
    );
    let certificates = [
        chain.intermediate.issue(&params, key),
        chain.intermediate.der.clone(),
    ];
    let credential = credential(&certificates);
    for (source, expected) in [
        (IdentitySource::SubjectCommonName, &b"Alice Liddell"[..]),
        (IdentitySource::DnsName, b"alice.example"),
        (IdentitySource::Uri, b"mls://example.com/alice"),
        (IdentitySource::Email, b"alice@example.com"),
    ] {
        let validator = validator(&chain.root).with_identity_source(source);
        assert_eq!(validator.identity_source(), source);
        assert_eq!(validator.identity(&credential), Ok(expected.to_vec()));
        assert_eq!(
            check_credential(&validator, &credential, key.public(), now()),
            Ok(())
        );
    }
    // The chain's own end-entity certificate has no SAN: no URI identity, so refused.
    let uri = validator(&chain.root).with_identity_source(IdentitySource::Uri);
    assert_eq!(
        check(&uri, &chain.certificates(), key.public()),
        Err(X509Error::NoIdentity {
            identity: IdentitySource::Uri
        })
    );
    // Two URIs: which member it is would be ambiguous.
    let params = common::with_sans(
        common::end_entity_params("alice"),
        vec![
            SanType::URI("mls://example.com/alice".try_into().unwrap()),
            SanType::URI("mls://example.com/bob".try_into().unwrap()),
        ],
    );
    let two = [
        chain.intermediate.issue(&params, key),
        chain.intermediate.der.clone(),
    ];
    assert_eq!(
        check(&uri, &two, key.public()),
        Err(X509Error::AmbiguousIdentity {
            identity: IdentitySource::Uri
        })
    );
}

#[test]
fn the_same_identity_with_a_new_key_is_the_same_member() {
    let chain = Chain::new(Algorithm::P256, "alice");
    let validator = validator(&chain.root);
    let alice_old = credential(&chain.certificates());
    let new_key = PublicKey(TestKey::new(Algorithm::P256, 11).public().to_vec());
    let alice_new = credential(&[
        chain
            .intermediate
            .issue(&common::end_entity_params("alice"), &new_key),
        chain.intermediate.der.clone(),
    ]);
    let bob = credential(&[
        chain
            .intermediate
            .issue(&common::end_entity_params("bob"), &new_key),
        chain.intermediate.der.clone(),
    ]);
    assert_eq!(
        check_credential(&validator, &alice_new, &new_key.0, now()),
        Ok(())
    );
    assert!(validator.is_same_member(&alice_old, &alice_new));
    assert!(!validator.is_same_member(&alice_old, &bob));
    assert!(!validator.is_same_member(&credential(&[]), &credential(&[])));
}

#[test]
fn a_validator_needs_well_formed_anchors() {
    assert_eq!(
        X509CredentialValidator::new::<&[u8]>([]).unwrap_err(),
        X509Error::NoTrustAnchor
    );
    let chain = Chain::new(Algorithm::Ed25519, "alice");
    assert_eq!(
        X509CredentialValidator::new([chain.root.der.as_slice(), b"junk"]).unwrap_err(),
        X509Error::MalformedAnchor { index: 1 }
    );
}

#[test]
fn refusals_read_as_text() {
    let chain = Chain::new(Algorithm::Ed25519, "alice");
    let credential = credential(&chain.certificates());
    let context = CredentialContext::new(
        CredentialSource::UpdatePath,
        b"group",
        1,
        &credential,
        b"another key",
        now(),
    );
    let refusal = validator(&chain.root).validate(&context).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "the end-entity certificate's public key is not the signature key"
    );
}

/// Certificates are network input: every single-byte corruption and every truncation of
/// either certificate of a valid chain is refused, and none makes the validator panic.
#[test]
fn every_corrupted_byte_and_truncation_is_refused() {
    for algorithm in ALGORITHMS {
        let chain = Chain::new(algorithm, "alice");
        let validator = validator(&chain.root);
        let key = chain.end_entity_key.public();
        for index in 0..2 {
            let original = chain.certificates();
            let length = original[index].len();
            for position in 0..length {
                for mask in [0x01, 0x80, 0xff] {
                    let mut certificates = original.clone();
                    certificates[index][position] ^= mask;
                    assert!(
                        check(&validator, &certificates, key).is_err(),
                        "{algorithm:?}: certificate {index}, byte {position} ^ {mask:#x}"
                    );
                }
            }
            for cut in 0..length {
                let mut certificates = original.clone();
                certificates[index].truncate(cut);
                assert!(
                    check(&validator, &certificates, key).is_err(),
                    "{algorithm:?}: certificate {index} cut at {cut}"
                );
            }
        }
    }
}
