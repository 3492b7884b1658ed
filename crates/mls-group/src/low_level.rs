//! The building blocks under [`Group`](crate::Group) and [`Client`](crate::Client), for tools
//! that work below them: test-vector checkers, interop test clients, and applications that
//! keep key packages themselves.
//!
//! - Key packages (RFC 9420 §10): made from explicit options, referenced, validated, and the
//!   extensions a key package or leaf node may carry (application_id §5.3.3, last_resort
//!   §17.3).
//! - GroupInfo and Welcome (§12.4.3): signing and verifying a GroupInfo, building a Welcome,
//!   and the joiner's two steps of opening one (see [`decrypt_group_secrets`]).
//!
//! `Client` and `Group` do all of this for an application; using these directly means
//! taking on the checks they do around them. They may change in any 0.x release.

pub use crate::key_package::{
    KeyPackageOptions, application_id_extension, create_key_package, is_last_resort,
    key_package_ref, last_resort_extension, leaf_application_id, validate_key_package,
};
pub use crate::welcome::{
    JoinerGroupSecrets, NewMemberSecrets, build_welcome, decrypt_group_info, decrypt_group_secrets,
    sign_group_info, verify_group_info,
};
