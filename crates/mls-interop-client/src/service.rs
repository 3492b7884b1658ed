//! The `MLSClient` service of `mls_client.proto` on top of `mls-group`.
//!
//! Every id the service hands out (state, transaction, signer and reinit ids) comes from one
//! counter, so that `StorePSK`'s `state_or_transaction_id` is never ambiguous. A state id
//! names one member's [`Group`]; an operation that moves the group to a new epoch keeps its
//! id. Handshake messages are PrivateMessages when the group was created or joined with
//! `encrypt_handshake`, PublicMessages otherwise (RFC 9420 §6).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use mls_codec::{
    Add, CipherSuite, Credential, Decode, Encode, Extension, ExtensionType, ExternalSender,
    FramedContent, FramedContentBody, GroupContextExtensions, GroupInfo, KeyPackage, LeafNode,
    LeafNodeSourceData, MlsMessage, MlsMessageBody, PreSharedKey, PreSharedKeyId, Proposal,
    ProtocolVersion, Psk, ReInit, Remove, ResumptionPskUsage, Sender, VarBytes, Welcome,
    WireFormat,
};
use mls_crypto::{
    CipherSuiteProvider, CryptoProvider, HpkePrivateKey, Secret, SignaturePrivateKey, Signer,
};
use mls_group::low_level::KeyPackageOptions;
use mls_group::{
    Client, CommitOptions, CommitOutput, ExternalProposer, Group, GroupConfig, GroupError,
    KeyPackageBundle, ProcessedMessage,
};
use mls_tree::{LeafIndex, RatchetTree};
use tonic::{Request, Response, Status};

use crate::proto::mls_client_server::MlsClient;
use crate::proto::{
    AddExternalSignerRequest, AddProposalRequest, CommitRequest, CommitResponse,
    CreateBranchRequest, CreateExternalSignerRequest, CreateExternalSignerResponse,
    CreateGroupRequest, CreateGroupResponse, CreateKeyPackageRequest, CreateKeyPackageResponse,
    CreateSubgroupResponse, ExportRequest, ExportResponse, ExternalJoinRequest,
    ExternalJoinResponse, ExternalPskProposalRequest, ExternalSignerProposalRequest, FreeRequest,
    FreeResponse, GroupContextExtensionsProposalRequest, GroupInfoRequest, GroupInfoResponse,
    HandleBranchRequest, HandleBranchResponse, HandleCommitRequest, HandleCommitResponse,
    HandlePendingCommitRequest, HandleReInitCommitResponse, HandleReInitWelcomeRequest,
    JoinGroupRequest, JoinGroupResponse, NameRequest, NameResponse, NewMemberAddProposalRequest,
    NewMemberAddProposalResponse, ProposalDescription, ProposalResponse, ProtectRequest,
    ProtectResponse, ReInitProposalRequest, ReInitWelcomeRequest, RemoveProposalRequest,
    ResumptionPskProposalRequest, StateAuthRequest, StateAuthResponse, StorePskRequest,
    StorePskResponse, SupportedCiphersuitesRequest, SupportedCiphersuitesResponse,
    UnprotectRequest, UnprotectResponse, UpdateProposalRequest,
};

/// The name the client reports (`Name`).
pub const CLIENT_NAME: &str = "mls (RFC 9420 in Rust, layered crates)";

/// How long the key packages we make are valid: 90 days.
const KEY_PACKAGE_VALIDITY_SECONDS: u64 = 90 * 24 * 3600;

/// The label of a key package's signature (RFC 9420 §10).
const KEY_PACKAGE_TBS_LABEL: &str = "KeyPackageTBS";

/// The interop client: a gRPC `MLSClient` service holding any number of group states, key
/// packages awaiting a Welcome, external signers and reinitializations.
pub struct InteropClient {
    provider: Arc<dyn CryptoProvider>,
    state: Mutex<State>,
}

impl std::fmt::Debug for InteropClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InteropClient").finish_non_exhaustive()
    }
}

impl Default for InteropClient {
    fn default() -> Self {
        Self::new(Arc::new(mls_crypto_rustcrypto::RustCryptoProvider::new()))
    }
}

/// Everything the service keeps between calls.
#[derive(Default)]
struct State {
    next_id: u32,
    groups: HashMap<u32, Member>,
    transactions: HashMap<u32, Transaction>,
    signers: HashMap<u32, ExternalProposer>,
    reinits: HashMap<u32, Reinit>,
}

/// One member's group state and how it sends handshake messages.
struct Member {
    group: Group,
    encrypt_handshake: bool,
}

/// A key package whose private keys wait for a Welcome (`CreateKeyPackage`,
/// `NewMemberAddProposal`), with the external PSKs stored for the join (`StorePSK`).
struct Transaction {
    credential: Credential,
    signature_key: SignaturePrivateKey,
    key_package: KeyPackage,
    init_private_key: HpkePrivateKey,
    encryption_private_key: HpkePrivateKey,
    psks: HashMap<Vec<u8>, Secret>,
}

impl Transaction {
    fn bundle(&self) -> KeyPackageBundle {
        KeyPackageBundle::new(
            self.key_package.clone(),
            HpkePrivateKey::from_slice(self.init_private_key.as_bytes()),
            HpkePrivateKey::from_slice(self.encryption_private_key.as_bytes()),
        )
    }
}

/// A group frozen by a committed ReInit (RFC 9420 §11.2), with the client of the new cipher
/// suite whose key package the other members' new group will add.
struct Reinit {
    old: Group,
    client: Client,
    encrypt_handshake: bool,
}

/// A gRPC status from any error of the MLS stack.
fn failed(error: impl std::fmt::Display) -> Status {
    Status::failed_precondition(error.to_string())
}

fn invalid(what: impl std::fmt::Display) -> Status {
    Status::invalid_argument(what.to_string())
}

fn not_found(kind: &str, id: u32) -> Status {
    Status::not_found(format!("no {kind} with id {id}"))
}

/// The handshake wire format of `encrypt_handshake` (RFC 9420 §6).
fn config(encrypt_handshake: bool) -> GroupConfig {
    GroupConfig::default().with_handshake_wire_format(if encrypt_handshake {
        WireFormat::MLS_PRIVATE_MESSAGE
    } else {
        WireFormat::MLS_PUBLIC_MESSAGE
    })
}

fn basic(identity: &[u8]) -> Credential {
    Credential::Basic {
        identity: VarBytes::from(identity),
    }
}

