//! tree-operations.json: the tree effect of an Add, an Update and a Remove proposal (RFC 9420
//! §12.1.1-12.1.3) on random trees, with the tree hashes before and after (§7.8).

use mls_codec::{Add, Encode, Proposal, Remove, Update};
use serde_json::Value;

use super::member::{Member, update_leaf_node};
use super::tree::TreeBuilder;
use super::{LayerError, SuiteContext, pick, to_values};
use crate::hex_field::Hex;
use crate::tree_operations::{Case, apply};

/// Three cases, one per proposal type, each on its own random tree.
pub(crate) fn generate(context: &SuiteContext<'_>) -> Result<Vec<Value>, LayerError> {
    let suite = context.suite;
    let mut cases = Vec::new();
    for kind in 0..3 {
        let builder = TreeBuilder::random(suite, context.random(pick(8..33))?.0)?;
        let sender = builder.random_member(None);
        let proposal = match kind {
            0 => Proposal::Add(Add {
                key_package: Member::new(suite, b"added")?.key_package,
            }),
            1 => {
                let leaf_node = builder
                    .tree
                    .leaf(sender)
                    .cloned()
                    .ok_or_else(|| LayerError::Scenario("the sender is blank".to_owned()))?;
                let signer = &*builder.state(sender)?.member.signer;
                let leaf_node =
                    update_leaf_node(suite, leaf_node, signer, &builder.group_id, sender)?;
                Proposal::Update(Update { leaf_node })
            }
            _ => Proposal::Remove(Remove {
                removed: builder.random_member(Some(sender)).0,
            }),
        };
        let mut tree = builder.tree.clone();
        let tree_hash_before = Hex(tree.tree_hash(suite)?);
        let encoded = Hex(proposal.to_bytes()?);
        apply(&mut tree, proposal, sender.0).map_err(LayerError::Scenario)?;
        cases.push(Case {
            cipher_suite: context.number(),
            tree_before: Hex(builder.tree.to_bytes()?),
            proposal: encoded,
            proposal_sender: sender.0,
            tree_hash_before,
            tree_after: Hex(tree.to_bytes()?),
            tree_hash_after: Hex(tree.tree_hash(suite)?),
        });
    }
    to_values(cases)
}
