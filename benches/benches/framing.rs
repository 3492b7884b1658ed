//! PrivateMessage protect and unprotect of application messages (RFC 9420 §6.3), suite 1.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mls_codec::{CipherSuite, FramedContent, FramedContentBody, Sender, VarBytes};
use mls_crypto::CryptoProvider;
use mls_crypto_rustcrypto::RustCryptoProvider;
use mls_framing::private::{self, PrivateEpoch, RatchetKey};

fn private_message(c: &mut Criterion) {
    let suite = RustCryptoProvider
        .suite(CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519)
        .expect("suite 1 is supported");
    let keys = suite
        .generate_signature_key_pair()
        .expect("key generation works");
    let signer = suite.signer(&keys.private_key).expect("a valid key");
    let group_context = vec![0x42; 120];
    let epoch = PrivateEpoch {
        suite,
        group_context: &group_context,
        sender_data_secret: &[3; 32],
    };
    let key = RatchetKey {
        generation: 0,
        key: &[1; 16],
        nonce: &[2; 12],
    };
    let mut group = c.benchmark_group("private_message");
    for size in [32usize, 1024, 64 * 1024] {
        let content = FramedContent {
            group_id: VarBytes::from(b"benchmark group"),
            epoch: 1,
            sender: Sender::Member(0),
            authenticated_data: VarBytes::default(),
            content: FramedContentBody::Application(VarBytes(vec![0x61; size])),
        };
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("protect", size), &content, |b, content| {
            b.iter(|| {
                private::protect(epoch, &*signer, black_box(content.clone()), None, key, 0)
                    .expect("protect works")
            });
        });
        let message =
            private::protect(epoch, &*signer, content, None, key, 0).expect("protect works");
        group.bench_with_input(
            BenchmarkId::new("unprotect", size),
            &message,
            |b, message| {
                b.iter(|| {
                    let sender_data =
                        private::decrypt_sender_data(epoch, black_box(message)).expect("decrypts");
                    private::open(epoch, message, &sender_data, key, &keys.public_key)
                        .expect("opens")
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, private_message);
criterion_main!(benches);
