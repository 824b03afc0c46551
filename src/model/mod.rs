//! SCIM 2.0 resources and messages (RFC 7643, RFC 7644) as serde types.
//!
//! Every type decodes attribute names case-insensitively (one mechanism for all, `names`:
//! serde's derive behind a renaming of the keys it names) and keeps attributes it does not
//! model in an `extra` map, so a resource read from a server and
//! written back loses nothing. Values that are `null` are treated as unassigned, as RFC 7643
//! §2.5 says, and are not written back. The types' own decoders are strict; a server's
//! answer is first made readable by the tolerant reader (`tolerant`), which coerces what it
//! can without loss and reports each [`Coercion`].

pub(crate) mod as_sent;
mod bulk;
mod error;
pub(crate) mod fast;
mod group;
mod list;
mod names;
mod patch;
mod serde_util;
mod service_provider_config;
pub(crate) mod tolerant;
mod tracked;
mod user;

pub use bulk::{BulkOperation, BulkOperationResult, BulkRequest, BulkResponse};
pub use error::ScimError;
pub use group::{Group, Member};
pub use list::ListResponse;
pub use patch::{OpCase, PatchOp, PatchOpKind, PatchOperation};
pub use serde_util::FromValue;
pub use service_provider_config::{
    BulkConfig, FilterConfig, PaginationConfig, ServiceProviderConfig, SupportedConfig,
};
pub use tolerant::Coercion;
pub(crate) use tracked::Tracked;
pub use user::{EnterpriseUser, Manager, Meta, MultiValue, Name, User};

pub(crate) use crate::located::join_located;

/// A user as its JSON value, for rules that look at any attribute by path (scoping
/// filters, license types). Written as text and read back, through the serializer and the
/// parser every host already has, rather than `serde_json::to_value`, whose serializer
/// would add a second copy of User's serialization to the WebAssembly module.
pub(crate) fn user_json(user: &User) -> Option<serde_json::Value> {
    serde_json::from_str(&serde_json::to_string(user).ok()?).ok()
}

/// Schema URNs used by this crate.
pub mod schemas {
    /// Core User schema.
    pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    /// Core Group schema.
    pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
    /// Enterprise User extension (RFC 7643 §4.3).
    pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    /// Airtable's extension routing a user to one SSO identity provider.
    pub const AIRTABLE_SSO_USER: &str = "urn:airtable:params:scim:schemas:extension:sso:2.0:User";
    /// ListResponse message.
    pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
    /// PatchOp message.
    pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
    /// BulkRequest message.
    pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
    /// BulkResponse message.
    pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
    /// Error message.
    pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
    /// ServiceProviderConfig resource.
    pub const SERVICE_PROVIDER_CONFIG: &str =
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
}
