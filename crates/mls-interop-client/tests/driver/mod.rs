//! A scenario driver in the manner of the working group's test-runner: it plays the scripts
//! of a config (`configs/*.json`, format in `test-config.md` of the interop material) against
//! several instances of the `mls-interop-client` binary over gRPC on loopback, assigning the
//! script's actors to the instances in turn, and checks after every step that changes an
//! epoch that all members report the same epoch authenticator (`stateUpdate`'s shared part:
//! the authenticators returned by HandleCommit, HandlePendingCommit, JoinGroup, ExternalJoin,
//! ReInit and branch calls, compared with every member's StateAuth and an exported secret),
//! and that unprotect returns what protect was given.
//!
//! In PublicMessage mode it also reads each commit off the wire and checks its `stateUpdate`
//! (test-config.md: the leaves added, updated and removed, and the PSKs mixed in) against the
//! one the script implies, computed from the driver's own model of the roster.

pub(crate) mod model;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use tonic::transport::Channel;

use mls_interop_client::proto::mls_client_client::MlsClientClient;
use mls_interop_client::proto::*;

use model::Roster;

/// One running instance of the client binary, killed when dropped.
pub(crate) struct Instance {
    child: Child,
    pub(crate) address: String,
}

impl Instance {
    /// Starts the binary on an ephemeral port of 127.0.0.1 and reads the port it printed.
    pub(crate) fn start() -> Result<Self, String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mls-interop-client"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("spawn: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .map_err(|e| format!("read: {e}"))?;
        let address = line
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line {line:?}"))?
            .to_owned();
        Ok(Self { child, address })
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The outcome of one script run.
#[derive(Debug)]
pub(crate) enum Outcome {
    Passed,
    /// A client answered UNIMPLEMENTED: the case is not supported, counted apart.
    Skipped(String),
    Failed(String),
}

type Client = MlsClientClient<Channel>;

/// A failure of a step; `Unimplemented` is kept apart so that it is reported as skipped.
#[derive(Debug)]
pub(crate) enum StepError {
    Unimplemented(String),
    Failed(String),
}

impl From<tonic::Status> for StepError {
    fn from(status: tonic::Status) -> Self {
        match status.code() {
            tonic::Code::Unimplemented => StepError::Unimplemented(status.message().to_owned()),
            _ => StepError::Failed(format!("{:?}: {}", status.code(), status.message())),
        }
    }
}

impl From<String> for StepError {
    fn from(message: String) -> Self {
        StepError::Failed(message)
    }
}

impl From<&str> for StepError {
    fn from(message: &str) -> Self {
        StepError::Failed(message.to_owned())
    }
}

pub(crate) type Step<T = ()> = Result<T, StepError>;

fn fail<T>(message: impl Into<String>) -> Step<T> {
    Err(StepError::Failed(message.into()))
}

/// What an action left in the transcript, for later actions to point at.
#[derive(Debug, Clone, Default)]
struct Output {
    key_package: Vec<u8>,
    /// The actor whose key package it is (createKeyPackage).
    key_package_owner: String,
    proposal: Vec<u8>,
    /// Who sent the proposal: an actor, or `None` for a non-member (external sender, new
    /// member); and what it proposes, for the expected stateUpdate.
    proposer: Option<String>,
    proposed: Option<model::Change>,
    psk_id: Vec<u8>,
    psk_secret: Vec<u8>,
    ciphertext: Vec<u8>,
    authenticated_data: Vec<u8>,
    plaintext: Vec<u8>,
}

/// One actor: the instance it runs on, its current state, its pending key package.
#[derive(Debug, Clone, Default)]
struct Actor {
    instance: usize,
    state_id: Option<u32>,
    transaction_id: Option<u32>,
    reinit_id: Option<u32>,
    signer: Option<(u32, u32)>,
}

/// A run of one script: the clients, the actors, the transcript and the model of the group.
pub(crate) struct Run {
    clients: Vec<Client>,
    suite: u32,
    suites: Vec<u32>,
    encrypt: bool,
    actors: HashMap<String, Actor>,
    next_instance: usize,
    transcript: Vec<Output>,
    roster: Roster,
    external_signers: u32,
    group_counter: u32,
    /// The id of the group the script is at (a ReInit that keeps it proposes it again).
    group_id: Vec<u8>,
    /// How many commits' stateUpdates were read off the wire and checked.
    pub(crate) updates_checked: usize,
    /// A test hook: flips one byte of the commit of this action index before delivering it.
    pub(crate) tamper_commit_at: Option<usize>,
}

fn as_str<'a>(action: &'a Value, key: &str) -> Step<&'a str> {
    action[key]
        .as_str()
        .ok_or_else(|| StepError::Failed(format!("missing string {key:?} in {action}")))
}

