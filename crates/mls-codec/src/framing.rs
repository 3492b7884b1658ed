//! Message framing (RFC 9420 §6): senders, framed content and its authentication, public and
//! private messages, the inputs of the transcript hashes (§8.2), and MLSMessage.

use crate::{
    CodecError, Commit, Decode, Encode, GroupContext, GroupInfo, KeyPackage, LeafIndex, Mac,
    Proposal, ProtocolVersion, Reader, VarBytes, Welcome, encode_opaque,
};

mls_registry! {
    /// A wire format (RFC 9420 §6, §17.2). Open registry: unknown values are kept where a
    /// wire format is a field, but an MLSMessage of an unknown format cannot be decoded.
    pub struct WireFormat(u16) {
        /// `mls_public_message`.
        MLS_PUBLIC_MESSAGE = 0x0001,
        /// `mls_private_message`.
        MLS_PRIVATE_MESSAGE = 0x0002,
        /// `mls_welcome`.
        MLS_WELCOME = 0x0003,
        /// `mls_group_info`.
        MLS_GROUP_INFO = 0x0004,
        /// `mls_key_package`.
        MLS_KEY_PACKAGE = 0x0005,
    }
}

mls_enum! {
    /// The kind of content a message carries (RFC 9420 §6).
    pub enum ContentType: u8 {
        /// Application data.
        Application = 1,
        /// A proposal.
        Proposal = 2,
        /// A commit.
        Commit = 3,
    }
}

mls_enum! {
    /// The kind of sender of a message (RFC 9420 §6).
    pub enum SenderType: u8 {
        /// A member of the group.
        Member = 1,
        /// An external sender listed in the `external_senders` extension.
        External = 2,
        /// A non-member proposing to add itself.
        NewMemberProposal = 3,
        /// A non-member joining by external commit.
        NewMemberCommit = 4,
    }
}

/// The sender of a message (RFC 9420 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    /// `member`: the sender's `leaf_index`.
    Member(LeafIndex),
    /// `external`: the `sender_index` into the `external_senders` extension.
    External(u32),
    /// `new_member_proposal`.
    NewMemberProposal,
    /// `new_member_commit`.
    NewMemberCommit,
}

impl Sender {
    /// The `sender_type` this sender is encoded with.
    pub fn sender_type(&self) -> SenderType {
        match self {
            Self::Member(_) => SenderType::Member,
            Self::External(_) => SenderType::External,
            Self::NewMemberProposal => SenderType::NewMemberProposal,
            Self::NewMemberCommit => SenderType::NewMemberCommit,
        }
    }
}

impl Encode for Sender {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.sender_type().encode(out)?;
        match self {
            Self::Member(leaf) => leaf.encode(out),
            Self::External(index) => index.encode(out),
            Self::NewMemberProposal | Self::NewMemberCommit => Ok(()),
        }
    }
}

impl Decode for Sender {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        Ok(match SenderType::decode(reader)? {
            SenderType::Member => Self::Member(LeafIndex::decode(reader)?),
            SenderType::External => Self::External(u32::decode(reader)?),
            SenderType::NewMemberProposal => Self::NewMemberProposal,
            SenderType::NewMemberCommit => Self::NewMemberCommit,
        })
    }
}

#[cfg(test)]
impl crate::arbitrary::Arb for Sender {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        prop_oneof![
            any::<u32>().prop_map(|leaf| Self::Member(LeafIndex(leaf))),
            any::<u32>().prop_map(Self::External),
            Just(Self::NewMemberProposal),
            Just(Self::NewMemberCommit),
        ]
        .boxed()
    }
}

/// `content_type` and the content it selects, in a FramedContent (RFC 9420 §6) or a
/// PrivateMessageContent (§6.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramedContentBody {
    /// `application`: `application_data`.
    Application(VarBytes),
    /// `proposal`.
    Proposal(Proposal),
    /// `commit`.
    Commit(Commit),
}

impl FramedContentBody {
    /// The `content_type` of this content.
    pub fn content_type(&self) -> ContentType {
        match self {
            Self::Application(_) => ContentType::Application,
            Self::Proposal(_) => ContentType::Proposal,
            Self::Commit(_) => ContentType::Commit,
        }
    }

