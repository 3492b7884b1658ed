//! The certificates of the crate documentation's example, in `tests/data/`: a root CA and
//! Alice's certificate issued by it, both Ed25519, valid from 2025 to 2028. They are made
//! here, deterministically; `MLS_X509_WRITE_FIXTURES=1 cargo test -p mls-x509 --test
//! fixtures` writes them anew.

mod common;

use common::{Algorithm, Ca, TestKey};

fn fixtures() -> [(&'static str, Vec<u8>); 3] {
    let root = Ca::root(Algorithm::Ed25519, "Example Root CA", 21);
    let alice_key = TestKey::new(Algorithm::Ed25519, 22);
    let alice = root.issue(&common::end_entity_params("alice"), &alice_key);
    [
        ("root.der", root.der),
        ("alice.der", alice),
        ("alice.pub", alice_key.public().to_vec()),
    ]
}

#[test]
fn the_example_certificates_are_the_ones_made_here() {
    let directory = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    for (name, bytes) in fixtures() {
        let path = format!("{directory}/{name}");
        if std::env::var_os("MLS_X509_WRITE_FIXTURES").is_some() {
            std::fs::write(&path, &bytes).unwrap();
        }
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{path}");
    }
}