fn as_index(action: &Value, key: &str) -> Step<usize> {
    action[key]
        .as_u64()
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| StepError::Failed(format!("missing index {key:?} in {action}")))
}

fn strings(action: &Value, key: &str) -> Vec<String> {
    action[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn indices(action: &Value, key: &str) -> Vec<usize> {
    action[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_u64().and_then(|v| usize::try_from(v).ok()))
                .collect()
        })
        .unwrap_or_default()
}

fn flag(action: &Value, keys: &[&str]) -> bool {
    keys.iter()
        .any(|key| action[*key].as_bool().unwrap_or(false))
}

/// Standard base64 with padding, as the configs write extension data.
fn base64(text: &str) -> Step<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|c| *c != b'=') {
        let value = ALPHABET
            .iter()
            .position(|a| *a == c)
            .ok_or_else(|| StepError::Failed(format!("bad base64 {text:?}")))?;
        buffer = (buffer << 6) | u32::try_from(value).map_err(|_| "base64")?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).map_err(|_| "base64")?);
        }
    }
    Ok(out)
}

fn extensions(action: &Value) -> Step<Vec<Extension>> {
    action["extensions"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| {
                    Ok(Extension {
                        extension_type: e["extension_type"]
                            .as_u64()
                            .and_then(|v| u32::try_from(v).ok())
                            .ok_or("extension_type")?,
                        extension_data: base64(e["extension_data"].as_str().unwrap_or(""))?,
                    })
                })
                .collect()
        })
        .unwrap_or_else(|| Ok(Vec::new()))
}

fn random_bytes(n: usize) -> Vec<u8> {
    use std::hash::{BuildHasher, Hasher};
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(out.len());
        out.extend_from_slice(&hasher.finish().to_le_bytes());
    }
    out.truncate(n);
    out
}

impl Run {
    /// Connects to the instances for one run in `suite`, with handshake messages encrypted or
    /// not.
    pub(crate) async fn new(
        addresses: &[String],
        suite: u32,
        encrypt: bool,
    ) -> Result<Self, String> {
        let mut clients = Vec::new();
        for address in addresses {
            clients.push(
                MlsClientClient::connect(format!("http://{address}"))
                    .await
                    .map_err(|e| format!("connect {address}: {e}"))?,
            );
        }
        let suites = clients[0]
            .supported_ciphersuites(SupportedCiphersuitesRequest {})
            .await
            .map_err(|e| e.to_string())?
            .into_inner()
            .ciphersuites;
        Ok(Self {
            clients,
            suite,
            suites,
            encrypt,
            actors: HashMap::new(),
            next_instance: 0,
            transcript: Vec::new(),
            roster: Roster::default(),
            external_signers: 0,
            group_counter: 0,
            group_id: Vec::new(),
            updates_checked: 0,
            tamper_commit_at: None,
        })
    }

    /// The suites the client announced.
    pub(crate) fn suites(&self) -> &[u32] {
        &self.suites
    }

    /// Plays `script` (the actions of one script of a config) to the end.
    pub(crate) async fn play(&mut self, script: &[Value]) -> Outcome {
        for (index, action) in script.iter().enumerate() {
            match self.action(index, action).await {
                Ok(output) => self.transcript.push(output),
                Err(StepError::Unimplemented(reason)) => {
                    return Outcome::Skipped(format!("action {index}: {reason}"));
                }
                Err(StepError::Failed(reason)) => {
                    return Outcome::Failed(format!("action {index} ({action}): {reason}"));
                }
            }
        }
        Outcome::Passed
    }

    fn actor(&mut self, name: &str) -> &mut Actor {
        if !self.actors.contains_key(name) {
            let instance = self.next_instance % self.clients.len();
            self.next_instance += 1;
            self.actors.insert(
                name.to_owned(),
                Actor {
                    instance,
                    ..Actor::default()
                },
            );
        }
        self.actors.get_mut(name).expect("inserted above")
    }

    fn client(&mut self, name: &str) -> Client {
        let instance = self.actor(name).instance;
        self.clients[instance].clone()
    }

    fn state(&mut self, name: &str) -> Step<u32> {
        self.actor(name)
            .state_id
            .ok_or_else(|| StepError::Failed(format!("{name} has no group state")))
    }

    fn output(&self, index: usize) -> Step<&Output> {
        self.transcript
            .get(index)
            .ok_or_else(|| StepError::Failed(format!("no action {index} before this one")))
    }

    fn new_group_id(&mut self) -> Vec<u8> {
        self.group_counter += 1;
        let mut id = format!("group {}-", self.group_counter).into_bytes();
        id.extend(random_bytes(8));
        id
    }

    /// The suite a ReInit that changes the suite moves to: the next supported one.
    fn other_suite(&self) -> u32 {
        let position = self
            .suites
            .iter()
            .position(|s| *s == self.suite)
            .unwrap_or(0);
        self.suites[(position + 1) % self.suites.len()]
    }