    /// Appends the content without its `content_type`, as in PrivateMessageContent (§6.3.1).
    pub fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        match self {
            Self::Application(data) => data.encode(out),
            Self::Proposal(proposal) => proposal.encode(out),
            Self::Commit(commit) => commit.encode(out),
        }
    }

    /// Reads past content of type `content_type` that is not preceded by its type, as
    /// [`Self::decode_body`] would, building only small parts (see [`Commit::skip`]).
    pub fn skip_body(reader: &mut Reader<'_>, content_type: ContentType) -> Result<(), CodecError> {
        match content_type {
            ContentType::Application => reader.read_vector_body().map(drop),
            ContentType::Proposal => Proposal::decode(reader).map(drop),
            ContentType::Commit => Commit::skip(reader),
        }
    }

    /// Decodes content of type `content_type` that fills `bytes` exactly, as
    /// [`PrivateMessageContent::split_for`] returns it.
    pub fn decode_exact(bytes: &[u8], content_type: ContentType) -> Result<Self, CodecError> {
        let mut reader = Reader::new(bytes);
        let content = Self::decode_body(&mut reader, content_type)?;
        reader.finish()?;
        Ok(content)
    }

    /// Decodes content of type `content_type` that is not preceded by its type, as in
    /// PrivateMessageContent (§6.3.1).
    pub fn decode_body(
        reader: &mut Reader<'_>,
        content_type: ContentType,
    ) -> Result<Self, CodecError> {
        Ok(match content_type {
            ContentType::Application => Self::Application(Decode::decode(reader)?),
            ContentType::Proposal => Self::Proposal(Decode::decode(reader)?),
            ContentType::Commit => Self::Commit(Decode::decode(reader)?),
        })
    }
}

impl Encode for FramedContentBody {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.content_type().encode(out)?;
        self.encode_body(out)
    }
}

impl Decode for FramedContentBody {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let content_type = ContentType::decode(reader)?;
        Self::decode_body(reader, content_type)
    }
}

#[cfg(test)]
impl crate::arbitrary::Arb for FramedContentBody {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        prop_oneof![
            VarBytes::arb().prop_map(Self::Application),
            Proposal::arb().prop_map(Self::Proposal),
            Commit::arb().prop_map(Self::Commit),
        ]
        .boxed()
    }
}

mls_struct! {
    /// The content of a message and its framing (RFC 9420 §6).
    pub struct FramedContent {
        /// The group's identifier.
        pub group_id: VarBytes,
        /// The epoch the message belongs to.
        pub epoch: u64,
        /// The sender.
        pub sender: Sender,
        /// Application-defined data that is authenticated but not encrypted.
        pub authenticated_data: VarBytes,
        /// `content_type` and the content.
        pub content: FramedContentBody,
    }
}

impl FramedContent {
    /// The `content_type` of the content.
    pub fn content_type(&self) -> ContentType {
        self.content.content_type()
    }

    /// Appends the encoding of a FramedContent's fields up to its `content_type`: the encoded
    /// FramedContent is this header followed by the body as
    /// [`FramedContentBody::encode_body`] writes it, which is also how a PrivateMessageContent
    /// carries it (RFC 9420 §6, §6.3.1). A received body can so be signed and hashed as it
    /// was decrypted, under a header rebuilt from the PrivateMessage and its sender data.
    pub fn encode_header(
        out: &mut Vec<u8>,
        group_id: &[u8],
        epoch: u64,
        sender: &Sender,
        authenticated_data: &[u8],
        content_type: ContentType,
    ) -> Result<(), CodecError> {
        encode_opaque(group_id, out)?;
        epoch.encode(out)?;
        sender.encode(out)?;
        encode_opaque(authenticated_data, out)?;
        content_type.encode(out)
    }
}

/// The authentication of framed content (RFC 9420 §6.1).
///
/// Its encoding depends on the content type, which precedes it on the wire: decode it with
/// [`FramedContentAuthData::decode_for`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramedContentAuthData {
    /// SignWithLabel(., "FramedContentTBS", FramedContentTBS).
    pub signature: VarBytes,
    /// The confirmation tag: present exactly when the content is a commit.
    pub confirmation_tag: Option<Mac>,
}

impl FramedContentAuthData {
    /// Decodes the authentication of content of type `content_type`.
    pub fn decode_for(
        reader: &mut Reader<'_>,
        content_type: ContentType,
    ) -> Result<Self, CodecError> {
        let signature = VarBytes::decode(reader)?;
        let confirmation_tag = match content_type {
            ContentType::Commit => Some(Mac::decode(reader)?),
            ContentType::Application | ContentType::Proposal => None,
        };
        Ok(Self {
            signature,
            confirmation_tag,
        })
    }

