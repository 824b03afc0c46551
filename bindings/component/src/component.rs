//! The WIT glue: generated bindings and one thin `Guest` implementation per interface.

use std::cell::RefCell;

use scim_provision::engine::{self as core_engine, RequestId};
use scim_provision::filter::{self, Filter};
use scim_provision::http::{HttpRequest as CoreRequest, HttpResponse as CoreResponse};
use scim_provision::model::{Group, PatchOp, ServiceProviderConfig, User};
use scim_provision::plan::DesiredState;
use scim_provision::profile::{self, Profile};
use scim_provision::request::{ListQuery, RequestEncoder, ResourceKind as CoreKind};
use scim_provision::response::{DecodeOptions, Expect as CoreExpect};

use crate::mapping::{self, parse_arg, to_json, ErrorInfo, ErrorKind as InfoKind};

wit_bindgen::generate!({
    path: "../../wit",
    world: "provisioner",
});

use exports::scim::provision::codec::{
    self, DecodeOptions as WitDecodeOptions, Expect, ResourceKind, ResourceType,
};
use exports::scim::provision::engine;
use exports::scim::provision::planner;
use exports::scim::provision::types::{
    Error, ErrorKind, HttpRequest, HttpResponse, Input, Output, SendRequest,
};

/// The component's export implementor.
struct Component;

// The exported symbols (`scim:provision/engine@0.1.0#...`) only link in a wasm module; native
// builds still compile and lint every implementation.
#[cfg(target_arch = "wasm32")]
export!(Component);

impl From<ErrorInfo> for Error {
    fn from(e: ErrorInfo) -> Error {
        Error {
            kind: match e.kind {
                InfoKind::Encode => ErrorKind::Encode,
                InfoKind::Decode => ErrorKind::Decode,
                InfoKind::Server => ErrorKind::Server,
                InfoKind::DesiredState => ErrorKind::DesiredState,
                InfoKind::Plan => ErrorKind::Plan,
                InfoKind::Engine => ErrorKind::Engine,
                InfoKind::Filter => ErrorKind::Filter,
                InfoKind::InvalidArgument => ErrorKind::InvalidArgument,
            },
            code: e.code,
            message: e.message,
            http_status: e.http_status,
            scim_type: e.scim_type,
            detail: e.detail,
            location: e.location,
            data: to_json(&e.data),
        }
    }
}

fn wit_request(r: CoreRequest) -> HttpRequest {
    HttpRequest {
        method: r.method.as_str().to_owned(),
        path: r.path,
        headers: r.headers,
        body: r.body,
    }
}

fn core_response(r: HttpResponse) -> CoreResponse {
    CoreResponse {
        status: r.status,
        headers: r.headers,
        body: r.body,
    }
}

fn core_kind(kind: ResourceKind) -> CoreKind {
    match kind {
        ResourceKind::User => CoreKind::User,
        ResourceKind::Group => CoreKind::Group,
    }
}

fn desired(json: &str) -> Result<DesiredState, Error> {
    DesiredState::from_json(json).map_err(|e| mapping::desired_state_error(&e).into())
}

fn encoded(
    r: Result<CoreRequest, scim_provision::request::EncodeError>,
) -> Result<HttpRequest, Error> {
    r.map(wit_request)
        .map_err(|e| mapping::encode_error(&e).into())
}

/// The `codec.encoder` resource: a core `RequestEncoder`.
pub struct EncoderResource(RequestEncoder);

impl codec::GuestEncoder for EncoderResource {
    fn create(base_path: String, profile_json: String) -> Result<codec::Encoder, Error> {
        let profile: Profile = parse_arg("profile-json", &profile_json)?;
        let encoder =
            RequestEncoder::new(&base_path, profile).map_err(|e| mapping::encode_error(&e))?;
        Ok(codec::Encoder::new(EncoderResource(encoder)))
    }

    fn list(&self, kind: ResourceKind, query_json: String) -> Result<HttpRequest, Error> {
        let query: ListQuery = parse_arg("query-json", &query_json)?;
        encoded(self.0.list(core_kind(kind), &query))
    }

    fn get(&self, kind: ResourceKind, id: String) -> Result<HttpRequest, Error> {
        encoded(self.0.get(core_kind(kind), &id))
    }

    fn create_resource(
        &self,
        kind: ResourceKind,
        resource_json: String,
    ) -> Result<HttpRequest, Error> {
        match kind {
            ResourceKind::User => {
                let user: User = parse_arg("resource-json", &resource_json)?;
                encoded(self.0.create_user(&user))
            }
            ResourceKind::Group => {
                let group: Group = parse_arg("resource-json", &resource_json)?;
                encoded(self.0.create_group(&group))
            }
        }
    }

    fn replace(
        &self,
        kind: ResourceKind,
        id: String,
        resource_json: String,
    ) -> Result<HttpRequest, Error> {
        match kind {
            ResourceKind::User => {
                let user: User = parse_arg("resource-json", &resource_json)?;
                encoded(self.0.replace_user(&id, &user))
            }
            ResourceKind::Group => {
                let group: Group = parse_arg("resource-json", &resource_json)?;
                encoded(self.0.replace_group(&id, &group))
            }
        }
    }