    async fn action(&mut self, index: usize, action: &Value) -> Step<Output> {
        let kind = as_str(action, "action")?;
        match kind {
            "createGroup" => self.create_group(action).await,
            "createKeyPackage" => {
                let actor = as_str(action, "actor")?;
                self.create_key_package(actor).await
            }
            "addProposal"
            | "removeProposal"
            | "updateProposal"
            | "externalPSKProposal"
            | "resumptionPSKProposal"
            | "groupContextExtensionsProposal" => self.propose(kind, action).await,
            "installExternalPSK" => self.install_psk(action).await,
            "fullCommit" => self.full_commit(index, action).await,
            "protect" => self.protect(action).await,
            "unprotect" => self.unprotect(action).await,
            "externalJoin" => self.external_join(index, action).await,
            "newMemberAddProposal" => self.new_member_add_proposal(action).await,
            "addExternalSigner" => self.add_external_signer(action).await,
            "externalSignerProposal" => self.external_signer_proposal(action).await,
            "reinit" => self.reinit(action).await,
            "branch" => self.branch(action).await,
            other => Err(StepError::Unimplemented(format!(
                "the driver does not know action {other:?}"
            ))),
        }
    }

    async fn create_key_package(&mut self, actor: &str) -> Step<Output> {
        let suite = self.suite;
        let response = self
            .client(actor)
            .create_key_package(CreateKeyPackageRequest {
                cipher_suite: suite,
                identity: actor.as_bytes().to_vec(),
            })
            .await?
            .into_inner();
        if response.init_priv.is_empty()
            || response.encryption_priv.is_empty()
            || response.signature_priv.is_empty()
        {
            return fail("CreateKeyPackage returned no private keys");
        }
        self.actor(actor).transaction_id = Some(response.transaction_id);
        Ok(Output {
            key_package: response.key_package,
            key_package_owner: actor.to_owned(),
            ..Output::default()
        })
    }

    async fn create_group(&mut self, action: &Value) -> Step<Output> {
        let actor = as_str(action, "actor")?;
        let group_id = self.new_group_id();
        self.group_id = group_id.clone();
        let (suite, encrypt) = (self.suite, self.encrypt);
        let response = self
            .client(actor)
            .create_group(CreateGroupRequest {
                group_id,
                cipher_suite: suite,
                encrypt_handshake: encrypt,
                identity: actor.as_bytes().to_vec(),
            })
            .await?
            .into_inner();
        self.actor(actor).state_id = Some(response.state_id);
        self.roster = Roster::default();
        self.roster.add(actor);
        self.external_signers = 0;
        let members = strings(action, "members");
        if !members.is_empty() {
            // The members join from one commit of Adds by value.
            let mut by_value = Vec::new();
            for member in &members {
                let key_package = self.create_key_package(member).await?.key_package;
                by_value.push(ProposalDescription {
                    proposal_type: b"add".to_vec(),
                    key_package,
                    ..ProposalDescription::default()
                });
            }
            let state_id = self.state(actor)?;
            let commit = self
                .client(actor)
                .commit(CommitRequest {
                    state_id,
                    by_reference: Vec::new(),
                    by_value,
                    force_path: false,
                    external_tree: false,
                })
                .await?
                .into_inner();
            let auth = self.handle_pending(actor).await?;
            let changes: Vec<_> = members
                .iter()
                .map(|m| (Some(actor.to_owned()), model::Change::Add(m.clone())))
                .collect();
            self.expect_update(&commit.commit, &[], &changes, actor)?;
            let mut auths = vec![(actor.to_owned(), auth)];
            for member in &members {
                let joined = self.join(member, &commit.welcome, &[]).await?;
                auths.push((member.clone(), joined));
            }
            self.verify(&auths).await?;
        }
        Ok(Output::default())
    }

    async fn handle_pending(&mut self, actor: &str) -> Step<Vec<u8>> {
        let state_id = self.state(actor)?;
        let response = self
            .client(actor)
            .handle_pending_commit(HandlePendingCommitRequest { state_id })
            .await?
            .into_inner();
        self.actor(actor).state_id = Some(response.state_id);
        Ok(response.epoch_authenticator)
    }

    async fn join(&mut self, joiner: &str, welcome: &[u8], ratchet_tree: &[u8]) -> Step<Vec<u8>> {
        let transaction_id = self
            .actor(joiner)
            .transaction_id
            .take()
            .ok_or_else(|| StepError::Failed(format!("{joiner} has no key package")))?;
        let encrypt = self.encrypt;
        let response = self
            .client(joiner)
            .join_group(JoinGroupRequest {
                transaction_id,
                welcome: welcome.to_vec(),
                encrypt_handshake: encrypt,
                identity: joiner.as_bytes().to_vec(),
                ratchet_tree: ratchet_tree.to_vec(),
            })
            .await?
            .into_inner();
        self.actor(joiner).state_id = Some(response.state_id);
        Ok(response.epoch_authenticator)
    }

