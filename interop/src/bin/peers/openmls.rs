//! The scenario on OpenMLS 0.9 (suite 1, RustCrypto provider).

use std::time::Instant;

use crate::{Args, helpers, median};

use openmls::prelude::{tls_codec::*, *};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

const CS: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

struct Client {
    provider: OpenMlsRustCrypto,
    signer: SignatureKeyPair,
    cwk: CredentialWithKey,
}

fn client(name: &str) -> Client {
    let provider = OpenMlsRustCrypto::default();
    let signer = SignatureKeyPair::new(CS.signature_algorithm()).unwrap();
    signer.store(provider.storage()).unwrap();
    let cwk = CredentialWithKey {
        credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
        signature_key: signer.to_public_vec().into(),
    };
    Client {
        provider,
        signer,
        cwk,
    }
}

fn key_package(c: &Client) -> KeyPackage {
    KeyPackage::builder()
        .build(CS, &c.provider, &c.signer, c.cwk.clone())
        .unwrap()
        .key_package()
        .clone()
}

fn wire(m: &MlsMessageOut) -> Vec<u8> {
    m.tls_serialize_detached().unwrap()
}

fn read(bytes: &[u8]) -> MlsMessageIn {
    MlsMessageIn::tls_deserialize_exact(bytes).unwrap()
}

fn join(c: &Client, welcome: &[u8], cfg: &MlsGroupJoinConfig) -> MlsGroup {
    let MlsMessageBodyIn::Welcome(w) = read(welcome).extract() else {
        panic!("expected a Welcome")
    };
    StagedWelcome::new_from_welcome(&c.provider, cfg, w, None)
        .unwrap()
        .into_group(&c.provider)
        .unwrap()
}

fn process_commit(c: &Client, g: &mut MlsGroup, commit: &[u8]) {
    let pm = read(commit).try_into_protocol_message().unwrap();
    let processed = g.process_message(&c.provider, pm).unwrap();
    match processed.into_content() {
        ProcessedMessageContent::StagedCommitMessage(staged) => {
            g.merge_staged_commit(&c.provider, *staged).unwrap()
        }
        _ => panic!("expected a commit"),
    }
}

