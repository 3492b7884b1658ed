//! The scenario on mls-rs 0.57 (suite 1, RustCrypto provider).

use std::time::Instant;

use crate::{Args, helpers, median};

use mls_rs::group::ReceivedMessage;
use mls_rs::{
    CipherSuite, CipherSuiteProvider, Client, CryptoProvider, Group, MlsMessage,
    client_builder::MlsConfig,
    client_builder::PaddingMode,
    identity::{
        SigningIdentity,
        basic::{BasicCredential, BasicIdentityProvider},
    },
    mls_rules::{CommitOptions, DefaultMlsRules, EncryptionOptions},
};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

const CS: CipherSuite = CipherSuite::CURVE25519_AES128;

fn client(name: &str) -> Client<impl MlsConfig + use<>> {
    let crypto = RustCryptoProvider::default();
    let (secret, public) = crypto
        .cipher_suite_provider(CS)
        .unwrap()
        .signature_key_generate()
        .unwrap();
    let identity = SigningIdentity::new(
        BasicCredential::new(name.as_bytes().to_vec()).into_credential(),
        public,
    );
    let rules = DefaultMlsRules::new()
        .with_commit_options(
            CommitOptions::new()
                .with_path_required(true)
                .with_ratchet_tree_extension(true)
                .with_single_welcome_message(true),
        )
        .with_encryption_options(EncryptionOptions::new(true, PaddingMode::None));
    Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .mls_rules(rules)
        .signing_identity(identity, secret, CS)
        .build()
}

fn kp(c: &Client<impl MlsConfig>) -> MlsMessage {
    c.generate_key_package_message(Default::default(), Default::default(), None)
        .unwrap()
}

fn reparse(m: &MlsMessage) -> MlsMessage {
    MlsMessage::from_bytes(&m.to_bytes().unwrap()).unwrap()
}

fn auth<C: MlsConfig>(g: &Group<C>) -> Vec<u8> {
    g.epoch_authenticator().unwrap().to_vec()
}

