//! crypto-basics.json: the labeled operations of RFC 9420 §5 and §8 on fresh random inputs.

use mls_crypto::labeled;
use serde_json::Value;

use super::{LayerError, SuiteContext, any, pick, to_values};
use crate::crypto_basics::{
    Case, DeriveSecret, DeriveTreeSecret, EncryptWithLabel, ExpandWithLabel, RefHash, SignWithLabel,
};
use crate::hex_field::Hex;

/// One case: each operation on random secrets, contexts and lengths, with fresh key pairs.
pub(crate) fn generate(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let suite = context.suite;
    let nh = suite.hash_len();

    let value = context.random(nh)?;
    let label = "MLS 1.0 ref".to_owned();
    let ref_hash = RefHash {
        out: Hex(labeled::ref_hash(suite, &label, &value)?),
        label,
        value,
    };

    let (secret, label, context_bytes) = (
        context.secret()?,
        "generated".to_owned(),
        context.random(nh)?,
    );
    let length = pick(16..65);
    let out =
        labeled::expand_with_label(suite, &secret, &label, &context_bytes, usize::from(length))?;
    let expand_with_label = ExpandWithLabel {
        out: Hex::from(out.as_bytes()),
        secret,
        label,
        context: context_bytes,
        length,
    };

    let (secret, label) = (context.secret()?, "derive".to_owned());
    let derive_secret = DeriveSecret {
        out: Hex::from(labeled::derive_secret(suite, &secret, &label)?.as_bytes()),
        label,
        secret,
    };

    let (secret, label) = (context.secret()?, "tree secret".to_owned());
    let generation = any();
    let length = pick(8..65);
    let out = labeled::derive_tree_secret(suite, &secret, &label, generation, usize::from(length))?;
    let derive_tree_secret = DeriveTreeSecret {
        out: Hex::from(out.as_bytes()),
        secret,
        label,
        generation,
        length,
    };

    let keys = suite.generate_signature_key_pair()?;
    let signer = suite.signer(&keys.private_key)?;
    let (content, label) = (context.random(nh)?, "SignWithLabel".to_owned());
    let sign_with_label = SignWithLabel {
        signature: Hex(labeled::sign_with_label(&*signer, &label, &content)?),
        private_key: Hex::from(keys.private_key.as_bytes()),
        public_key: Hex(keys.public_key),
        content,
        label,
    };

    let keys = suite.generate_hpke_key_pair()?;
    let (label, context_bytes, plaintext) = (
        "EncryptWithLabel".to_owned(),
        context.random(nh)?,
        context.random(nh)?,
    );
    let sealed =
        labeled::encrypt_with_label(suite, &keys.public_key, &label, &context_bytes, &plaintext)?;
    let encrypt_with_label = EncryptWithLabel {
        private_key: Hex::from(keys.private_key.as_bytes()),
        public_key: Hex(keys.public_key),
        label,
        context: context_bytes,
        plaintext,
        kem_output: Hex(sealed.kem_output),
        ciphertext: Hex(sealed.ciphertext),
    };

    to_values(vec![Case {
        cipher_suite: context.number(),
        ref_hash,
        expand_with_label,
        derive_secret,
        derive_tree_secret,
        sign_with_label,
        encrypt_with_label,
    }])
}
