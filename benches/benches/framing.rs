//! PrivateMessage protect and unprotect of application messages (RFC 9420 §6.3), suite 1.
//!
//! Each message takes its key from the epoch's secret tree as a real member does: the sender
//! takes the next key of its application ratchet (§9.1), the receiver decrypts the sender
//! data, stages the key of that generation, opens the message and then commits (deletes) the
//! key (§9.2). So every measured message uses a new generation, and the figures include the
//! ratchet step.

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mls_codec::{
    CipherSuite, FramedContent, FramedContentBody, LeafIndex, PrivateMessage, Sender, VarBytes,
};
use mls_crypto::{CryptoProvider, Secret};
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_framing::private::{self, PrivateEpoch};
use mls_key_schedule::{RatchetKind, SecretTree};
use mls_tree::TreeSize;

/// The sender's leaf in a group of two.
const SENDER: u32 = 0;

fn private_message(c: &mut Criterion) {
    let suite = RustCryptoProvider
        .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .expect("suite 1 is supported");
    let keys = suite
        .generate_signature_key_pair()
        .expect("key generation works");
    let signer = suite.signer(&keys.private_key).expect("a valid key");
    let group_context = vec![0x42; 120];
    let sender_data_secret = Secret::new(vec![3; 32]);
    let epoch = PrivateEpoch {
        suite,
        group_context: &group_context,
        sender_data_secret: &sender_data_secret,
    };
    let size = TreeSize::for_leaves(2).expect("a tree of two leaves");
    // Every member derives the same tree from the epoch's encryption_secret.
    let new_tree = || SecretTree::new(suite, Secret::new(vec![4; 32]), size);
    let mut group = c.benchmark_group("private_message");
    for size in [32usize, 1024, 64 * 1024] {
        let content = FramedContent {
            group_id: VarBytes::from(b"benchmark group"),
            epoch: 1,
            sender: Sender::Member(LeafIndex(SENDER)),
            authenticated_data: VarBytes::default(),
            content: FramedContentBody::Application(VarBytes(vec![0x61; size])),
        };
        let protect = |tree: &mut SecretTree, content: FramedContent| -> PrivateMessage {
            let key = tree
                .encryption_key(suite, SENDER, RatchetKind::Application)
                .expect("the ratchet is not exhausted");
            private::protect(epoch, &*signer, content, None, &key, 0).expect("protect works")
        };
        group.throughput(Throughput::Bytes(size as u64));

        let mut sender = new_tree();
        group.bench_with_input(BenchmarkId::new("protect", size), &content, |b, content| {
            b.iter_batched(
                || content.clone(),
                |content| protect(&mut sender, black_box(content)),
                BatchSize::SmallInput,
            );
        });

        // Criterion prepares a batch of messages, then opens them in the order they were sent:
        // each is of the receiver's next generation.
        let mut sender = new_tree();
        let mut receiver = new_tree();
        group.bench_function(BenchmarkId::new("unprotect", size), |b| {
            b.iter_batched(
                || protect(&mut sender, content.clone()),
                |message| {
                    let message = black_box(message);
                    let sender_data =
                        private::decrypt_sender_data(epoch, &message).expect("decrypts");
                    let staged = receiver
                        .stage_decryption_key(
                            suite,
                            sender_data.leaf_index,
                            RatchetKind::for_content_type(message.content_type),
                            sender_data.generation,
                        )
                        .expect("the next generation");
                    let content = private::open(
                        epoch,
                        &message,
                        &sender_data,
                        staged.key(),
                        &keys.public_key,
                    )
                    .expect("opens");
                    staged.commit();
                    content
                },
                BatchSize::SmallInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, private_message);
criterion_main!(benches);
