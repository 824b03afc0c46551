//! `GET /ServiceProviderConfig`: a proper RFC 7643 §5 document for the generic flavor; a 404
//! SCIM error for the Airtable flavor, which documents no discovery endpoints.

use scim_provision::http::HttpResponse;
use scim_provision::model::schemas;
use serde_json::json;

use crate::faults::Faults;
use crate::respond::{json_response, Failure};
use crate::Flavor;

pub(crate) fn service_provider_config(
    flavor: Flavor,
    base: &str,
    faults: &Faults,
) -> Result<HttpResponse, Failure> {
    if flavor == Flavor::Airtable {
        return Err(Failure::new(404, "resource not found"));
    }
    let mut filter = json!({"supported": true});
    if let Some(max) = faults.max_results {
        filter["maxResults"] = json!(max);
    }
    let mut body = json!({
        "schemas": [schemas::SERVICE_PROVIDER_CONFIG],
        "documentationUri": "https://example.invalid/scim-sim",
        "patch": {"supported": true},
        "bulk": match faults.bulk {
            Some((ops, bytes)) => json!({"supported": true, "maxOperations": ops, "maxPayloadSize": bytes}),
            None => json!({"supported": false, "maxOperations": 0, "maxPayloadSize": 0}),
        },
        "filter": filter,
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a bearer token",
            "primary": true
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base}/ServiceProviderConfig")
        }
    });
    if faults.cursors.is_some() {
        // RFC 9865: both styles offered, as a server adding cursors keeps its index paging.
        body["pagination"] =
            json!({"cursor": true, "index": true, "defaultPaginationMethod": "index"});
        if let Some(max) = faults.max_results {
            body["pagination"]["maxPageSize"] = json!(max);
        }
    }
    Ok(json_response(200, &body))
}