    /// Every listed member reported the same authenticator, which is also what StateAuth
    /// says now, and they export the same secret.
    async fn verify(&mut self, auths: &[(String, Vec<u8>)]) -> Step {
        let Some((first, expected)) = auths.first().cloned() else {
            return Ok(());
        };
        if expected.is_empty() {
            return fail(format!("{first} reported an empty epoch authenticator"));
        }
        let mut exported: Option<Vec<u8>> = None;
        for (actor, auth) in auths {
            if *auth != expected {
                return fail(format!(
                    "{actor} reported epoch authenticator {} but {first} {}",
                    hex::encode(auth),
                    hex::encode(&expected)
                ));
            }
            let state_id = self.state(actor)?;
            let mut client = self.client(actor);
            let now = client
                .state_auth(StateAuthRequest { state_id })
                .await?
                .into_inner()
                .state_auth_secret;
            if now != expected {
                return fail(format!("{actor}'s StateAuth differs from its reported one"));
            }
            let secret = client
                .export(ExportRequest {
                    state_id,
                    label: "interop".to_owned(),
                    context: b"driver".to_vec(),
                    key_length: 32,
                })
                .await?
                .into_inner()
                .exported_secret;
            if secret.len() != 32 || exported.as_ref().is_some_and(|e| *e != secret) {
                return fail(format!("{actor} exported another secret"));
            }
            exported = Some(secret);
        }
        Ok(())
    }

    async fn propose(&mut self, kind: &str, action: &Value) -> Step<Output> {
        let actor = as_str(action, "actor")?;
        let state_id = self.state(actor)?;
        let mut client = self.client(actor);
        let (proposal, proposed) = match kind {
            "addProposal" => {
                let output = self.output(as_index(action, "keyPackage")?)?.clone();
                let proposal = client
                    .add_proposal(AddProposalRequest {
                        state_id,
                        key_package: output.key_package,
                    })
                    .await?;
                (proposal, model::Change::Add(output.key_package_owner))
            }
            "removeProposal" => {
                let removed = as_str(action, "removed")?;
                let proposal = client
                    .remove_proposal(RemoveProposalRequest {
                        state_id,
                        removed_id: removed.as_bytes().to_vec(),
                    })
                    .await?;
                (proposal, model::Change::Remove(removed.to_owned()))
            }
            "updateProposal" => (
                client
                    .update_proposal(UpdateProposalRequest { state_id })
                    .await?,
                model::Change::Update(actor.to_owned()),
            ),
            "externalPSKProposal" => {
                let psk_id = self.output(as_index(action, "pskID")?)?.psk_id.clone();
                let proposal = client
                    .external_psk_proposal(ExternalPskProposalRequest {
                        state_id,
                        psk_id: psk_id.clone(),
                    })
                    .await?;
                (proposal, model::Change::ExternalPsk(psk_id))
            }
            "resumptionPSKProposal" => {
                let epoch_id = action["epochID"].as_u64().ok_or("epochID")?;
                let proposal = client
                    .resumption_psk_proposal(ResumptionPskProposalRequest { state_id, epoch_id })
                    .await?;
                (proposal, model::Change::ResumptionPsk(epoch_id))
            }
            _ => {
                let extensions = extensions(action)?;
                let proposal = client
                    .group_context_extensions_proposal(GroupContextExtensionsProposalRequest {
                        state_id,
                        extensions,
                    })
                    .await?;
                (proposal, model::Change::Extensions)
            }
        };
        Ok(Output {
            proposal: proposal.into_inner().proposal,
            proposer: Some(actor.to_owned()),
            proposed: Some(proposed),
            ..Output::default()
        })
    }

    async fn install_psk(&mut self, action: &Value) -> Step<Output> {
        let psk_id = [b"psk-".as_slice(), &random_bytes(8)].concat();
        let psk_secret = random_bytes(32);
        for name in strings(action, "clients") {
            let actor = self.actor(&name).clone();
            let id = actor
                .state_id
                .or(actor.transaction_id)
                .ok_or_else(|| StepError::Failed(format!("{name} has no state")))?;
            self.client(&name)
                .store_psk(StorePskRequest {
                    state_or_transaction_id: id,
                    psk_id: psk_id.clone(),
                    psk_secret: psk_secret.clone(),
                })
                .await?;
        }
        Ok(Output {
            psk_id,
            psk_secret,
            ..Output::default()
        })
    }