    /// Checks that the confirmation tag is present exactly when `content_type` is commit, so
    /// that the encoding decodes back to the same value.
    pub fn check_for(&self, content_type: ContentType) -> Result<(), CodecError> {
        if self.confirmation_tag.is_some() == (content_type == ContentType::Commit) {
            Ok(())
        } else {
            Err(CodecError::InvalidField {
                field: "FramedContentAuthData.confirmation_tag",
                reason: "must be present exactly when the content is a commit",
            })
        }
    }
}

impl Encode for FramedContentAuthData {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.signature.encode(out)?;
        if let Some(tag) = &self.confirmation_tag {
            tag.encode(out)?;
        }
        Ok(())
    }
}

/// Whether the signature of content from `sender` covers the group context (RFC 9420 §6.1).
fn signs_group_context(sender: &Sender) -> bool {
    match sender {
        Sender::Member(_) | Sender::NewMemberCommit => true,
        Sender::External(_) | Sender::NewMemberProposal => false,
    }
}

/// `FramedContentTBS` (RFC 9420 §6.1): what the signature of framed content covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramedContentTbs {
    /// The protocol version (`mls10`).
    pub version: ProtocolVersion,
    /// The wire format the content is sent in.
    pub wire_format: WireFormat,
    /// The content.
    pub content: FramedContent,
    /// The group context of the epoch: present exactly for `member` and `new_member_commit`
    /// senders.
    pub context: Option<GroupContext>,
}

impl Encode for FramedContentTbs {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        if self.context.is_some() != signs_group_context(&self.content.sender) {
            return Err(CodecError::InvalidField {
                field: "FramedContentTBS.context",
                reason: "must be present exactly for member and new_member_commit senders",
            });
        }
        self.version.encode(out)?;
        self.wire_format.encode(out)?;
        self.content.encode(out)?;
        if let Some(context) = &self.context {
            context.encode(out)?;
        }
        Ok(())
    }
}

impl Decode for FramedContentTbs {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let version = ProtocolVersion::decode(reader)?;
        let wire_format = WireFormat::decode(reader)?;
        let content = FramedContent::decode(reader)?;
        let context = if signs_group_context(&content.sender) {
            Some(GroupContext::decode(reader)?)
        } else {
            None
        };
        Ok(Self {
            version,
            wire_format,
            content,
            context,
        })
    }
}

/// `AuthenticatedContent` (RFC 9420 §6): framed content with its authentication, the unit
/// that proposal references and transcript hashes are computed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedContent {
    /// The wire format the content was sent in.
    pub wire_format: WireFormat,
    /// The content.
    pub content: FramedContent,
    /// Its authentication.
    pub auth: FramedContentAuthData,
}

impl Encode for AuthenticatedContent {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.auth.check_for(self.content.content_type())?;
        self.wire_format.encode(out)?;
        self.content.encode(out)?;
        self.auth.encode(out)
    }
}

impl Decode for AuthenticatedContent {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let wire_format = WireFormat::decode(reader)?;
        let content = FramedContent::decode(reader)?;
        let auth = FramedContentAuthData::decode_for(reader, content.content_type())?;
        Ok(Self {
            wire_format,
            content,
            auth,
        })
    }
}

/// `AuthenticatedContentTBM` (RFC 9420 §6.2): what the membership tag covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedContentTbm {
    /// The signed content.
    pub content_tbs: FramedContentTbs,
    /// Its authentication.
    pub auth: FramedContentAuthData,
}

impl Encode for AuthenticatedContentTbm {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.auth
            .check_for(self.content_tbs.content.content_type())?;
        self.content_tbs.encode(out)?;
        self.auth.encode(out)
    }
}

impl Decode for AuthenticatedContentTbm {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let content_tbs = FramedContentTbs::decode(reader)?;
        let auth = FramedContentAuthData::decode_for(reader, content_tbs.content.content_type())?;
        Ok(Self { content_tbs, auth })
    }
}

/// A message that is signed but not encrypted (RFC 9420 §6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicMessage {
    /// The content.
    pub content: FramedContent,
    /// Its authentication.
    pub auth: FramedContentAuthData,
    /// MAC(membership_key, AuthenticatedContentTBM): present exactly for `member` senders.
    pub membership_tag: Option<Mac>,
}