    fn patch(
        &self,
        kind: ResourceKind,
        id: String,
        patch_json: String,
    ) -> Result<HttpRequest, Error> {
        let patch: PatchOp = parse_arg("patch-json", &patch_json)?;
        encoded(self.0.patch(core_kind(kind), &id, &patch))
    }

    fn delete(&self, kind: ResourceKind, id: String) -> Result<HttpRequest, Error> {
        encoded(self.0.delete(core_kind(kind), &id))
    }

    fn service_provider_config(&self) -> HttpRequest {
        wit_request(self.0.service_provider_config())
    }

    fn profile(&self) -> String {
        to_json(self.0.profile())
    }
}

impl codec::Guest for Component {
    type Encoder = EncoderResource;

    fn decode_response(
        target: ResourceType,
        expect: Expect,
        response: HttpResponse,
        options: WitDecodeOptions,
    ) -> Result<String, Error> {
        let expect = match expect {
            Expect::Get => CoreExpect::Get,
            Expect::List => CoreExpect::List,
            Expect::Create => CoreExpect::Create,
            Expect::Replace => CoreExpect::Replace,
            Expect::Patch => CoreExpect::Patch,
            Expect::Delete => CoreExpect::Delete,
        };
        let mut core_options = DecodeOptions::default();
        if let Some(max) = options.max_body_bytes {
            core_options.max_body_bytes = usize::try_from(max).unwrap_or(usize::MAX);
        }
        if let Some(statuses) = options.create_statuses {
            core_options.create_statuses = statuses;
        }
        if let Some(now_ms) = options.now_ms {
            core_options.now_ms = now_ms;
        }
        let response = core_response(response);
        let decoded = match target {
            ResourceType::User => mapping::decode_json::<User>(expect, &response, &core_options),
            ResourceType::Group => mapping::decode_json::<Group>(expect, &response, &core_options),
            ResourceType::ServiceProviderConfig => {
                mapping::decode_json::<ServiceProviderConfig>(expect, &response, &core_options)
            }
        };
        decoded.map_err(Error::from)
    }

    fn parse_filter(text: String) -> Result<String, Error> {
        filter::parse(&text)
            .map(|f| to_json(&f))
            .map_err(|e| mapping::filter_error(&e).into())
    }

    fn render_filter(filter_json: String) -> Result<String, Error> {
        let filter: Filter = parse_arg("filter-json", &filter_json)?;
        Ok(filter.to_string())
    }
}

impl planner::Guest for Component {
    fn parse_desired_json(input: String) -> Result<String, Error> {
        desired(&input).map(|d| to_json(&d))
    }

    fn parse_desired_csv(input: String) -> Result<String, Error> {
        DesiredState::from_csv(&input)
            .map(|d| to_json(&d))
            .map_err(|e| mapping::desired_state_error(&e).into())
    }

    fn plan(
        desired_json: String,
        actual_json: String,
        config_json: String,
    ) -> Result<String, Error> {
        mapping::plan_json(&desired_json, &actual_json, &config_json).map_err(Error::from)
    }

    fn profile(name: String) -> Option<String> {
        profile::builtin(&name).map(|p| to_json(&p))
    }

    fn profile_names() -> Vec<String> {
        profile::builtin_names().map(str::to_owned).collect()
    }
}

/// The `engine.engine` resource. The component imports nothing, so no call can re-enter
/// while another holds the engine borrowed: the `RefCell` borrows cannot conflict.
pub struct EngineResource(RefCell<core_engine::Engine>);

impl engine::GuestEngine for EngineResource {
    fn create(config_json: String, desired_json: String) -> Result<engine::Engine, Error> {
        let config: core_engine::EngineConfig = parse_arg("config-json", &config_json)?;
        let desired = desired(&desired_json)?;
        let engine =
            core_engine::Engine::new(config, desired).map_err(|e| mapping::engine_error(&e))?;
        Ok(engine::Engine::new(EngineResource(RefCell::new(engine))))
    }

    fn poll_output(&self, now_ms: u64) -> Output {
        match self.0.borrow_mut().poll_output(now_ms) {
            core_engine::Output::Send { id, request } => Output::Send(SendRequest {
                id: id.0,
                request: wit_request(request),
            }),
            core_engine::Output::Event { event } => Output::Event(to_json(&event)),
            core_engine::Output::Wait { until_ms } => Output::Wait(until_ms),
            core_engine::Output::Done { report } => Output::Done(to_json(&report)),
            // An output kind newer than this binding travels as an event in its serde form.
            other => Output::Event(to_json(&other)),
        }
    }

    fn handle_input(&self, input: Input, now_ms: u64) -> Result<(), Error> {
        let input = match input {
            Input::Response(r) => core_engine::Input::Response {
                id: RequestId(r.id),
                response: core_response(r.response),
            },
            Input::Failed(f) => core_engine::Input::Failed {
                id: RequestId(f.id),
                reason: f.reason,
            },
        };
        self.0
            .borrow_mut()
            .handle_input(input, now_ms)
            .map_err(|e| mapping::engine_error(&e).into())
    }

    fn abort(&self) {
        self.0.borrow_mut().abort();
    }

    fn listed_state(&self) -> String {
        to_json(self.0.borrow().listed_state())
    }

    fn profile(&self) -> String {
        to_json(self.0.borrow().profile())
    }
}

impl engine::Guest for Component {
    type Engine = EngineResource;
}