    /// The description of a by-value proposal of the script, and the change it makes.
    fn description(&self, value: &Value) -> Step<(ProposalDescription, model::Change)> {
        let kind = as_str(value, "proposalType")?;
        let mut description = ProposalDescription {
            proposal_type: kind.as_bytes().to_vec(),
            ..ProposalDescription::default()
        };
        let change = match kind {
            "add" => {
                let output = self.output(as_index(value, "keyPackage")?)?;
                description.key_package = output.key_package.clone();
                model::Change::Add(output.key_package_owner.clone())
            }
            "remove" => {
                let removed = as_str(value, "removed")?;
                description.removed_id = removed.as_bytes().to_vec();
                model::Change::Remove(removed.to_owned())
            }
            "externalPSK" => {
                description.psk_id = self.output(as_index(value, "pskID")?)?.psk_id.clone();
                model::Change::ExternalPsk(description.psk_id.clone())
            }
            "resumptionPSK" => {
                description.epoch_id = value["epochID"].as_u64().ok_or("epochID")?;
                model::Change::ResumptionPsk(description.epoch_id)
            }
            "groupContextExtensions" => {
                description.extensions = extensions(value)?;
                model::Change::Extensions
            }
            "reinit" => {
                description.extensions = extensions(value)?;
                description.group_id = match flag(value, &["changeGroupID"]) {
                    true => b"reinit-".iter().copied().chain(random_bytes(8)).collect(),
                    false => self.group_id.clone(),
                };
                description.cipher_suite =
                    match flag(value, &["changeCipherSuite", "changeCiphersuite"]) {
                        true => self.other_suite(),
                        false => self.suite,
                    };
                model::Change::Reinit
            }
            other => {
                return Err(StepError::Unimplemented(format!(
                    "proposal type {other:?} in a script"
                )));
            }
        };
        Ok((description, change))
    }

    async fn full_commit(&mut self, index: usize, action: &Value) -> Step<Output> {
        let actor = as_str(action, "actor")?.to_owned();
        let by_reference = indices(action, "byReference");
        let members = strings(action, "members");
        let joiners = strings(action, "joiners");
        let force_path = flag(action, &["force_path", "forcePath"]);
        let external_tree = flag(action, &["external_tree", "externalTree"]);
        let mut by_value = Vec::new();
        let mut changes = Vec::new();
        for value in action["byValue"].as_array().cloned().unwrap_or_default() {
            let (description, change) = self.description(&value)?;
            by_value.push(description);
            changes.push((Some(actor.clone()), change));
        }
        let mut referenced = Vec::new();
        for i in &by_reference {
            let output = self.output(*i)?.clone();
            if let Some(change) = output.proposed.clone() {
                changes.push((output.proposer.clone(), change));
            }
            referenced.push(output);
        }
        // The committer's own proposals are cached by its client: only others' are given.
        let others = |me: &str| -> Vec<Vec<u8>> {
            referenced
                .iter()
                .filter(|o| o.proposer.as_deref() != Some(me))
                .map(|o| o.proposal.clone())
                .collect()
        };
        let state_id = self.state(&actor)?;
        let commit = self
            .client(&actor)
            .commit(CommitRequest {
                state_id,
                by_reference: others(&actor),
                by_value,
                force_path,
                external_tree,
            })
            .await?
            .into_inner();
        if external_tree && !joiners.is_empty() && commit.ratchet_tree.is_empty() {
            return fail("external_tree commit returned no ratchet tree");
        }
        if !external_tree && !commit.ratchet_tree.is_empty() {
            return fail("a commit without external_tree returned a ratchet tree");
        }
        let proposals: Vec<Vec<u8>> = referenced.iter().map(|o| o.proposal.clone()).collect();
        self.expect_update(&commit.commit, &proposals, &changes, &actor)?;
        let auth = self.handle_pending(&actor).await?;
        let mut auths = vec![(actor.clone(), auth)];
        let mut message = commit.commit.clone();
        for member in &members {
            if self.tamper_commit_at == Some(index) {
                let last = message.len() - 1;
                message[last] ^= 1;
            }
            let state_id = self.state(member)?;
            let response = self
                .client(member)
                .handle_commit(HandleCommitRequest {
                    state_id,
                    proposal: others(member),
                    commit: message.clone(),
                })
                .await?
                .into_inner();
            self.actor(member).state_id = Some(response.state_id);
            auths.push((member.clone(), response.epoch_authenticator));
        }
        for joiner in &joiners {
            let auth = self
                .join(joiner, &commit.welcome, &commit.ratchet_tree)
                .await?;
            auths.push((joiner.clone(), auth));
        }
        self.verify(&auths).await?;
        Ok(Output::default())
    }