impl Encode for PublicMessage {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.auth.check_for(self.content.content_type())?;
        if self.membership_tag.is_some() != matches!(self.content.sender, Sender::Member(_)) {
            return Err(CodecError::InvalidField {
                field: "PublicMessage.membership_tag",
                reason: "must be present exactly for member senders",
            });
        }
        self.content.encode(out)?;
        self.auth.encode(out)?;
        if let Some(tag) = &self.membership_tag {
            tag.encode(out)?;
        }
        Ok(())
    }
}

impl Decode for PublicMessage {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        let content = FramedContent::decode(reader)?;
        let auth = FramedContentAuthData::decode_for(reader, content.content_type())?;
        let membership_tag = match content.sender {
            Sender::Member(_) => Some(Mac::decode(reader)?),
            Sender::External(_) | Sender::NewMemberProposal | Sender::NewMemberCommit => None,
        };
        Ok(Self {
            content,
            auth,
            membership_tag,
        })
    }
}

mls_struct! {
    /// A message that is signed and encrypted (RFC 9420 §6.3).
    pub struct PrivateMessage {
        /// The group's identifier.
        pub group_id: VarBytes,
        /// The epoch.
        pub epoch: u64,
        /// The type of the encrypted content.
        pub content_type: ContentType,
        /// Application-defined data that is authenticated but not encrypted.
        pub authenticated_data: VarBytes,
        /// The encrypted [`SenderData`].
        pub encrypted_sender_data: VarBytes,
        /// The encrypted [`PrivateMessageContent`].
        pub ciphertext: VarBytes,
    }
}

/// The plaintext of a PrivateMessage (RFC 9420 §6.3.1).
///
/// Its encoding depends on the content type, which is outside it: decode it with
/// [`PrivateMessageContent::decode_for`]. The padding is the rest of the plaintext and must be
/// all zero bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateMessageContent {
    /// The content, whose type is the PrivateMessage's `content_type`.
    pub content: FramedContentBody,
    /// Its authentication.
    pub auth: FramedContentAuthData,
    /// `length_of_padding`: the number of zero bytes of padding.
    pub length_of_padding: usize,
}

impl PrivateMessageContent {
    /// Decodes the plaintext of a PrivateMessage of type `content_type`, up to the end of
    /// `reader`: what follows the auth is padding, and any non-zero byte in it is an error.
    pub fn decode_for(
        reader: &mut Reader<'_>,
        content_type: ContentType,
    ) -> Result<Self, CodecError> {
        let (body, auth, length_of_padding) = Self::split_for(reader.read_rest(), content_type)?;
        Ok(Self {
            content: FramedContentBody::decode_exact(body, content_type)?,
            auth,
            length_of_padding,
        })
    }

    /// Splits the plaintext of a PrivateMessage of type `content_type` without decoding its
    /// body: returns the body's encoding, which is also the tail of the encoded FramedContent
    /// after [`FramedContent::encode_header`], the decoded auth and the padding length, once
    /// the padding is checked. [`FramedContentBody::decode_exact`] then decodes the body, so
    /// that a large commit can be decoded while its signature is being verified.
    pub fn split_for(
        bytes: &[u8],
        content_type: ContentType,
    ) -> Result<(&[u8], FramedContentAuthData, usize), CodecError> {
        let mut reader = Reader::new(bytes);
        FramedContentBody::skip_body(&mut reader, content_type)?;
        let body_len = bytes.len() - reader.remaining().len();
        let auth = FramedContentAuthData::decode_for(&mut reader, content_type)?;
        let padding = reader.read_rest();
        if let Some(offset) = padding.iter().position(|byte| *byte != 0) {
            return Err(CodecError::NonZeroPadding { offset });
        }
        Ok((&bytes[..body_len], auth, padding.len()))
    }

    /// Decodes a whole plaintext of a PrivateMessage of type `content_type`.
    pub fn from_bytes_for(bytes: &[u8], content_type: ContentType) -> Result<Self, CodecError> {
        Self::decode_for(&mut Reader::new(bytes), content_type)
    }
}

impl Encode for PrivateMessageContent {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.auth.check_for(self.content.content_type())?;
        self.content.encode_body(out)?;
        self.auth.encode(out)?;
        out.resize(out.len() + self.length_of_padding, 0);
        Ok(())
    }
}

