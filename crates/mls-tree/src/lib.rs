//! The ratchet tree of Messaging Layer Security (RFC 9420 §4 and §7).
//!
//! ```
//! use mls_tree::{LeafIndex, NodeIndex, TreeSize};
//!
//! let size = TreeSize::for_leaves(5).expect("within 2^30 leaves");
//! assert_eq!(size.leaf_count(), 8);
//! assert_eq!(size.root(), NodeIndex(7));
//! let path: Vec<NodeIndex> = size.direct_path(LeafIndex(2).node()).collect();
//! assert_eq!(path, [NodeIndex(5), NodeIndex(3), NodeIndex(7)]);
//! ```
#![forbid(unsafe_code)]

mod math;

pub use math::{LeafIndex, MAX_LEAVES, NodeIndex, TreeSize};