    /// Applies the script's `changes` to the model of the roster; in PublicMessage mode the
    /// commit's stateUpdate read off the wire must be the one they imply (and the model
    /// follows the wire, whose order of Adds is the committer's choice).
    fn expect_update(
        &mut self,
        commit: &[u8],
        proposals: &[Vec<u8>],
        changes: &[(Option<String>, model::Change)],
        committer: &str,
    ) -> Step {
        let before = self.roster.clone();
        let expected = self.roster.apply(changes, committer)?;
        if self.encrypt {
            return Ok(());
        }
        let (found, roster) = before.observe(commit, proposals)?;
        if found != expected {
            return fail(format!(
                "stateUpdate {found:?}, but the script implies {expected:?}"
            ));
        }
        self.roster = roster;
        self.updates_checked += 1;
        Ok(())
    }

    async fn protect(&mut self, action: &Value) -> Step<Output> {
        let actor = as_str(action, "actor")?;
        let authenticated_data = as_str(action, "authenticatedData")?.as_bytes().to_vec();
        let plaintext = as_str(action, "plaintext")?.as_bytes().to_vec();
        let state_id = self.state(actor)?;
        let ciphertext = self
            .client(actor)
            .protect(ProtectRequest {
                state_id,
                authenticated_data: authenticated_data.clone(),
                plaintext: plaintext.clone(),
            })
            .await?
            .into_inner()
            .ciphertext;
        Ok(Output {
            ciphertext,
            authenticated_data,
            plaintext,
            ..Output::default()
        })
    }

    async fn unprotect(&mut self, action: &Value) -> Step<Output> {
        let actor = as_str(action, "actor")?;
        let sent = self.output(as_index(action, "ciphertext")?)?.clone();
        let state_id = self.state(actor)?;
        let response = self
            .client(actor)
            .unprotect(UnprotectRequest {
                state_id,
                ciphertext: sent.ciphertext.clone(),
            })
            .await?
            .into_inner();
        if response.plaintext != sent.plaintext
            || response.authenticated_data != sent.authenticated_data
        {
            return fail(format!(
                "unprotect gave {:?} / {:?}",
                String::from_utf8_lossy(&response.plaintext),
                String::from_utf8_lossy(&response.authenticated_data)
            ));
        }
        Ok(Output::default())
    }

    async fn group_info(&mut self, actor: &str, external_tree: bool) -> Step<GroupInfoResponse> {
        let state_id = self.state(actor)?;
        let response = self
            .client(actor)
            .group_info(GroupInfoRequest {
                state_id,
                external_tree,
            })
            .await?
            .into_inner();
        if external_tree == response.ratchet_tree.is_empty() {
            return fail("GroupInfo's ratchet_tree does not follow external_tree");
        }
        Ok(response)
    }

    async fn external_join(&mut self, _index: usize, action: &Value) -> Step<Output> {
        let actor = as_str(action, "actor")?.to_owned();
        let joiner = as_str(action, "joiner")?.to_owned();
        let members = strings(action, "members");
        let remove_prior = flag(action, &["removePrior"]);
        let external_tree = flag(action, &["externalTree", "external_tree"]);
        let mut psks = Vec::new();
        let mut changes = Vec::new();
        for i in indices(action, "psks") {
            let output = self.output(i)?;
            psks.push(PreSharedKey {
                psk_id: output.psk_id.clone(),
                psk_secret: output.psk_secret.clone(),
            });
            changes.push((
                Some(joiner.clone()),
                model::Change::ExternalPsk(output.psk_id.clone()),
            ));
        }
        if remove_prior {
            changes.push((Some(joiner.clone()), model::Change::Remove(joiner.clone())));
        }
        changes.push((Some(joiner.clone()), model::Change::Add(joiner.clone())));
        let info = self.group_info(&actor, external_tree).await?;
        let encrypt = self.encrypt;
        let response = self
            .client(&joiner)
            .external_join(ExternalJoinRequest {
                group_info: info.group_info,
                ratchet_tree: info.ratchet_tree,
                encrypt_handshake: encrypt,
                identity: joiner.as_bytes().to_vec(),
                remove_prior,
                psks,
            })
            .await?
            .into_inner();
        self.actor(&joiner).state_id = Some(response.state_id);
        self.expect_update(&response.commit, &[], &changes, "")?;
        let mut auths = vec![(joiner.clone(), response.epoch_authenticator)];
        for member in std::iter::once(&actor).chain(members.iter()) {
            let state_id = self.state(member)?;
            let handled = self
                .client(member)
                .handle_commit(HandleCommitRequest {
                    state_id,
                    proposal: Vec::new(),
                    commit: response.commit.clone(),
                })
                .await?
                .into_inner();
            auths.push((member.clone(), handled.epoch_authenticator));
        }
        self.verify(&auths).await?;
        Ok(Output::default())
    }

