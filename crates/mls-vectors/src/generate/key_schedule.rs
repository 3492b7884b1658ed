//! key-schedule.json: a chain of epochs of the key schedule (RFC 9420 §8) from a fresh init
//! secret, with the external key pair (§8.3) and an exporter output (§8.5) of each.

use mls_codec::Encode;
use mls_crypto::Secret;
use mls_key_schedule::KeySchedule;
use serde_json::Value;

use super::{LayerError, SuiteContext, any, as_u32, pick, to_values};
use crate::hex_field::Hex;
use crate::key_schedule::{Case, Epoch, Exporter};
use crate::wire::group_context;

/// The number of epochs of the chain.
const EPOCHS: u64 = 3;

/// One case: a chain of epochs with random tree hashes, transcript hashes and commit
/// secrets; the PSK secret is all zeros in the first epoch (no PSK) and random afterwards.
pub(crate) fn generate(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let suite = context.suite;
    let group_id = context.random(pick(8..33))?;
    let initial_init_secret = context.secret()?;
    let mut init_secret = Secret::from_slice(&initial_init_secret);
    let mut epochs = Vec::new();
    for epoch in 0..EPOCHS {
        let tree_hash = context.secret()?;
        let confirmed_transcript_hash = context.secret()?;
        let commit_secret = context.secret()?;
        let psk_secret = if epoch == 0 {
            Hex(vec![0; suite.hash_len()])
        } else {
            context.secret()?
        };
        let encoded = group_context(
            context.number(),
            &group_id,
            epoch,
            &tree_hash,
            &confirmed_transcript_hash,
        )
        .to_bytes()?;
        let schedule = KeySchedule::new_epoch(
            suite,
            &init_secret,
            &Secret::from_slice(&commit_secret),
            &Secret::from_slice(&psk_secret),
            &encoded,
        )?;
        let secrets = schedule.epoch_secrets();
        let label = format!("exporter label {}", any::<u32>());
        let exporter_context = context.random(pick(0..33))?;
        let length = pick(16..65);
        let exported = secrets.export(suite, &label, &exporter_context, length)?;
        let bytes = |secret: &Secret| Hex::from(secret.as_bytes());
        epochs.push(Epoch {
            tree_hash,
            commit_secret,
            psk_secret,
            confirmed_transcript_hash,
            group_context: Hex(encoded),
            joiner_secret: bytes(schedule.joiner_secret().as_secret()),
            welcome_secret: bytes(schedule.welcome_secret().as_secret()),
            init_secret: bytes(secrets.init_secret()),
            sender_data_secret: bytes(secrets.sender_data_secret()),
            encryption_secret: secrets.encryption_secret().map(bytes).unwrap_or_default(),
            exporter_secret: bytes(secrets.exporter_secret()),
            epoch_authenticator: bytes(secrets.epoch_authenticator()),
            external_secret: bytes(secrets.external_secret()),
            confirmation_key: bytes(secrets.confirmation_key()),
            membership_key: bytes(secrets.membership_key()),
            resumption_psk: bytes(secrets.resumption_psk()),
            external_pub: Hex(secrets.external_key_pair(suite)?.public_key),
            exporter: Exporter {
                label,
                context: exporter_context,
                length: as_u32(length)?,
                secret: bytes(&exported),
            },
        });
        init_secret = secrets.init_secret().clone();
    }
    to_values(vec![Case {
        cipher_suite: context.number(),
        group_id,
        initial_init_secret,
        epochs,
    }])
}