fn suite_of(value: u32) -> Result<CipherSuite, Status> {
    u16::try_from(value)
        .map(CipherSuite)
        .map_err(|_| invalid(format!("cipher suite {value} is not a uint16")))
}

fn decode_message(bytes: &[u8]) -> Result<MlsMessage, Status> {
    let message = MlsMessage::from_bytes(bytes).map_err(invalid)?;
    if message.version != ProtocolVersion::MLS10 {
        return Err(invalid(format!(
            "unsupported protocol version {:?}",
            message.version
        )));
    }
    Ok(message)
}

fn decode_key_package(bytes: &[u8]) -> Result<KeyPackage, Status> {
    match decode_message(bytes)?.body {
        MlsMessageBody::KeyPackage(key_package) => Ok(key_package),
        _ => Err(invalid("expected a KeyPackage MLSMessage")),
    }
}

fn decode_welcome(bytes: &[u8]) -> Result<Welcome, Status> {
    match decode_message(bytes)?.body {
        MlsMessageBody::Welcome(welcome) => Ok(welcome),
        _ => Err(invalid("expected a Welcome MLSMessage")),
    }
}

fn decode_group_info(bytes: &[u8]) -> Result<GroupInfo, Status> {
    match decode_message(bytes)?.body {
        MlsMessageBody::GroupInfo(group_info) => Ok(group_info),
        _ => Err(invalid("expected a GroupInfo MLSMessage")),
    }
}

fn encode_message(body: MlsMessageBody) -> Result<Vec<u8>, Status> {
    MlsMessage {
        version: ProtocolVersion::MLS10,
        body,
    }
    .to_bytes()
    .map_err(failed)
}

/// An optional `bytes` field: empty means absent.
/// Runs `op` on `group` with the ratchet tree in the Welcome and GroupInfo it makes unless
/// `external_tree` (the proto's per-call choice); afterwards the group carries it again, as
/// every state of this client does.
fn with_tree_choice<T>(
    group: &mut Group,
    external_tree: bool,
    op: impl FnOnce(&mut Group) -> T,
) -> T {
    group.set_ratchet_tree_extension(!external_tree);
    let result = op(group);
    group.set_ratchet_tree_extension(true);
    result
}

/// The tree to return beside a Welcome or GroupInfo: the group's if `external_tree`, else
/// none.
fn tree_for(group: &Group, external_tree: bool) -> Result<Vec<u8>, Status> {
    match external_tree {
        true => group.ratchet_tree().map_err(failed),
        false => Ok(Vec::new()),
    }
}

fn optional(bytes: &[u8]) -> Option<&[u8]> {
    (!bytes.is_empty()).then_some(bytes)
}

fn extensions_of(extensions: &[crate::proto::Extension]) -> Result<Vec<Extension>, Status> {
    extensions
        .iter()
        .map(|extension| {
            Ok(Extension {
                extension_type: ExtensionType(u16::try_from(extension.extension_type).map_err(
                    |_| {
                        invalid(format!(
                            "extension type {} is not a uint16",
                            extension.extension_type
                        ))
                    },
                )?),
                extension_data: VarBytes(extension.extension_data.clone()),
            })
        })
        .collect()
}

/// The leaf of the member whose basic credential has `identity` in `tree`.
fn leaf_of(tree: &RatchetTree, identity: &[u8]) -> Result<LeafIndex, Status> {
    tree.members()
        .find(|(_, node)| {
            matches!(&node.credential, Credential::Basic { identity: found } if found.as_slice() == identity)
        })
        .map(|(leaf, _)| leaf)
        .ok_or_else(|| invalid(format!("no member with identity {identity:02x?}")))
}

/// The leaf of the member with `identity` in `group`.
fn member_leaf(group: &Group, identity: &[u8]) -> Result<LeafIndex, Status> {
    group
        .members()
        .into_iter()
        .find(|member| {
            matches!(&member.credential, Credential::Basic { identity: found } if found.as_slice() == identity)
        })
        .map(|member| member.leaf)
        .ok_or_else(|| invalid(format!("no member with identity {identity:02x?}")))
}

/// The ratchet tree of a GroupInfo: given out of band, or from its `ratchet_tree` extension
/// (RFC 9420 §12.4.3.3).
fn tree_of(group_info: &GroupInfo, ratchet_tree: &[u8]) -> Result<RatchetTree, Status> {
    let bytes = match optional(ratchet_tree) {
        Some(bytes) => bytes,
        None => group_info
            .extensions
            .iter()
            .find(|extension| extension.extension_type == ExtensionType::RATCHET_TREE)
            .map(|extension| extension.extension_data.as_slice())
            .ok_or_else(|| invalid("no ratchet tree: neither given nor in the GroupInfo"))?,
    };
    RatchetTree::from_bytes(bytes).map_err(invalid)
}

/// A fresh PreSharedKeyID (RFC 9420 §8.4) with a nonce of the suite's hash length.
fn psk_id(suite: &dyn CipherSuiteProvider, psk: Psk) -> Result<PreSharedKeyId, Status> {
    Ok(PreSharedKeyId {
        psk,
        psk_nonce: VarBytes(suite.random_bytes(suite.hash_len()).map_err(failed)?),
    })
}

/// What a `ProposalDescription` names, for a group `group_id` of `suite` whose tree is
/// `tree`. `reinit` says whether a ReInit may be described (only for external signers).
fn describe(
    description: &ProposalDescription,
    suite: &dyn CipherSuiteProvider,
    group_id: &[u8],
    leaf: impl Fn(&[u8]) -> Result<LeafIndex, Status>,
    reinit: bool,
) -> Result<Proposal, Status> {
    Ok(match description.proposal_type.as_slice() {
        b"add" => Proposal::Add(Add {
            key_package: decode_key_package(&description.key_package)?,
        }),
        b"remove" => Proposal::Remove(Remove {
            removed: leaf(&description.removed_id)?.0,
        }),
        b"externalPSK" => Proposal::PreSharedKey(PreSharedKey {
            psk: psk_id(
                suite,
                Psk::External {
                    psk_id: VarBytes(description.psk_id.clone()),
                },
            )?,
        }),
        b"resumptionPSK" => Proposal::PreSharedKey(PreSharedKey {
            psk: psk_id(
                suite,
                Psk::Resumption {
                    usage: ResumptionPskUsage::Application,
                    psk_group_id: VarBytes::from(group_id),
                    psk_epoch: description.epoch_id,
                },
            )?,
        }),
        b"groupContextExtensions" => Proposal::GroupContextExtensions(GroupContextExtensions {
            extensions: extensions_of(&description.extensions)?,
        }),
        b"reinit" if reinit => Proposal::ReInit(ReInit {
            group_id: VarBytes(description.group_id.clone()),
            version: ProtocolVersion::MLS10,
            cipher_suite: suite_of(description.cipher_suite)?,
            extensions: extensions_of(&description.extensions)?,
        }),
        b"reinit" => {
            return Err(invalid(
                "a reinit description is for ExternalSignerProposal only",
            ));
        }
        other => {
            return Err(Status::unimplemented(format!(
                "proposal type {:?} is not one of mls_client.proto's",
                String::from_utf8_lossy(other)
            )));
        }
    })
}