pub(crate) fn run(args: &Args) {
    let Args {
        n,
        iters,
        middle,
        warm,
        ..
    } = *args;
    let b_leaf = if middle { n / 2 } else { 1 };
    let c_leaf = b_leaf + 1;
    let (helper_leaves, carol_helps) = if warm {
        helpers(n, b_leaf, c_leaf)
    } else {
        (vec![], false)
    };

    let alice = client("alice");
    // members[0] = bob, [1] = carol, then the helpers; each keeps its Client until it joins.
    let mut clients = vec![client("bob"), client("carol")];
    for h in &helper_leaves {
        clients.push(client(&format!("h{h}")));
    }
    let mut kps = Vec::with_capacity(n - 1);
    for leaf in 1..n {
        let who = if leaf == b_leaf {
            Some(0)
        } else if leaf == c_leaf {
            Some(1)
        } else {
            helper_leaves.iter().position(|h| *h == leaf).map(|j| j + 2)
        };
        kps.push(match who {
            Some(m) => reparse(&kp(&clients[m])),
            None => reparse(&kp(&client(&format!("m{leaf}")))),
        });
    }

    let mut ga = alice
        .create_group(Default::default(), Default::default(), None)
        .unwrap();
    let t = Instant::now();
    let mut builder = ga.commit_builder();
    for k in kps {
        builder = builder.add_member(k).unwrap();
    }
    let out = builder.build().unwrap();
    ga.apply_pending_commit().unwrap();
    let add_all_ms = t.elapsed().as_secs_f64() * 1e3;
    let welcome = out.welcome_messages[0].to_bytes().unwrap();

    let t = Instant::now();
    let (g0, _) = clients[0]
        .join_group(None, &MlsMessage::from_bytes(&welcome).unwrap(), None)
        .unwrap();
    let join_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut members = vec![g0];
    for c in clients.iter().skip(1) {
        members.push(
            c.join_group(None, &MlsMessage::from_bytes(&welcome).unwrap(), None)
                .unwrap()
                .0,
        );
    }
    for g in &members {
        assert_eq!(auth(&ga), auth(g));
    }
    assert_eq!(members[0].current_member_index() as usize, b_leaf);
    assert_eq!(members[1].current_member_index() as usize, c_leaf);

    let t = Instant::now();
    let mut order: Vec<usize> = vec![];
    if carol_helps {
        order.push(1);
    }
    order.extend(2..members.len());
    let mut active = vec![true; members.len()];
    for &s in &order {
        let out = members[s].commit(vec![]).unwrap();
        members[s].apply_pending_commit().unwrap();
        let bytes = out.commit_message.to_bytes().unwrap();
        for (i, g) in members.iter_mut().enumerate() {
            if i != s && active[i] {
                match g
                    .process_incoming_message(MlsMessage::from_bytes(&bytes).unwrap())
                    .unwrap()
                {
                    ReceivedMessage::Commit(_) => {}
                    _ => panic!("expected a commit"),
                }
            }
        }
        if s >= 2 {
            active[s] = false;
        }
    }
    let warm_ms = t.elapsed().as_secs_f64() * 1e3;
    members.truncate(2);
    let mut gc = members.pop().unwrap();
    let mut gb = members.pop().unwrap();
    assert_eq!(auth(&gb), auth(&gc));

    let (mut create, mut process, mut sizes) = (vec![], vec![], vec![]);
    for i in 0..iters {
        let (gs, gr) = if i % 2 == 0 {
            (&mut gb, &mut gc)
        } else {
            (&mut gc, &mut gb)
        };
        let t = Instant::now();
        let out = gs.commit(vec![]).unwrap();
        gs.apply_pending_commit().unwrap();
        let bytes = out.commit_message.to_bytes().unwrap();
        create.push(t.elapsed().as_secs_f64() * 1e3);
        sizes.push(bytes.len() as f64);
        let t = Instant::now();
        match gr
            .process_incoming_message(MlsMessage::from_bytes(&bytes).unwrap())
            .unwrap()
        {
            ReceivedMessage::Commit(_) => {}
            _ => panic!("expected a commit"),
        }
        process.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(auth(gs), auth(gr));
    }

    let payload = vec![7u8; 1024];
    let (mut prot, mut unprot) = (vec![], vec![]);
    for _ in 0..200 {
        let t = Instant::now();
        let bytes = gb
            .encrypt_application_message(&payload, vec![])
            .unwrap()
            .to_bytes()
            .unwrap();
        prot.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        let r = gc
            .process_incoming_message(MlsMessage::from_bytes(&bytes).unwrap())
            .unwrap();
        unprot.push(t.elapsed().as_secs_f64() * 1e6);
        match r {
            ReceivedMessage::ApplicationMessage(a) => assert_eq!(a.data(), &payload[..]),
            _ => panic!("expected application data"),
        }
    }

    let dave = client("dave");
    let k = reparse(&kp(&dave));
    let t = Instant::now();
    let out = gb.commit_builder().add_member(k).unwrap().build().unwrap();
    gb.apply_pending_commit().unwrap();
    let add_one_ms = t.elapsed().as_secs_f64() * 1e3;
    let add_one_bytes = out.commit_message.to_bytes().unwrap().len();
    gc.process_incoming_message(reparse(&out.commit_message))
        .unwrap();
    assert_eq!(auth(&gb), auth(&gc));

    println!(
        "{{\"impl\":\"mls-rs\",\"version\":\"0.57.0\",\"members\":{n},\"add_all_ms\":{add_all_ms:.2},\"join_ms\":{join_ms:.2},\"commit_create_ms\":{:.3},\"commit_process_ms\":{:.3},\"app_protect_us\":{:.1},\"app_unprotect_us\":{:.1},\"add_one_ms\":{add_one_ms:.2},\"commit_bytes\":{},\"add_one_bytes\":{add_one_bytes},\"at\":\"{}\",\"committer_leaves\":[{b_leaf},{c_leaf}],\"warm\":{warm},\"warm_commits\":{},\"warm_ms\":{warm_ms:.1}}}",
        median(create),
        median(process),
        median(prot),
        median(unprot),
        median(sizes),
        if middle { "middle" } else { "start" },
        order.len()
    );
}
