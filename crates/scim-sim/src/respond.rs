//! Response building: JSON bodies with the SCIM media type, and SCIM Error bodies whose
//! `status` is a JSON number (Airtable) or a string (RFC 7644), depending on the flavor.

use scim_provision::http::{HttpResponse, SCIM_MEDIA_TYPE};
use scim_provision::model::schemas;
use serde_json::{json, Value};

use crate::Flavor;

/// A request the service provider refuses: the HTTP status, the SCIM `scimType` and a
/// human-readable detail. Handlers return it and [`Failure::into_response`] renders it in the
/// flavor's error format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl Failure {
    /// A failure with a status and detail, no `scimType`.
    pub(crate) fn new(status: u16, detail: impl Into<String>) -> Failure {
        Failure {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// A failure with a `scimType`.
    pub(crate) fn typed(
        status: u16,
        scim_type: &'static str,
        detail: impl Into<String>,
    ) -> Failure {
        Failure {
            status,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    /// 400 `invalidValue`.
    pub(crate) fn invalid_value(detail: impl Into<String>) -> Failure {
        Failure::typed(400, "invalidValue", detail)
    }

    /// 400 `invalidPath`.
    pub(crate) fn invalid_path(detail: impl Into<String>) -> Failure {
        Failure::typed(400, "invalidPath", detail)
    }

    /// 409 `uniqueness`.
    pub(crate) fn uniqueness(detail: impl Into<String>) -> Failure {
        Failure::typed(409, "uniqueness", detail)
    }

    /// The SCIM Error response.
    pub(crate) fn into_response(self, flavor: Flavor) -> HttpResponse {
        scim_error(flavor, self.status, self.scim_type, &self.detail)
    }
}

/// A SCIM Error response.
pub(crate) fn scim_error(
    flavor: Flavor,
    status: u16,
    scim_type: Option<&str>,
    detail: &str,
) -> HttpResponse {
    let status_value = match flavor {
        Flavor::Airtable => json!(status),
        Flavor::Generic => json!(status.to_string()),
    };
    let mut body = json!({
        "schemas": [schemas::ERROR],
        "status": status_value,
        "detail": detail,
    });
    if let (Some(t), Some(map)) = (scim_type, body.as_object_mut()) {
        map.insert("scimType".into(), Value::String(t.to_owned()));
    }
    json_response(status, &body)
}

/// A JSON response with the SCIM media type.
pub(crate) fn json_response(status: u16, body: &Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("Content-Type".into(), SCIM_MEDIA_TYPE.into())],
        body: body.to_string(),
    }
}

/// 204 No Content.
pub(crate) fn no_content() -> HttpResponse {
    HttpResponse::new(204, "")
}

/// A resource as JSON. Serializing the model cannot fail for values the simulator built
/// (string keys, no non-finite floats), but a failure is still answered, as a 500.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| Failure::new(500, format!("serialization: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_format_follows_the_flavor() {
        let a = scim_error(Flavor::Airtable, 404, None, "x");
        let g = scim_error(Flavor::Generic, 409, Some("uniqueness"), "y");
        let a: Value = serde_json::from_str(&a.body).unwrap();
        let g: Value = serde_json::from_str(&g.body).unwrap();
        assert_eq!(a["status"], json!(404));
        assert!(a.get("scimType").is_none());
        assert_eq!(g["status"], json!("409"));
        assert_eq!(g["scimType"], "uniqueness");
        assert_eq!(g["schemas"][0], schemas::ERROR);
    }
}