mls_struct! {
    /// The AEAD additional data of a PrivateMessage's content (RFC 9420 §6.3.1).
    pub struct PrivateContentAad {
        /// The group's identifier.
        pub group_id: VarBytes,
        /// The epoch.
        pub epoch: u64,
        /// The content type.
        pub content_type: ContentType,
        /// The message's authenticated data.
        pub authenticated_data: VarBytes,
    }
}

mls_struct! {
    /// The sender data of a PrivateMessage (RFC 9420 §6.3.2).
    pub struct SenderData {
        /// The sender's leaf index.
        pub leaf_index: u32,
        /// The generation of the sender's ratchet that encrypted the content.
        pub generation: u32,
        /// A random value XORed into the content nonce (§6.3.1).
        pub reuse_guard: [u8; 4],
    }
}

mls_struct! {
    /// The AEAD additional data of a PrivateMessage's sender data (RFC 9420 §6.3.2).
    pub struct SenderDataAad {
        /// The group's identifier.
        pub group_id: VarBytes,
        /// The epoch.
        pub epoch: u64,
        /// The content type.
        pub content_type: ContentType,
    }
}

mls_struct! {
    /// What updates the confirmed transcript hash (RFC 9420 §8.2).
    pub struct ConfirmedTranscriptHashInput {
        /// The wire format the commit was sent in.
        pub wire_format: WireFormat,
        /// The commit's framed content.
        pub content: FramedContent,
        /// The commit's signature.
        pub signature: VarBytes,
    }
}

mls_struct! {
    /// What updates the interim transcript hash (RFC 9420 §8.2).
    pub struct InterimTranscriptHashInput {
        /// The commit's confirmation tag.
        pub confirmation_tag: Mac,
    }
}

/// The message of an MLSMessage, selected by its wire format (RFC 9420 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MlsMessageBody {
    /// `mls_public_message`.
    PublicMessage(PublicMessage),
    /// `mls_private_message`.
    PrivateMessage(PrivateMessage),
    /// `mls_welcome`.
    Welcome(Welcome),
    /// `mls_group_info`.
    GroupInfo(GroupInfo),
    /// `mls_key_package`.
    KeyPackage(KeyPackage),
}

impl MlsMessageBody {
    /// The `wire_format` this message is encoded with.
    pub fn wire_format(&self) -> WireFormat {
        match self {
            Self::PublicMessage(_) => WireFormat::MLS_PUBLIC_MESSAGE,
            Self::PrivateMessage(_) => WireFormat::MLS_PRIVATE_MESSAGE,
            Self::Welcome(_) => WireFormat::MLS_WELCOME,
            Self::GroupInfo(_) => WireFormat::MLS_GROUP_INFO,
            Self::KeyPackage(_) => WireFormat::MLS_KEY_PACKAGE,
        }
    }
}

impl Encode for MlsMessageBody {
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), CodecError> {
        self.wire_format().encode(out)?;
        match self {
            Self::PublicMessage(message) => message.encode(out),
            Self::PrivateMessage(message) => message.encode(out),
            Self::Welcome(welcome) => welcome.encode(out),
            Self::GroupInfo(group_info) => group_info.encode(out),
            Self::KeyPackage(key_package) => key_package.encode(out),
        }
    }
}

impl Decode for MlsMessageBody {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, CodecError> {
        Ok(match WireFormat::decode(reader)? {
            WireFormat::MLS_PUBLIC_MESSAGE => Self::PublicMessage(Decode::decode(reader)?),
            WireFormat::MLS_PRIVATE_MESSAGE => Self::PrivateMessage(Decode::decode(reader)?),
            WireFormat::MLS_WELCOME => Self::Welcome(Decode::decode(reader)?),
            WireFormat::MLS_GROUP_INFO => Self::GroupInfo(Decode::decode(reader)?),
            WireFormat::MLS_KEY_PACKAGE => Self::KeyPackage(Decode::decode(reader)?),
            other => {
                return Err(CodecError::UnsupportedValue {
                    type_name: "WireFormat",
                    value: other.0.into(),
                });
            }
        })
    }
}

#[cfg(test)]
impl crate::arbitrary::Arb for MlsMessageBody {
    fn arb() -> proptest::strategy::BoxedStrategy<Self> {
        use proptest::prelude::*;
        prop_oneof![
            PublicMessage::arb().prop_map(Self::PublicMessage),
            PrivateMessage::arb().prop_map(Self::PrivateMessage),
            Welcome::arb().prop_map(Self::Welcome),
            GroupInfo::arb().prop_map(Self::GroupInfo),
            KeyPackage::arb().prop_map(Self::KeyPackage),
        ]
        .boxed()
    }
}