pub(crate) fn run(args: &Args) {
    let Args {
        n,
        iters,
        middle,
        warm,
        no_gi,
    } = *args;
    let create_cfg = MlsGroupCreateConfig::builder()
        .ciphersuite(CS)
        .use_ratchet_tree_extension(true)
        .wire_format_policy(PURE_CIPHERTEXT_WIRE_FORMAT_POLICY)
        .build();
    let join_cfg = create_cfg.join_config().clone();

    let b_leaf = if middle { n / 2 } else { 1 };
    let c_leaf = b_leaf + 1;
    let (helper_leaves, carol_helps) = if warm {
        helpers(n, b_leaf, c_leaf)
    } else {
        (vec![], false)
    };

    let alice = client("alice");
    let mut members: Vec<(Client, Option<MlsGroup>)> =
        vec![(client("bob"), None), (client("carol"), None)];
    for h in &helper_leaves {
        members.push((client(&format!("h{h}")), None));
    }
    // Key packages, leaf i+1 at kps[i]; the members that never come online share one provider.
    let bulk = OpenMlsRustCrypto::default();
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
            Some(m) => key_package(&members[m].0),
            None => {
                let signer = SignatureKeyPair::new(CS.signature_algorithm()).unwrap();
                let cwk = CredentialWithKey {
                    credential: BasicCredential::new(format!("m{leaf}").into_bytes()).into(),
                    signature_key: signer.to_public_vec().into(),
                };
                KeyPackage::builder()
                    .build(CS, &bulk, &signer, cwk)
                    .unwrap()
                    .key_package()
                    .clone()
            }
        });
    }

    let mut ga = MlsGroup::new(
        &alice.provider,
        &alice.signer,
        &create_cfg,
        alice.cwk.clone(),
    )
    .unwrap();
    let t = Instant::now();
    let (_commit, welcome, _) = ga
        .add_members(&alice.provider, &alice.signer, &kps)
        .unwrap();
    ga.merge_pending_commit(&alice.provider).unwrap();
    let add_all_ms = t.elapsed().as_secs_f64() * 1e3;
    let welcome = wire(&welcome);

    let t = Instant::now();
    let g = join(&members[0].0, &welcome, &join_cfg);
    let join_ms = t.elapsed().as_secs_f64() * 1e3;
    members[0].1 = Some(g);
    for m in members.iter_mut().skip(1) {
        let g = join(&m.0, &welcome, &join_cfg);
        m.1 = Some(g);
    }
    for m in &members {
        assert_eq!(
            ga.epoch_authenticator().as_slice(),
            m.1.as_ref().unwrap().epoch_authenticator().as_slice()
        );
    }
    assert_eq!(
        members[0].1.as_ref().unwrap().own_leaf_index().u32() as usize,
        b_leaf
    );
    assert_eq!(
        members[1].1.as_ref().unwrap().own_leaf_index().u32() as usize,
        c_leaf
    );

    // Warm-up: carol (if her subtree is a copath subtree of bob's) and each helper commit once;
    // every member still taking part processes each commit. Helpers drop out after committing.
    let t = Instant::now();
    let mut order: Vec<usize> = vec![];
    if carol_helps {
        order.push(1);
    }
    order.extend(2..members.len());
    let mut active: Vec<bool> = vec![true; members.len()];
    for &s in &order {
        let bytes = {
            let (cl, g) = &mut members[s];
            let g = g.as_mut().unwrap();
            let bundle = g
                .self_update(&cl.provider, &cl.signer, LeafNodeParameters::default())
                .unwrap();
            g.merge_pending_commit(&cl.provider).unwrap();
            wire(bundle.commit())
        };
        for (i, (cl, g)) in members.iter_mut().enumerate() {
            if i != s && active[i] {
                process_commit(cl, g.as_mut().unwrap(), &bytes);
            }
        }
        if s >= 2 {
            active[s] = false;
        }
    }
    let warm_ms = t.elapsed().as_secs_f64() * 1e3;
    members.truncate(2);
    let (mb, mc) = members.split_at_mut(1);
    let (bob, gb) = {
        let m = &mut mb[0];
        (&m.0, m.1.as_mut().unwrap())
    };
    let (carol, gc) = {
        let m = &mut mc[0];
        (&m.0, m.1.as_mut().unwrap())
    };
    assert_eq!(
        gb.epoch_authenticator().as_slice(),
        gc.epoch_authenticator().as_slice()
    );

    let (mut create, mut process, mut sizes) = (vec![], vec![], vec![]);
    for i in 0..iters {
        let (s, gs, r, gr) = if i % 2 == 0 {
            (bob, &mut *gb, carol, &mut *gc)
        } else {
            (carol, &mut *gc, bob, &mut *gb)
        };
        let t = Instant::now();
        let bundle = if no_gi {
            gs.commit_builder()
                .consume_proposal_store(true)
                .load_psks(s.provider.storage())
                .unwrap()
                .create_group_info(false)
                .build(s.provider.rand(), s.provider.crypto(), &s.signer, |_| true)
                .unwrap()
                .stage_commit(&s.provider)
                .unwrap()
        } else {
            gs.self_update(&s.provider, &s.signer, LeafNodeParameters::default())
                .unwrap()
        };
        assert_eq!(bundle.group_info().is_some(), !no_gi);
        gs.merge_pending_commit(&s.provider).unwrap();
        let bytes = wire(bundle.commit());
        create.push(t.elapsed().as_secs_f64() * 1e3);
        sizes.push(bytes.len() as f64);
        let t = Instant::now();
        process_commit(r, gr, &bytes);
        process.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(
            gs.epoch_authenticator().as_slice(),
            gr.epoch_authenticator().as_slice()
        );
    }

    let payload = vec![7u8; 1024];
    let (mut prot, mut unprot) = (vec![], vec![]);
    for _ in 0..200 {
        let t = Instant::now();
        let m = gb
            .create_message(&bob.provider, &bob.signer, &payload)
            .unwrap();
        let bytes = wire(&m);
        prot.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        let pm = read(&bytes).try_into_protocol_message().unwrap();
        let processed = gc.process_message(&carol.provider, pm).unwrap();
        unprot.push(t.elapsed().as_secs_f64() * 1e6);
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(a) => assert_eq!(a.into_bytes(), payload),
            _ => panic!("expected application data"),
        }
    }

    let dave = client("dave");
    let kp = key_package(&dave);
    let t = Instant::now();
    let (commit, _w, _) = gb.add_members(&bob.provider, &bob.signer, &[kp]).unwrap();
    gb.merge_pending_commit(&bob.provider).unwrap();
    let add_one_ms = t.elapsed().as_secs_f64() * 1e3;
    let add_one_bytes = wire(&commit).len();
    process_commit(carol, gc, &wire(&commit));
    assert_eq!(
        gb.epoch_authenticator().as_slice(),
        gc.epoch_authenticator().as_slice()
    );

    println!(
        "{{\"impl\":\"openmls\",\"version\":\"0.9.2\",\"members\":{n},\"add_all_ms\":{add_all_ms:.2},\"join_ms\":{join_ms:.2},\"commit_create_ms\":{:.3},\"commit_process_ms\":{:.3},\"app_protect_us\":{:.1},\"app_unprotect_us\":{:.1},\"add_one_ms\":{add_one_ms:.2},\"commit_bytes\":{},\"add_one_bytes\":{add_one_bytes},\"at\":\"{}\",\"committer_leaves\":[{b_leaf},{c_leaf}],\"warm\":{warm},\"warm_commits\":{},\"warm_ms\":{warm_ms:.1},\"no_gi\":{no_gi}}}",
        median(create),
        median(process),
        median(prot),
        median(unprot),
        median(sizes),
        if middle { "middle" } else { "start" },
        order.len()
    );
}