    async fn new_member_add_proposal(&mut self, action: &Value) -> Step<Output> {
        let actor = as_str(action, "actor")?.to_owned();
        let joiner = as_str(action, "joiner")?.to_owned();
        let info = self.group_info(&actor, false).await?;
        let response = self
            .client(&joiner)
            .new_member_add_proposal(NewMemberAddProposalRequest {
                group_info: info.group_info,
                identity: joiner.as_bytes().to_vec(),
            })
            .await?
            .into_inner();
        if response.init_priv.is_empty() || response.signature_priv.is_empty() {
            return fail("NewMemberAddProposal returned no private keys");
        }
        self.actor(&joiner).transaction_id = Some(response.transaction_id);
        Ok(Output {
            proposal: response.proposal,
            proposer: None,
            proposed: Some(model::Change::Add(joiner)),
            ..Output::default()
        })
    }

    async fn add_external_signer(&mut self, action: &Value) -> Step<Output> {
        let actor = as_str(action, "actor")?.to_owned();
        let signer = as_str(action, "signer")?.to_owned();
        let suite = self.suite;
        let created = self
            .client(&signer)
            .create_external_signer(CreateExternalSignerRequest {
                cipher_suite: suite,
                identity: signer.as_bytes().to_vec(),
            })
            .await?
            .into_inner();
        let index = self.external_signers;
        self.external_signers += 1;
        self.actor(&signer).signer = Some((created.signer_id, index));
        let state_id = self.state(&actor)?;
        let proposal = self
            .client(&actor)
            .add_external_signer(AddExternalSignerRequest {
                state_id,
                external_sender: created.external_sender,
            })
            .await?
            .into_inner()
            .proposal;
        Ok(Output {
            proposal,
            proposer: Some(actor),
            proposed: Some(model::Change::Extensions),
            ..Output::default()
        })
    }

    async fn external_signer_proposal(&mut self, action: &Value) -> Step<Output> {
        let signer = as_str(action, "actor")?.to_owned();
        let member = as_str(action, "member")?.to_owned();
        let (description, change) = self.description(&action["description"])?;
        let (signer_id, signer_index) = self
            .actor(&signer)
            .signer
            .ok_or_else(|| StepError::Failed(format!("{signer} is no external signer")))?;
        let info = self.group_info(&member, false).await?;
        let proposal = self
            .client(&signer)
            .external_signer_proposal(ExternalSignerProposalRequest {
                signer_id,
                signer_index,
                group_info: info.group_info,
                ratchet_tree: Vec::new(),
                description: Some(description),
            })
            .await?
            .into_inner()
            .proposal;
        Ok(Output {
            proposal,
            proposer: None,
            proposed: Some(change),
            ..Output::default()
        })
    }