mls_struct! {
    /// `MLSMessage` (RFC 9420 §6): the envelope of every message sent over the wire.
    ///
    /// The codec keeps any `version`; checking that it is `mls10` is the receiver's job.
    pub struct MlsMessage {
        /// The protocol version (`mls10`).
        pub version: ProtocolVersion,
        /// `wire_format` and the message it selects.
        pub body: MlsMessageBody,
    }
}

#[cfg(test)]
mod arb {
    //! Strategies for the framing types whose optional parts depend on other fields.

    use super::*;
    use crate::arbitrary::Arb;
    use proptest::prelude::*;

    /// Authentication data consistent with content of type `content_type`.
    pub(super) fn auth_for(content_type: ContentType) -> BoxedStrategy<FramedContentAuthData> {
        let tag = if content_type == ContentType::Commit {
            Mac::arb().prop_map(Some).boxed()
        } else {
            Just(None).boxed()
        };
        (VarBytes::arb(), tag)
            .prop_map(|(signature, confirmation_tag)| FramedContentAuthData {
                signature,
                confirmation_tag,
            })
            .boxed()
    }

    /// Framed content with consistent authentication data.
    fn content_and_auth() -> BoxedStrategy<(FramedContent, FramedContentAuthData)> {
        FramedContent::arb()
            .prop_flat_map(|content| {
                let auth = auth_for(content.content_type());
                (Just(content), auth)
            })
            .boxed()
    }

    impl Arb for FramedContentAuthData {
        fn arb() -> BoxedStrategy<Self> {
            ContentType::arb().prop_flat_map(auth_for).boxed()
        }
    }

    impl Arb for FramedContentTbs {
        fn arb() -> BoxedStrategy<Self> {
            (
                ProtocolVersion::arb(),
                WireFormat::arb(),
                FramedContent::arb(),
                GroupContext::arb(),
            )
                .prop_map(|(version, wire_format, content, context)| {
                    let context = signs_group_context(&content.sender).then_some(context);
                    Self {
                        version,
                        wire_format,
                        content,
                        context,
                    }
                })
                .boxed()
        }
    }

    impl Arb for AuthenticatedContent {
        fn arb() -> BoxedStrategy<Self> {
            (WireFormat::arb(), content_and_auth())
                .prop_map(|(wire_format, (content, auth))| Self {
                    wire_format,
                    content,
                    auth,
                })
                .boxed()
        }
    }

    impl Arb for AuthenticatedContentTbm {
        fn arb() -> BoxedStrategy<Self> {
            FramedContentTbs::arb()
                .prop_flat_map(|content_tbs| {
                    let auth = auth_for(content_tbs.content.content_type());
                    (Just(content_tbs), auth)
                })
                .prop_map(|(content_tbs, auth)| Self { content_tbs, auth })
                .boxed()
        }
    }

    impl Arb for PublicMessage {
        fn arb() -> BoxedStrategy<Self> {
            (content_and_auth(), Mac::arb())
                .prop_map(|((content, auth), tag)| {
                    let membership_tag = matches!(content.sender, Sender::Member(_)).then_some(tag);
                    Self {
                        content,
                        auth,
                        membership_tag,
                    }
                })
                .boxed()
        }
    }