/// A new key package (RFC 9420 §10) of `credential` signed by `signer`, with the private keys
/// of its init key and encryption key. Its capabilities list every suite of the provider and
/// no GREASE values, so that any peer accepts it.
fn new_key_package(
    provider: &dyn CryptoProvider,
    suite: &dyn CipherSuiteProvider,
    signer: &dyn Signer,
    credential: Credential,
) -> Result<(KeyPackage, HpkePrivateKey, HpkePrivateKey), Status> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    let mut options =
        KeyPackageOptions::new(suite.cipher_suite(), now, KEY_PACKAGE_VALIDITY_SECONDS);
    options.capabilities.cipher_suites = provider.supported_suites().to_vec();
    let init = suite.generate_hpke_key_pair().map_err(failed)?;
    let encryption = suite.generate_hpke_key_pair().map_err(failed)?;
    let mut leaf_node = LeafNode {
        encryption_key: VarBytes(encryption.public_key),
        signature_key: VarBytes(signer.public_key().to_vec()),
        credential,
        capabilities: options.capabilities,
        leaf_node_source: LeafNodeSourceData::KeyPackage(options.lifetime),
        extensions: options.leaf_extensions,
        signature: VarBytes::default(),
    };
    // A key package's leaf node is signed without group id and leaf index (§7.2).
    mls_tree::sign_leaf_node(signer, &mut leaf_node, &[], LeafIndex(0)).map_err(failed)?;
    let mut key_package = KeyPackage {
        version: ProtocolVersion::MLS10,
        cipher_suite: suite.cipher_suite(),
        init_key: VarBytes(init.public_key),
        leaf_node,
        extensions: options.extensions,
        signature: VarBytes::default(),
    };
    let tbs = key_package.to_tbs().to_bytes().map_err(failed)?;
    key_package.signature =
        VarBytes(mls_crypto::sign_with_label(signer, KEY_PACKAGE_TBS_LABEL, &tbs).map_err(failed)?);
    Ok((key_package, init.private_key, encryption.private_key))
}

impl State {
    fn next_id(&mut self) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    fn member(&mut self, state_id: u32) -> Result<&mut Member, Status> {
        self.groups
            .get_mut(&state_id)
            .ok_or_else(|| not_found("state", state_id))
    }

    fn group(&mut self, state_id: u32) -> Result<&mut Group, Status> {
        Ok(&mut self.member(state_id)?.group)
    }

    /// Keeps a subgroup just created (a branch, or the group after a ReInit) and answers with
    /// its Welcome, its tree if `external_tree`, and its epoch authenticator. The group
    /// carries its tree in later GroupInfos, as every state of this client does.
    fn insert_subgroup(
        &mut self,
        mut group: Group,
        output: CommitOutput,
        external_tree: bool,
        encrypt_handshake: bool,
    ) -> Result<CreateSubgroupResponse, Status> {
        group.set_ratchet_tree_extension(true);
        let ratchet_tree = tree_for(&group, external_tree)?;
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = self.insert_group(group, encrypt_handshake);
        Ok(CreateSubgroupResponse {
            state_id,
            welcome: output.welcome.unwrap_or_default(),
            ratchet_tree,
            epoch_authenticator,
        })
    }

    fn insert_group(&mut self, group: Group, encrypt_handshake: bool) -> u32 {
        let id = self.next_id();
        self.groups.insert(
            id,
            Member {
                group,
                encrypt_handshake,
            },
        );
        id
    }
}

