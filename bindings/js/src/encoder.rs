//! The npm package's `Encoder` class: the requests of one server (a base path and a
//! profile), as the component's `codec.encoder` builds them, over the host crate's
//! `boundary::encode_*`. Decides nothing.

use scim_provision::http::HttpRequest;
use scim_provision::request::RequestEncoder;
use scim_provision_host::boundary;
use scim_provision_host::fault::Fault;
use wasm_bindgen::prelude::*;

use super::{encoder_from, json_text, resource_kind, throw, to_js};

/// Builds the requests of one server (a base path and a profile), as the component's
/// `codec.encoder` does. `kind` is `user` or `group`; resources, queries and patches are
/// objects or JSON text; requests come back as `{method, path, headers, body}`.
#[wasm_bindgen]
pub struct Encoder {
    inner: RequestEncoder,
}

fn request_js(r: Result<HttpRequest, Fault>) -> Result<JsValue, JsValue> {
    to_js(&r.map_err(throw)?)
}

#[wasm_bindgen]
impl Encoder {
    /// An encoder for `basePath` (such as `/scim/v2`) and a profile (a built-in name, a
    /// Profile object or its JSON text).
    #[wasm_bindgen(constructor)]
    pub fn new(base_path: &str, profile: JsValue) -> Result<Encoder, JsValue> {
        Ok(Encoder {
            inner: encoder_from(base_path, &profile)?,
        })
    }

    /// `GET /Users` or `/Groups` with a ListQuery
    /// (`{startIndex, count, filter, attributes, excludedAttributes}`).
    pub fn list(&self, kind: &str, query: JsValue) -> Result<JsValue, JsValue> {
        let query = json_text(&query, "query-json")?;
        request_js(boundary::encode_list(
            &self.inner,
            resource_kind("kind", kind)?,
            &query,
        ))
    }

    /// `GET /Users/{id}` or `/Groups/{id}`.
    pub fn get(&self, kind: &str, id: &str) -> Result<JsValue, JsValue> {
        request_js(boundary::encode_get(
            &self.inner,
            resource_kind("kind", kind)?,
            id,
        ))
    }

    /// `POST /Users` or `/Groups` with a User or Group.
    #[wasm_bindgen(js_name = createResource)]
    pub fn create_resource(&self, kind: &str, resource: JsValue) -> Result<JsValue, JsValue> {
        let resource = json_text(&resource, "resource-json")?;
        request_js(boundary::encode_create(
            &self.inner,
            resource_kind("kind", kind)?,
            &resource,
        ))
    }

    /// `PUT /Users/{id}` or `/Groups/{id}` with the whole resource.
    pub fn replace(&self, kind: &str, id: &str, resource: JsValue) -> Result<JsValue, JsValue> {
        let resource = json_text(&resource, "resource-json")?;
        request_js(boundary::encode_replace(
            &self.inner,
            resource_kind("kind", kind)?,
            id,
            &resource,
        ))
    }

    /// `PATCH` with a PatchOp (`{Operations: [...]}`), cased as the profile wants.
    pub fn patch(&self, kind: &str, id: &str, patch: JsValue) -> Result<JsValue, JsValue> {
        let patch = json_text(&patch, "patch-json")?;
        request_js(boundary::encode_patch(
            &self.inner,
            resource_kind("kind", kind)?,
            id,
            &patch,
        ))
    }

    /// `DELETE /Users/{id}` or `/Groups/{id}`.
    pub fn delete(&self, kind: &str, id: &str) -> Result<JsValue, JsValue> {
        request_js(boundary::encode_delete(
            &self.inner,
            resource_kind("kind", kind)?,
            id,
        ))
    }

    /// `GET /ServiceProviderConfig`.
    #[wasm_bindgen(js_name = serviceProviderConfig)]
    pub fn service_provider_config(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.service_provider_config())
    }

    /// The profile in use.
    pub fn profile(&self) -> Result<JsValue, JsValue> {
        to_js(self.inner.profile())
    }
}