    impl Arb for PrivateMessageContent {
        fn arb() -> BoxedStrategy<Self> {
            (FramedContentBody::arb(), 0usize..40)
                .prop_flat_map(|(content, length_of_padding)| {
                    let auth = auth_for(content.content_type());
                    (Just(content), auth, Just(length_of_padding))
                })
                .prop_map(|(content, auth, length_of_padding)| Self {
                    content,
                    auth,
                    length_of_padding,
                })
                .boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Remove;
    use crate::arbitrary::{Arb, assert_round_trip};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn wire_format_round_trips(value in WireFormat::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn content_type_round_trips(value in ContentType::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn sender_type_round_trips(value in SenderType::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn sender_round_trips(value in Sender::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn framed_content_body_round_trips(value in FramedContentBody::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn framed_content_round_trips(value in FramedContent::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn framed_content_tbs_round_trips(value in FramedContentTbs::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn authenticated_content_round_trips(value in AuthenticatedContent::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn authenticated_content_tbm_round_trips(value in AuthenticatedContentTbm::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn public_message_round_trips(value in PublicMessage::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn private_message_round_trips(value in PrivateMessage::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn private_content_aad_round_trips(value in PrivateContentAad::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn sender_data_round_trips(value in SenderData::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn sender_data_aad_round_trips(value in SenderDataAad::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn confirmed_transcript_hash_input_round_trips(value in ConfirmedTranscriptHashInput::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn interim_transcript_hash_input_round_trips(value in InterimTranscriptHashInput::arb()) {
            assert_round_trip(&value)?;
        }
        #[test]
        fn mls_message_body_round_trips(value in MlsMessageBody::arb()) { assert_round_trip(&value)?; }
        #[test]
        fn mls_message_round_trips(value in MlsMessage::arb()) { assert_round_trip(&value)?; }

        #[test]
        fn framed_content_auth_data_round_trips(
            (content_type, value) in ContentType::arb()
                .prop_flat_map(|content_type| (Just(content_type), arb::auth_for(content_type)))
        ) {
            let bytes = value.to_bytes().unwrap();
            let mut reader = Reader::new(&bytes);
            let decoded = FramedContentAuthData::decode_for(&mut reader, content_type).unwrap();
            prop_assert!(reader.is_empty());
            prop_assert_eq!(&decoded, &value);
            prop_assert_eq!(decoded.to_bytes().unwrap(), bytes);
        }

        #[test]
        fn private_message_content_round_trips(value in PrivateMessageContent::arb()) {
            let bytes = value.to_bytes().unwrap();
            let decoded =
                PrivateMessageContent::from_bytes_for(&bytes, value.content.content_type()).unwrap();
            prop_assert_eq!(&decoded, &value);
            prop_assert_eq!(decoded.to_bytes().unwrap(), bytes);
        }

        #[test]
        fn header_and_split_body_encode_the_framed_content(
            content in FramedContent::arb(),
            padding in 0usize..40,
        ) {
            let content_type = content.content_type();
            let plaintext = PrivateMessageContent {
                content: content.content.clone(),
                auth: FramedContentAuthData {
                    signature: VarBytes::from(b"signature"),
                    confirmation_tag: (content_type == ContentType::Commit)
                        .then(|| Mac::from(b"tag")),
                },
                length_of_padding: padding,
            }
            .to_bytes()
            .unwrap();
            let (body, auth, length_of_padding) =
                PrivateMessageContent::split_for(&plaintext, content_type).unwrap();
            prop_assert_eq!(length_of_padding, padding);
            prop_assert_eq!(auth.signature.as_slice(), b"signature");
            prop_assert_eq!(
                &FramedContentBody::decode_exact(body, content_type).unwrap(),
                &content.content
            );
            let mut encoded = Vec::new();
            FramedContent::encode_header(
                &mut encoded,
                &content.group_id,
                content.epoch,
                &content.sender,
                &content.authenticated_data,
                content_type,
            )
            .unwrap();
            encoded.extend_from_slice(body);
            prop_assert_eq!(encoded, content.to_bytes().unwrap());
        }
    }

    fn application_content(sender: Sender) -> FramedContent {
        FramedContent {
            group_id: VarBytes::from(b"group"),
            epoch: 7,
            sender,
            authenticated_data: VarBytes::default(),
            content: FramedContentBody::Application(VarBytes::from(b"hi")),
        }
    }

    #[test]
    fn private_message_content_padding_must_be_zero() {
        let content = PrivateMessageContent {
            content: FramedContentBody::Application(VarBytes::from(b"hi")),
            auth: FramedContentAuthData {
                signature: VarBytes::from(b"sig"),
                confirmation_tag: None,
            },
            length_of_padding: 3,
        };
        let mut bytes = content.to_bytes().unwrap();
        assert_eq!(bytes, [2, b'h', b'i', 3, b's', b'i', b'g', 0, 0, 0]);
        assert_eq!(
            PrivateMessageContent::from_bytes_for(&bytes, ContentType::Application),
            Ok(content)
        );
        bytes[8] = 1;
        assert_eq!(
            PrivateMessageContent::from_bytes_for(&bytes, ContentType::Application),
            Err(CodecError::NonZeroPadding { offset: 1 })
        );
    }

    #[test]
    fn private_message_content_needs_a_confirmation_tag_for_commits() {
        // A commit with no proposals and no path, a signature, and nothing more.
        assert_eq!(
            PrivateMessageContent::from_bytes_for(&[0, 0, 0], ContentType::Commit),
            Err(CodecError::UnexpectedEnd { needed: 1 })
        );
        let inconsistent = PrivateMessageContent {
            content: FramedContentBody::Commit(Commit {
                proposals: vec![],
                path: None,
            }),
            auth: FramedContentAuthData {
                signature: VarBytes::default(),
                confirmation_tag: None,
            },
            length_of_padding: 0,
        };
        assert!(matches!(
            inconsistent.to_bytes(),
            Err(CodecError::InvalidField { .. })
        ));
    }

    #[test]
    fn membership_tag_only_for_members() {
        let auth = FramedContentAuthData {
            signature: VarBytes::from(b"s"),
            confirmation_tag: None,
        };
        let member = PublicMessage {
            content: application_content(Sender::Member(LeafIndex(1))),
            auth: auth.clone(),
            membership_tag: Some(VarBytes::from(b"tag")),
        };
        let bytes = member.to_bytes().unwrap();
        assert!(bytes.ends_with(&[3, b't', b'a', b'g']));
        assert_eq!(PublicMessage::from_bytes(&bytes), Ok(member.clone()));

        let external = PublicMessage {
            content: application_content(Sender::External(0)),
            membership_tag: None,
            auth,
        };
        let bytes = external.to_bytes().unwrap();
        assert_eq!(PublicMessage::from_bytes(&bytes), Ok(external.clone()));
        assert!(matches!(
            PublicMessage {
                membership_tag: member.membership_tag,
                ..external
            }
            .to_bytes(),
            Err(CodecError::InvalidField { .. })
        ));
    }

    #[test]
    fn invalid_closed_enum_values_are_rejected() {
        // Sender type 5.
        assert_eq!(
            Sender::from_bytes(&[5]),
            Err(CodecError::InvalidEnumValue {
                type_name: "SenderType",
                value: 5,
            })
        );
        // Content type 0 (reserved) in a PrivateMessage.
        assert_eq!(
            PrivateMessage::from_bytes(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]),
            Err(CodecError::InvalidEnumValue {
                type_name: "ContentType",
                value: 0,
            })
        );
    }

    fn remove_message() -> MlsMessage {
        let mut content = application_content(Sender::Member(LeafIndex(0)));
        content.content = FramedContentBody::Proposal(Proposal::Remove(Remove { removed: 1 }));
        MlsMessage {
            version: ProtocolVersion::MLS10,
            body: MlsMessageBody::PublicMessage(PublicMessage {
                content,
                auth: FramedContentAuthData {
                    signature: VarBytes::from(b"sig"),
                    confirmation_tag: None,
                },
                membership_tag: Some(VarBytes::from(b"tag")),
            }),
        }
    }

    #[test]
    fn mls_message_rejects_trailing_bytes() {
        let message = remove_message();
        let mut bytes = message.to_bytes().unwrap();
        assert_eq!(MlsMessage::from_bytes(&bytes), Ok(message));
        bytes.push(0);
        assert_eq!(
            MlsMessage::from_bytes(&bytes),
            Err(CodecError::TrailingBytes { count: 1 })
        );
    }

    #[test]
    fn mls_message_of_unknown_wire_format_is_unsupported() {
        assert_eq!(
            MlsMessage::from_bytes(&[0, 1, 0, 6]),
            Err(CodecError::UnsupportedValue {
                type_name: "WireFormat",
                value: 6,
            })
        );
    }

    #[test]
    fn mls_message_with_custom_proposal_round_trips() {
        let mut message = remove_message();
        let MlsMessageBody::PublicMessage(public) = &mut message.body else {
            unreachable!()
        };
        public.content.content = FramedContentBody::Proposal(Proposal::Custom {
            proposal_type: crate::ProposalType(0xf009),
            data: VarBytes::from(b"custom body"),
        });
        let bytes = message.to_bytes().unwrap();
        // version(2) wire_format(2) group_id(6) epoch(8) sender(5) authenticated_data(1)
        // content_type(1), then the proposal type and its opaque body.
        let at = 2 + 2 + 6 + 8 + 5 + 1 + 1;
        assert_eq!(bytes[at..at + 3], [0xf0, 0x09, 11]);
        assert_eq!(MlsMessage::from_bytes(&bytes), Ok(message));
    }
}