impl InteropClient {
    /// A client on `provider`, which must support the suites it announces.
    pub fn new(provider: Arc<dyn CryptoProvider>) -> Self {
        Self {
            provider,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> Result<MutexGuard<'_, State>, Status> {
        self.state
            .lock()
            .map_err(|_| Status::internal("a previous call panicked"))
    }

    fn suite(&self, cipher_suite: CipherSuite) -> Result<&dyn CipherSuiteProvider, Status> {
        self.provider.suite(cipher_suite).map_err(|error| {
            Status::unimplemented(format!("cipher suite {cipher_suite:?}: {error}"))
        })
    }

    /// A fresh signature key of `cipher_suite` and its signer.
    fn signature_key(
        &self,
        cipher_suite: CipherSuite,
    ) -> Result<(SignaturePrivateKey, Arc<dyn Signer>), Status> {
        let suite = self.suite(cipher_suite)?;
        let keys = suite.generate_signature_key_pair().map_err(failed)?;
        let signer = suite.signer(&keys.private_key).map_err(failed)?;
        Ok((keys.private_key, Arc::from(signer)))
    }

    /// A new key package of `identity` whose private keys wait for a Welcome.
    fn new_transaction(
        &self,
        cipher_suite: CipherSuite,
        identity: &[u8],
    ) -> Result<(Transaction, Arc<dyn Signer>), Status> {
        let suite = self.suite(cipher_suite)?;
        let (signature_key, signer) = self.signature_key(cipher_suite)?;
        let credential = basic(identity);
        let (key_package, init_private_key, encryption_private_key) =
            new_key_package(&*self.provider, suite, &*signer, credential.clone())?;
        Ok((
            Transaction {
                credential,
                signature_key,
                key_package,
                init_private_key,
                encryption_private_key,
                psks: HashMap::new(),
            },
            signer,
        ))
    }

    /// A client of the transaction's identity holding its key package, to join a Welcome
    /// that needs more than [`Group::join_with_psks`] (a branch, §11.3).
    fn transaction_client(
        &self,
        transaction: &Transaction,
        encrypt_handshake: bool,
    ) -> Result<Client, Status> {
        let mut client = Client::with_signature_key(
            Arc::clone(&self.provider),
            transaction.key_package.cipher_suite,
            transaction.credential.clone(),
            &transaction.signature_key,
        )
        .map_err(failed)?;
        client.set_config(config(encrypt_handshake));
        client
            .add_key_package(transaction.bundle())
            .map_err(failed)?;
        Ok(client)
    }

    /// Processes proposals (MLSMessages), to be committed by reference (RFC 9420 §12.4).
    /// One of our own, or one already received, is cached already and passes.
    fn take_proposals(group: &mut Group, proposals: &[Vec<u8>]) -> Result<(), Status> {
        for proposal in proposals {
            match group.process_message(proposal) {
                Ok(ProcessedMessage::Proposal { .. })
                | Err(GroupError::OwnMessage | GroupError::DuplicateProposal) => {}
                Ok(other) => return Err(invalid(format!("not a proposal: {other:?}"))),
                Err(error) => return Err(failed(error)),
            }
        }
        Ok(())
    }

    /// `Commit` and `ReInitCommit`: processes the proposals by reference, then commits them,
    /// the cached ones and the described ones by value (RFC 9420 §12.4). The Welcome carries
    /// the ratchet tree unless `external_tree`, in which case it is returned beside it.
    fn commit_proposals(&self, request: CommitRequest) -> Result<CommitResponse, Status> {
        let mut state = self.state()?;
        let group = state.group(request.state_id)?;
        Self::take_proposals(group, &request.by_reference)?;
        let suite = self.suite(group.cipher_suite())?;
        let group_id = group.group_id().to_vec();
        let proposals = request
            .by_value
            .iter()
            .map(|description| {
                describe(
                    description,
                    suite,
                    &group_id,
                    |identity| member_leaf(group, identity),
                    false,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let output = with_tree_choice(group, request.external_tree, |group| {
            group.commit(
                CommitOptions::default()
                    .with_proposals(proposals)
                    .with_force_path(request.force_path),
            )
        })
        .map_err(failed)?;
        let ratchet_tree = match request.external_tree {
            true => group
                .pending_commit_ratchet_tree()
                .map_err(failed)?
                .unwrap_or_default(),
            false => Vec::new(),
        };
        Ok(CommitResponse {
            commit: output.commit,
            welcome: output.welcome.unwrap_or_default(),
            ratchet_tree,
        })
    }

    /// `HandleCommit` and `HandleReInitCommit`: processes the proposals, then the commit.
    /// A commit that removes us leaves the state in its epoch and returns no authenticator.
    fn process_commit(
        &self,
        request: &HandleCommitRequest,
    ) -> Result<HandleCommitResponse, Status> {
        let mut state = self.state()?;
        let group = state.group(request.state_id)?;
        Self::take_proposals(group, &request.proposal)?;
        let epoch_authenticator = match group.process_message(&request.commit).map_err(failed)? {
            ProcessedMessage::Commit { .. } => group.epoch_authenticator().to_vec(),
            ProcessedMessage::Removed { .. } => Vec::new(),
            other => return Err(invalid(format!("not a commit: {other:?}"))),
        };
        Ok(HandleCommitResponse {
            state_id: request.state_id,
            epoch_authenticator,
        })
    }

    /// After a ReInit commit took effect (RFC 9420 §11.2): freezes the group into a reinit
    /// record with a client of the new suite and a key package for the new group.
    fn start_reinit(&self, state_id: u32) -> Result<HandleReInitCommitResponse, Status> {
        let mut state = self.state()?;
        let member = state
            .groups
            .remove(&state_id)
            .ok_or_else(|| not_found("state", state_id))?;
        let Some(reinit) = member.group.reinit() else {
            state.groups.insert(state_id, member);
            return Err(Status::failed_precondition("the commit carried no ReInit"));
        };
        let cipher_suite = reinit.cipher_suite;
        let credential = member
            .group
            .members()
            .into_iter()
            .find(|m| m.leaf == member.group.own_leaf())
            .map(|m| m.credential)
            .ok_or_else(|| Status::internal("our leaf is blank"))?;
        let epoch_authenticator = member.group.epoch_authenticator().to_vec();
        let result = (|| {
            let suite = self.suite(cipher_suite)?;
            let (signature_key, signer) = self.signature_key(cipher_suite)?;
            let (key_package, init, encryption) =
                new_key_package(&*self.provider, suite, &*signer, credential.clone())?;
            let mut client = Client::with_signature_key(
                Arc::clone(&self.provider),
                cipher_suite,
                credential,
                &signature_key,
            )
            .map_err(failed)?;
            client.set_config(config(member.encrypt_handshake));
            let key_package = client
                .add_key_package(KeyPackageBundle::new(key_package, init, encryption))
                .map_err(failed)?;
            Ok::<_, Status>((client, key_package))
        })();
        let (client, key_package) = match result {
            Ok(made) => made,
            Err(error) => {
                state.groups.insert(state_id, member);
                return Err(error);
            }
        };
        let reinit_id = state.next_id();
        state.reinits.insert(
            reinit_id,
            Reinit {
                old: member.group,
                client,
                encrypt_handshake: member.encrypt_handshake,
            },
        );
        Ok(HandleReInitCommitResponse {
            reinit_id,
            key_package,
            epoch_authenticator,
        })
    }
}

type Reply<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl MlsClient for InteropClient {
    async fn name(&self, _: Request<NameRequest>) -> Reply<NameResponse> {
        Ok(Response::new(NameResponse {
            name: CLIENT_NAME.to_owned(),
        }))
    }

    async fn supported_ciphersuites(
        &self,
        _: Request<SupportedCiphersuitesRequest>,
    ) -> Reply<SupportedCiphersuitesResponse> {
        Ok(Response::new(SupportedCiphersuitesResponse {
            ciphersuites: self
                .provider
                .supported_suites()
                .iter()
                .map(|suite| u32::from(suite.0))
                .collect(),
        }))
    }

    /// RFC 9420 §11: a one-member group with a basic credential.
    async fn create_group(
        &self,
        request: Request<CreateGroupRequest>,
    ) -> Reply<CreateGroupResponse> {
        let request = request.into_inner();
        let cipher_suite = suite_of(request.cipher_suite)?;
        let (transaction, signer) = self.new_transaction(cipher_suite, &request.identity)?;
        let group = Group::create(
            Arc::clone(&self.provider),
            signer,
            transaction.bundle(),
            request.group_id,
            config(request.encrypt_handshake),
        )
        .map_err(failed)?;
        let state_id = self.state()?.insert_group(group, request.encrypt_handshake);
        Ok(Response::new(CreateGroupResponse { state_id }))
    }

    /// RFC 9420 §10: a key package whose private keys are kept under the transaction id.
    async fn create_key_package(
        &self,
        request: Request<CreateKeyPackageRequest>,
    ) -> Reply<CreateKeyPackageResponse> {
        let request = request.into_inner();
        let (transaction, _) =
            self.new_transaction(suite_of(request.cipher_suite)?, &request.identity)?;
        let key_package =
            encode_message(MlsMessageBody::KeyPackage(transaction.key_package.clone()))?;
        let response = CreateKeyPackageResponse {
            transaction_id: 0,
            key_package,
            init_priv: transaction.init_private_key.as_bytes().to_vec(),
            encryption_priv: transaction.encryption_private_key.as_bytes().to_vec(),
            signature_priv: transaction.signature_key.as_bytes().to_vec(),
        };
        let mut state = self.state()?;
        let transaction_id = state.next_id();
        state.transactions.insert(transaction_id, transaction);
        Ok(Response::new(CreateKeyPackageResponse {
            transaction_id,
            ..response
        }))
    }

    /// RFC 9420 §12.4.3.1: joins with the transaction's key package; the tree comes from the
    /// Welcome's GroupInfo or `ratchet_tree`, and PSKs from `StorePSK` on the transaction.
    async fn join_group(&self, request: Request<JoinGroupRequest>) -> Reply<JoinGroupResponse> {
        let request = request.into_inner();
        let welcome = decode_welcome(&request.welcome)?;
        let mut state = self.state()?;
        let transaction = state
            .transactions
            .get(&request.transaction_id)
            .ok_or_else(|| not_found("transaction", request.transaction_id))?;
        let tree = optional(&request.ratchet_tree)
            .map(RatchetTree::from_bytes)
            .transpose()
            .map_err(invalid)?;
        let cipher_suite = transaction.key_package.cipher_suite;
        let signer = self
            .suite(cipher_suite)?
            .signer(&transaction.signature_key)
            .map_err(failed)?;
        let mut group = Group::join_with_psks(
            Arc::clone(&self.provider),
            Arc::from(signer),
            &transaction.bundle(),
            &welcome,
            tree,
            config(request.encrypt_handshake),
            |id| match &id.psk {
                Psk::External { psk_id } => transaction.psks.get(psk_id.as_slice()),
                Psk::Resumption { .. } => None,
            },
        )
        .map_err(failed)?;
        for (psk_id, psk) in &transaction.psks {
            group.add_external_psk(psk_id, Secret::from_slice(psk.as_bytes()));
        }
        state.transactions.remove(&request.transaction_id);
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = state.insert_group(group, request.encrypt_handshake);
        Ok(Response::new(JoinGroupResponse {
            state_id,
            epoch_authenticator,
        }))
    }

    /// RFC 9420 §12.4.3.2: joins by an external commit, removing our prior appearance (a
    /// resync) if `remove_prior`, with the given external PSKs.
    async fn external_join(
        &self,
        request: Request<ExternalJoinRequest>,
    ) -> Reply<ExternalJoinResponse> {
        let request = request.into_inner();
        let group_info = decode_group_info(&request.group_info)?;
        let cipher_suite = group_info.group_context.cipher_suite;
        let resync = match request.remove_prior {
            true => Some(leaf_of(
                &tree_of(&group_info, &request.ratchet_tree)?,
                &request.identity,
            )?),
            false => None,
        };
        let mut client = Client::new(Arc::clone(&self.provider), cipher_suite, &request.identity)
            .map_err(failed)?;
        client.set_config(config(request.encrypt_handshake));
        let psks: Vec<(Vec<u8>, Secret)> = request
            .psks
            .iter()
            .map(|psk| (psk.psk_id.clone(), Secret::from_slice(&psk.psk_secret)))
            .collect();
        let psk_refs: Vec<(&[u8], &Secret)> =
            psks.iter().map(|(id, psk)| (id.as_slice(), psk)).collect();
        let (group, commit) = client
            .join_by_external_commit_with_psks(
                &request.group_info,
                optional(&request.ratchet_tree),
                resync,
                &psk_refs,
            )
            .map_err(failed)?;
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = self.state()?.insert_group(group, request.encrypt_handshake);
        Ok(Response::new(ExternalJoinResponse {
            state_id,
            commit,
            epoch_authenticator,
        }))
    }

    /// RFC 9420 §12.4.3: a signed GroupInfo with `external_pub`, and the ratchet tree in it
    /// unless `external_tree`, in which case it is returned beside it.
    async fn group_info(&self, request: Request<GroupInfoRequest>) -> Reply<GroupInfoResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let group = state.group(request.state_id)?;
        let group_info = with_tree_choice(group, request.external_tree, |group| group.group_info());
        Ok(Response::new(GroupInfoResponse {
            group_info: group_info.map_err(failed)?,
            ratchet_tree: tree_for(group, request.external_tree)?,
        }))
    }

    /// The epoch authenticator (RFC 9420 §8.7).
    async fn state_auth(&self, request: Request<StateAuthRequest>) -> Reply<StateAuthResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let group = state.group(request.state_id)?;
        Ok(Response::new(StateAuthResponse {
            state_auth_secret: group.epoch_authenticator().to_vec(),
        }))
    }

    /// `MLS-Exporter` (RFC 9420 §8.5).
    async fn export(&self, request: Request<ExportRequest>) -> Reply<ExportResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let group = state.group(request.state_id)?;
        let length = usize::try_from(request.key_length).map_err(invalid)?;
        let secret = group
            .export_secret(&request.label, &request.context, length)
            .map_err(failed)?;
        Ok(Response::new(ExportResponse {
            exported_secret: secret.as_bytes().to_vec(),
        }))
    }

    /// An application message (RFC 9420 §15, a PrivateMessage).
    async fn protect(&self, request: Request<ProtectRequest>) -> Reply<ProtectResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let group = state.group(request.state_id)?;
        let ciphertext = group
            .encrypt_application_message_with_aad(&request.plaintext, &request.authenticated_data)
            .map_err(failed)?;
        Ok(Response::new(ProtectResponse { ciphertext }))
    }