    async fn reinit(&mut self, action: &Value) -> Step<Output> {
        let committer = as_str(action, "committer")?.to_owned();
        let welcomer = as_str(action, "welcomer")?.to_owned();
        let members = strings(action, "members");
        let force_path = flag(action, &["forcePath", "force_path"]);
        let external_tree = flag(action, &["externalTree", "external_tree"]);
        let (proposal, proposer) = match action["externalReinitProposal"].as_u64() {
            Some(i) => {
                let output = self.output(usize::try_from(i).map_err(|_| "index")?)?;
                (output.proposal.clone(), None)
            }
            None => {
                let proposer = as_str(action, "proposer")?.to_owned();
                let cipher_suite = match flag(action, &["changeCiphersuite", "changeCipherSuite"]) {
                    true => self.other_suite(),
                    false => self.suite,
                };
                let group_id = match flag(action, &["changeGroupID"]) {
                    true => self.new_group_id(),
                    false => self.group_id.clone(),
                };
                let state_id = self.state(&proposer)?;
                let extensions = extensions(action)?;
                let proposal = self
                    .client(&proposer)
                    .re_init_proposal(ReInitProposalRequest {
                        state_id,
                        cipher_suite,
                        group_id,
                        extensions,
                    })
                    .await?
                    .into_inner()
                    .proposal;
                (proposal, Some(proposer))
            }
        };
        let given = |me: &str| match proposer.as_deref() == Some(me) {
            true => Vec::new(),
            false => vec![proposal.clone()],
        };
        let state_id = self.state(&committer)?;
        let commit = self
            .client(&committer)
            .re_init_commit(CommitRequest {
                state_id,
                by_reference: given(&committer),
                by_value: Vec::new(),
                force_path: false,
                external_tree: false,
            })
            .await?
            .into_inner();
        let mut others: Vec<String> = proposer.iter().cloned().collect();
        others.push(welcomer.clone());
        others.extend(members.iter().cloned());
        others.retain(|o| *o != committer);
        others.dedup();
        let mut seen = std::collections::HashSet::new();
        others.retain(|o| seen.insert(o.clone()));

        let state_id = self.state(&committer)?;
        let pending = self
            .client(&committer)
            .handle_pending_re_init_commit(HandlePendingCommitRequest { state_id })
            .await?
            .into_inner();
        let mut auths = vec![(committer.clone(), pending.epoch_authenticator)];
        let mut key_packages = vec![(committer.clone(), pending.key_package)];
        self.actor(&committer).reinit_id = Some(pending.reinit_id);
        for other in &others {
            let state_id = self.state(other)?;
            let handled = self
                .client(other)
                .handle_re_init_commit(HandleCommitRequest {
                    state_id,
                    proposal: given(other),
                    commit: commit.commit.clone(),
                })
                .await?
                .into_inner();
            auths.push((other.clone(), handled.epoch_authenticator));
            key_packages.push((other.clone(), handled.key_package));
            self.actor(other).reinit_id = Some(handled.reinit_id);
        }
        // The old group's last epoch is shared (checked without StateAuth: the states are
        // frozen into reinit records).
        if let Some((first, expected)) = auths.first()
            && let Some((actor, _)) = auths.iter().find(|(_, a)| a != expected)
        {
            return fail(format!("{actor} and {first} disagree on the ReInit epoch"));
        }
        let reinit_id = self
            .actor(&welcomer)
            .reinit_id
            .ok_or("welcomer has no reinit")?;
        let welcome = self
            .client(&welcomer)
            .re_init_welcome(ReInitWelcomeRequest {
                reinit_id,
                key_package: key_packages
                    .iter()
                    .filter(|(who, _)| *who != welcomer)
                    .map(|(_, kp)| kp.clone())
                    .collect(),
                force_path,
                external_tree,
            })
            .await?
            .into_inner();
        if external_tree == welcome.ratchet_tree.is_empty() {
            return fail("ReInitWelcome's ratchet_tree does not follow external_tree");
        }
        self.actor(&welcomer).state_id = Some(welcome.state_id);
        // The new group: the welcomer, then the members in the order of their key packages.
        self.roster = Roster::default();
        self.roster.add(&welcomer);
        for (who, _) in key_packages.iter().filter(|(who, _)| *who != welcomer) {
            self.roster.add(who);
        }
        let mut auths = vec![(welcomer.clone(), welcome.epoch_authenticator.clone())];
        let everyone: Vec<String> = std::iter::once(committer.clone())
            .chain(others.iter().cloned())
            .filter(|a| *a != welcomer)
            .collect();
        for other in &everyone {
            let reinit_id = self.actor(other).reinit_id.ok_or("no reinit id")?;
            let joined = self
                .client(other)
                .handle_re_init_welcome(HandleReInitWelcomeRequest {
                    reinit_id,
                    welcome: welcome.welcome.clone(),
                    ratchet_tree: welcome.ratchet_tree.clone(),
                })
                .await?
                .into_inner();
            self.actor(other).state_id = Some(joined.state_id);
            auths.push((other.clone(), joined.epoch_authenticator));
        }
        self.verify(&auths).await?;
        Ok(Output::default())
    }

    async fn branch(&mut self, action: &Value) -> Step<Output> {
        let actor = as_str(action, "actor")?.to_owned();
        let members = strings(action, "members");
        let force_path = flag(action, &["forcePath", "force_path"]);
        let external_tree = flag(action, &["externalTree", "external_tree"]);
        let extensions = extensions(action)?;
        let mut key_packages = Vec::new();
        let mut transactions = Vec::new();
        let suite = self.suite;
        for member in &members {
            let created = self
                .client(member)
                .create_key_package(CreateKeyPackageRequest {
                    cipher_suite: suite,
                    identity: member.as_bytes().to_vec(),
                })
                .await?
                .into_inner();
            key_packages.push(created.key_package);
            transactions.push(created.transaction_id);
        }
        let group_id = self.new_group_id();
        let state_id = self.state(&actor)?;
        let branch = self
            .client(&actor)
            .create_branch(CreateBranchRequest {
                state_id,
                group_id,
                extensions,
                key_packages,
                force_path,
                external_tree,
            })
            .await?
            .into_inner();
        if external_tree == branch.ratchet_tree.is_empty() {
            return fail("CreateBranch's ratchet_tree does not follow external_tree");
        }
        self.actor(&actor).state_id = Some(branch.state_id);
        self.roster = Roster::default();
        for who in std::iter::once(&actor).chain(members.iter()) {
            self.roster.add(who);
        }
        let mut auths = vec![(actor.clone(), branch.epoch_authenticator.clone())];
        for (member, transaction_id) in members.iter().zip(transactions) {
            let state_id = self.state(member)?;
            let joined = self
                .client(member)
                .handle_branch(HandleBranchRequest {
                    state_id,
                    transaction_id,
                    welcome: branch.welcome.clone(),
                    ratchet_tree: branch.ratchet_tree.clone(),
                })
                .await?
                .into_inner();
            self.actor(member).state_id = Some(joined.state_id);
            auths.push((member.clone(), joined.epoch_authenticator));
        }
        self.verify(&auths).await?;
        Ok(Output::default())
    }
}