    async fn unprotect(&self, request: Request<UnprotectRequest>) -> Reply<UnprotectResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let group = state.group(request.state_id)?;
        match group.process_message(&request.ciphertext).map_err(failed)? {
            ProcessedMessage::Application {
                data,
                authenticated_data,
                ..
            } => Ok(Response::new(UnprotectResponse {
                authenticated_data,
                plaintext: data,
            })),
            other => Err(invalid(format!("not an application message: {other:?}"))),
        }
    }

    /// Stores an external PSK (RFC 9420 §8.4) in a group state, a transaction (for its
    /// join) or a reinitialized group.
    async fn store_psk(&self, request: Request<StorePskRequest>) -> Reply<StorePskResponse> {
        let request = request.into_inner();
        let id = request.state_or_transaction_id;
        let psk = Secret::from_slice(&request.psk_secret);
        let mut state = self.state()?;
        if let Some(member) = state.groups.get_mut(&id) {
            member.group.add_external_psk(&request.psk_id, psk);
        } else if let Some(transaction) = state.transactions.get_mut(&id) {
            transaction.psks.insert(request.psk_id, psk);
        } else if let Some(reinit) = state.reinits.get_mut(&id) {
            reinit.old.add_external_psk(&request.psk_id, psk);
        } else {
            return Err(not_found("state or transaction", id));
        }
        Ok(Response::new(StorePskResponse {}))
    }

    /// RFC 9420 §12.1.1.
    async fn add_proposal(&self, request: Request<AddProposalRequest>) -> Reply<ProposalResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let proposal = state
            .group(request.state_id)?
            .propose_add(&request.key_package)
            .map_err(failed)?;
        Ok(Response::new(ProposalResponse { proposal }))
    }

    /// RFC 9420 §12.1.2.
    async fn update_proposal(
        &self,
        request: Request<UpdateProposalRequest>,
    ) -> Reply<ProposalResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let proposal = state
            .group(request.state_id)?
            .propose_update()
            .map_err(failed)?;
        Ok(Response::new(ProposalResponse { proposal }))
    }

    /// RFC 9420 §12.1.3: `removed_id` is the identity of the member's basic credential.
    async fn remove_proposal(
        &self,
        request: Request<RemoveProposalRequest>,
    ) -> Reply<ProposalResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let group = state.group(request.state_id)?;
        let leaf = member_leaf(group, &request.removed_id)?;
        let proposal = group.propose_remove(leaf).map_err(failed)?;
        Ok(Response::new(ProposalResponse { proposal }))
    }

    /// RFC 9420 §12.1.4, an external PSK stored with `StorePSK`.
    async fn external_psk_proposal(
        &self,
        request: Request<ExternalPskProposalRequest>,
    ) -> Reply<ProposalResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let proposal = state
            .group(request.state_id)?
            .propose_external_psk(&request.psk_id)
            .map_err(failed)?;
        Ok(Response::new(ProposalResponse { proposal }))
    }

    /// RFC 9420 §12.1.4, the resumption PSK of this group's epoch `epoch_id`.
    async fn resumption_psk_proposal(
        &self,
        request: Request<ResumptionPskProposalRequest>,
    ) -> Reply<ProposalResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let proposal = state
            .group(request.state_id)?
            .propose_resumption_psk(request.epoch_id)
            .map_err(failed)?;
        Ok(Response::new(ProposalResponse { proposal }))
    }

    /// RFC 9420 §12.1.7.
    async fn group_context_extensions_proposal(
        &self,
        request: Request<GroupContextExtensionsProposalRequest>,
    ) -> Reply<ProposalResponse> {
        let request = request.into_inner();
        let extensions = extensions_of(&request.extensions)?;
        let mut state = self.state()?;
        let proposal = state
            .group(request.state_id)?
            .propose_group_context_extensions(extensions)
            .map_err(failed)?;
        Ok(Response::new(ProposalResponse { proposal }))
    }

    /// RFC 9420 §12.1.5, MLS 1.0.
    async fn re_init_proposal(
        &self,
        request: Request<ReInitProposalRequest>,
    ) -> Reply<ProposalResponse> {
        let request = request.into_inner();
        let cipher_suite = suite_of(request.cipher_suite)?;
        let extensions = extensions_of(&request.extensions)?;
        let mut state = self.state()?;
        let proposal = state
            .group(request.state_id)?
            .propose_reinit(
                &request.group_id,
                ProtocolVersion::MLS10,
                cipher_suite,
                extensions,
            )
            .map_err(failed)?;
        Ok(Response::new(ProposalResponse { proposal }))
    }

    async fn commit(&self, request: Request<CommitRequest>) -> Reply<CommitResponse> {
        self.commit_proposals(request.into_inner())
            .map(Response::new)
    }

    async fn handle_commit(
        &self,
        request: Request<HandleCommitRequest>,
    ) -> Reply<HandleCommitResponse> {
        self.process_commit(&request.into_inner())
            .map(Response::new)
    }

    /// Merges our commit once the delivery service accepted it (RFC 9420 §14).
    async fn handle_pending_commit(
        &self,
        request: Request<HandlePendingCommitRequest>,
    ) -> Reply<HandleCommitResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let group = state.group(request.state_id)?;
        group.merge_pending_commit().map_err(failed)?;
        Ok(Response::new(HandleCommitResponse {
            state_id: request.state_id,
            epoch_authenticator: group.epoch_authenticator().to_vec(),
        }))
    }

    /// A commit of a ReInit proposal given by reference (RFC 9420 §11.2).
    async fn re_init_commit(&self, request: Request<CommitRequest>) -> Reply<CommitResponse> {
        self.commit_proposals(request.into_inner())
            .map(Response::new)
    }

    async fn handle_pending_re_init_commit(
        &self,
        request: Request<HandlePendingCommitRequest>,
    ) -> Reply<HandleReInitCommitResponse> {
        let request = request.into_inner();
        self.state()?
            .group(request.state_id)?
            .merge_pending_commit()
            .map_err(failed)?;
        self.start_reinit(request.state_id).map(Response::new)
    }

    async fn handle_re_init_commit(
        &self,
        request: Request<HandleCommitRequest>,
    ) -> Reply<HandleReInitCommitResponse> {
        let request = request.into_inner();
        self.process_commit(&request)?;
        self.start_reinit(request.state_id).map(Response::new)
    }

    /// RFC 9420 §11.2 step 3: the new group, adding the other members' key packages.
    async fn re_init_welcome(
        &self,
        request: Request<ReInitWelcomeRequest>,
    ) -> Reply<CreateSubgroupResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let reinit = state
            .reinits
            .get_mut(&request.reinit_id)
            .ok_or_else(|| not_found("reinit", request.reinit_id))?;
        let encrypt_handshake = reinit.encrypt_handshake;
        reinit.client.set_config(
            config(encrypt_handshake).with_ratchet_tree_extension(!request.external_tree),
        );
        // Our own key package, if the list has it, is not added: we create the group.
        let own_key = reinit.client.signature_key().to_vec();
        let mut key_packages = Vec::new();
        for key_package in request.key_package {
            if decode_key_package(&key_package)?
                .leaf_node
                .signature_key
                .as_slice()
                != own_key
            {
                key_packages.push(key_package);
            }
        }
        let created =
            reinit
                .old
                .reinit_group_with_path(&reinit.client, &key_packages, request.force_path);
        reinit.client.set_config(config(encrypt_handshake));
        let (group, output) = created.map_err(failed)?;
        state
            .insert_subgroup(group, output, request.external_tree, encrypt_handshake)
            .map(Response::new)
    }

    async fn handle_re_init_welcome(
        &self,
        request: Request<HandleReInitWelcomeRequest>,
    ) -> Reply<JoinGroupResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let reinit = state
            .reinits
            .get_mut(&request.reinit_id)
            .ok_or_else(|| not_found("reinit", request.reinit_id))?;
        let group = reinit
            .client
            .join_reinit(
                &request.welcome,
                optional(&request.ratchet_tree),
                &reinit.old,
            )
            .map_err(failed)?;
        let encrypt_handshake = reinit.encrypt_handshake;
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = state.insert_group(group, encrypt_handshake);
        Ok(Response::new(JoinGroupResponse {
            state_id,
            epoch_authenticator,
        }))
    }

    /// RFC 9420 §11.3: a subgroup with the given extensions and key packages.
    async fn create_branch(
        &self,
        request: Request<CreateBranchRequest>,
    ) -> Reply<CreateSubgroupResponse> {
        let request = request.into_inner();
        let extensions = extensions_of(&request.extensions)?;
        let mut state = self.state()?;
        let member = state.member(request.state_id)?;
        let encrypt_handshake = member.encrypt_handshake;
        let created = with_tree_choice(&mut member.group, request.external_tree, |group| {
            group.branch_with_extensions(
                &request.group_id,
                extensions,
                &request.key_packages,
                request.force_path,
            )
        });
        let (group, output) = created.map_err(failed)?;
        state
            .insert_subgroup(group, output, request.external_tree, encrypt_handshake)
            .map(Response::new)
    }

    /// Joins a subgroup of the group `state_id` (RFC 9420 §11.3) with the transaction's key
    /// package.
    async fn handle_branch(
        &self,
        request: Request<HandleBranchRequest>,
    ) -> Reply<HandleBranchResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        let transaction = state
            .transactions
            .get(&request.transaction_id)
            .ok_or_else(|| not_found("transaction", request.transaction_id))?;
        let encrypt_handshake = state
            .groups
            .get(&request.state_id)
            .ok_or_else(|| not_found("state", request.state_id))?
            .encrypt_handshake;
        let mut client = self.transaction_client(transaction, encrypt_handshake)?;
        let parent = &state
            .groups
            .get(&request.state_id)
            .ok_or_else(|| not_found("state", request.state_id))?
            .group;
        let group = client
            .join_branch(&request.welcome, optional(&request.ratchet_tree), parent)
            .map_err(failed)?;
        state.transactions.remove(&request.transaction_id);
        let epoch_authenticator = group.epoch_authenticator().to_vec();
        let state_id = state.insert_group(group, encrypt_handshake);
        Ok(Response::new(HandleBranchResponse {
            state_id,
            epoch_authenticator,
        }))
    }

    /// RFC 9420 §12.1.8: an Add of a fresh key package of ours, sent as
    /// `new_member_proposal` to the GroupInfo's group and epoch; its private keys wait for
    /// the Welcome under the transaction id (`JoinGroup`).
    async fn new_member_add_proposal(
        &self,
        request: Request<NewMemberAddProposalRequest>,
    ) -> Reply<NewMemberAddProposalResponse> {
        let request = request.into_inner();
        let group_info = decode_group_info(&request.group_info)?;
        let context = &group_info.group_context;
        let suite = self.suite(context.cipher_suite)?;
        let (transaction, signer) =
            self.new_transaction(context.cipher_suite, &request.identity)?;
        let content = FramedContent {
            group_id: context.group_id.clone(),
            epoch: context.epoch,
            sender: Sender::NewMemberProposal,
            authenticated_data: VarBytes::default(),
            content: FramedContentBody::Proposal(Proposal::Add(Add {
                key_package: transaction.key_package.clone(),
            })),
        };
        // A non-member's signature does not cover the GroupContext (§6.1).
        let epoch = mls_framing::public::PublicEpoch {
            suite,
            group_context: &[],
            membership_key: None,
        };
        let message =
            mls_framing::public::protect(epoch, &*signer, content, None).map_err(failed)?;
        let proposal = encode_message(MlsMessageBody::PublicMessage(message))?;
        let response = NewMemberAddProposalResponse {
            transaction_id: 0,
            proposal,
            init_priv: transaction.init_private_key.as_bytes().to_vec(),
            encryption_priv: transaction.encryption_private_key.as_bytes().to_vec(),
            signature_priv: transaction.signature_key.as_bytes().to_vec(),
        };
        let mut state = self.state()?;
        let transaction_id = state.next_id();
        state.transactions.insert(transaction_id, transaction);
        Ok(Response::new(NewMemberAddProposalResponse {
            transaction_id,
            ..response
        }))
    }

    /// An external sender (RFC 9420 §12.1.8.1) with a basic credential; `external_sender` is
    /// its encoded `ExternalSender` entry.
    async fn create_external_signer(
        &self,
        request: Request<CreateExternalSignerRequest>,
    ) -> Reply<CreateExternalSignerResponse> {
        let request = request.into_inner();
        let cipher_suite = suite_of(request.cipher_suite)?;
        let (signature_key, _) = self.signature_key(cipher_suite)?;
        let signer = ExternalProposer::with_signature_key(
            Arc::clone(&self.provider),
            cipher_suite,
            basic(&request.identity),
            &signature_key,
        )
        .map_err(failed)?;
        let external_sender = signer.external_sender().to_bytes().map_err(failed)?;
        let mut state = self.state()?;
        let signer_id = state.next_id();
        state.signers.insert(signer_id, signer);
        Ok(Response::new(CreateExternalSignerResponse {
            signer_id,
            external_sender,
        }))
    }

    /// A GroupContextExtensions proposal (RFC 9420 §12.1.7) keeping the group's extensions
    /// and appending `external_sender` to its `external_senders` extension (§12.1.8.1),
    /// created if absent.
    async fn add_external_signer(
        &self,
        request: Request<AddExternalSignerRequest>,
    ) -> Reply<ProposalResponse> {
        let request = request.into_inner();
        let sender = ExternalSender::from_bytes(&request.external_sender).map_err(invalid)?;
        let mut state = self.state()?;
        let group = state.group(request.state_id)?;
        let mut extensions = group.group_context().extensions.clone();
        match extensions
            .iter_mut()
            .find(|extension| extension.extension_type == ExtensionType::EXTERNAL_SENDERS)
        {
            Some(extension) => {
                let mut senders =
                    Vec::<ExternalSender>::from_bytes(&extension.extension_data).map_err(failed)?;
                senders.push(sender);
                extension.extension_data = VarBytes(senders.to_bytes().map_err(failed)?);
            }
            None => {
                extensions.push(mls_group::external_senders_extension(&[sender]).map_err(failed)?)
            }
        }
        let proposal = group
            .propose_group_context_extensions(extensions)
            .map_err(failed)?;
        Ok(Response::new(ProposalResponse { proposal }))
    }

    /// A proposal of an external sender (RFC 9420 §12.1.8) for the GroupInfo's group and
    /// epoch, as entry `signer_index` of its `external_senders` extension.
    async fn external_signer_proposal(
        &self,
        request: Request<ExternalSignerProposalRequest>,
    ) -> Reply<ProposalResponse> {
        let request = request.into_inner();
        let description = request
            .description
            .as_ref()
            .ok_or_else(|| invalid("no proposal description"))?;
        let group_info = decode_group_info(&request.group_info)?;
        let context = &group_info.group_context;
        let suite = self.suite(context.cipher_suite)?;
        let proposal = describe(
            description,
            suite,
            &context.group_id,
            |identity| leaf_of(&tree_of(&group_info, &request.ratchet_tree)?, identity),
            true,
        )?;
        let state = self.state()?;
        let signer = state
            .signers
            .get(&request.signer_id)
            .ok_or_else(|| not_found("signer", request.signer_id))?;
        let proposal = signer
            .propose(
                &context.group_id,
                context.epoch,
                request.signer_index,
                proposal,
            )
            .map_err(failed)?;
        Ok(Response::new(ProposalResponse { proposal }))
    }

    /// Forgets a group state.
    async fn free(&self, request: Request<FreeRequest>) -> Reply<FreeResponse> {
        let request = request.into_inner();
        let mut state = self.state()?;
        state
            .groups
            .remove(&request.state_id)
            .ok_or_else(|| not_found("state", request.state_id))?;
        Ok(Response::new(FreeResponse {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    async fn create_group(client: &InteropClient, suite: u32) -> Result<u32, Status> {
        Ok(client
            .create_group(Request::new(CreateGroupRequest {
                group_id: b"group".to_vec(),
                cipher_suite: suite,
                encrypt_handshake: true,
                identity: b"alice".to_vec(),
            }))
            .await?
            .into_inner()
            .state_id)
    }

    async fn key_package(client: &InteropClient, identity: &[u8]) -> CreateKeyPackageResponse {
        client
            .create_key_package(Request::new(CreateKeyPackageRequest {
                cipher_suite: 1,
                identity: identity.to_vec(),
            }))
            .await
            .unwrap()
            .into_inner()
    }

    #[test]
    fn an_unsupported_suite_is_unimplemented() {
        let client = InteropClient::default();
        let status = run(create_group(&client, 0x0a0a)).unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unimplemented, "{status:?}");
    }

    #[test]
    fn an_unknown_proposal_type_is_unimplemented() {
        let client = InteropClient::default();
        let state_id = run(create_group(&client, 1)).unwrap();
        let status = run(client.commit(Request::new(CommitRequest {
            state_id,
            by_value: vec![ProposalDescription {
                proposal_type: b"appAck".to_vec(),
                ..ProposalDescription::default()
            }],
            ..CommitRequest::default()
        })))
        .unwrap_err();
        assert_eq!(status.code(), tonic::Code::Unimplemented, "{status:?}");
    }

    #[test]
    fn unknown_ids_are_not_found() {
        let client = InteropClient::default();
        let status = run(client.store_psk(Request::new(StorePskRequest {
            state_or_transaction_id: 7,
            psk_id: b"id".to_vec(),
            psk_secret: vec![1; 32],
        })))
        .unwrap_err();
        assert_eq!(status.code(), tonic::Code::NotFound);
        let status = run(client.join_group(Request::new(JoinGroupRequest {
            transaction_id: 7,
            welcome: Vec::new(),
            ..JoinGroupRequest::default()
        })))
        .unwrap_err();
        assert_eq!(
            status.code(),
            tonic::Code::InvalidArgument,
            "an empty Welcome"
        );
    }

    /// Alice adds Bob by reference to her own Add proposal (which she passes, as some
    /// runners do), Bob joins with his transaction; then Alice's state is freed.
    #[test]
    fn a_join_by_transaction_agrees_and_free_forgets_the_state() {
        let client = InteropClient::default();
        run(async {
            let alice = create_group(&client, 1).await.unwrap();
            let bob = key_package(&client, b"bob").await;
            assert!(!bob.init_priv.is_empty() && !bob.signature_priv.is_empty());
            let proposal = client
                .add_proposal(Request::new(AddProposalRequest {
                    state_id: alice,
                    key_package: bob.key_package,
                }))
                .await
                .unwrap()
                .into_inner()
                .proposal;
            let commit = client
                .commit(Request::new(CommitRequest {
                    state_id: alice,
                    by_reference: vec![proposal],
                    external_tree: true,
                    ..CommitRequest::default()
                }))
                .await
                .unwrap()
                .into_inner();
            assert!(!commit.ratchet_tree.is_empty());
            let merged = client
                .handle_pending_commit(Request::new(HandlePendingCommitRequest { state_id: alice }))
                .await
                .unwrap()
                .into_inner();
            let joined = client
                .join_group(Request::new(JoinGroupRequest {
                    transaction_id: bob.transaction_id,
                    welcome: commit.welcome,
                    encrypt_handshake: true,
                    identity: b"bob".to_vec(),
                    ratchet_tree: commit.ratchet_tree,
                }))
                .await
                .unwrap()
                .into_inner();
            assert_eq!(merged.epoch_authenticator, joined.epoch_authenticator);
            client
                .free(Request::new(FreeRequest { state_id: alice }))
                .await
                .unwrap();
            let status = client
                .state_auth(Request::new(StateAuthRequest { state_id: alice }))
                .await
                .unwrap_err();
            assert_eq!(status.code(), tonic::Code::NotFound);
        });
    }
}
