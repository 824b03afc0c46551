//! The WIT glue: generated bindings and one thin `Guest` implementation per interface, each
//! a conversion around a function of `scim_provision_host::boundary`.

use std::cell::RefCell;
use std::collections::BTreeMap;

use scim_provision::doctor as core_doctor;
use scim_provision::engine::{self as core_engine, RequestId};
use scim_provision::http::{HttpRequest as CoreRequest, HttpResponse as CoreResponse};
use scim_provision::profile;
use scim_provision::request::{RequestEncoder, ResourceKind as CoreKind};
use scim_provision::response::Expect as CoreExpect;
use scim_provision_host::boundary::{self, DecodeTarget, PartialDecodeOptions};
use scim_provision_host::fault::{to_json, Fault, FaultKind};
use scim_provision_host::mapping as host_mapping;
use scim_provision_host::report::{self as host_report, ReportOptions};

wit_bindgen::generate!({
    path: "../../wit",
    world: "provisioner",
});

use exports::scim::provision::codec::{
    self, DecodeOptions as WitDecodeOptions, Expect, ResourceKind, ResourceType,
};
use exports::scim::provision::engine;
use exports::scim::provision::planner;
use exports::scim::provision::reports::{self, ReportOptions as WitReportOptions};
use exports::scim::provision::types::{
    Error, ErrorKind, HttpRequest, HttpResponse, Input, Output, SendRequest,
};

/// The component's export implementor.
struct Component;

// The exported symbols (`scim:provision/engine@0.1.0#...`) only link in a wasm module; native
// builds still compile and lint every implementation.
#[cfg(target_arch = "wasm32")]
export!(Component);

/// A kind this binding does not know yet (the core's `FaultKind` is non-exhaustive) travels
/// as `invalid-argument`, with the real kind in `data.faultKind`.
fn wit_kind(kind: FaultKind) -> Option<ErrorKind> {
    Some(match kind {
        FaultKind::Encode => ErrorKind::Encode,
        FaultKind::Decode => ErrorKind::Decode,
        FaultKind::Server => ErrorKind::Server,
        FaultKind::DesiredState => ErrorKind::DesiredState,
        FaultKind::Plan => ErrorKind::Plan,
        FaultKind::Engine => ErrorKind::Engine,
        FaultKind::Filter => ErrorKind::Filter,
        FaultKind::InvalidArgument => ErrorKind::InvalidArgument,
        FaultKind::RunFailed => ErrorKind::RunFailed,
        _ => return None,
    })
}

impl From<Fault> for Error {
    fn from(f: Fault) -> Error {
        let mut data = f.data;
        let kind = wit_kind(f.kind).unwrap_or_else(|| {
            if let Some(map) = data.as_object_mut() {
                map.insert("faultKind".into(), f.kind.as_str().into());
            }
            ErrorKind::InvalidArgument
        });
        Error {
            kind,
            code: f.code,
            message: f.message,
            http_status: f.http_status,
            scim_type: f.scim_type,
            detail: f.detail,
            location: f.location,
            data: to_json(&data),
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

fn request(r: Result<CoreRequest, Fault>) -> Result<HttpRequest, Error> {
    r.map(wit_request).map_err(Error::from)
}

/// The `codec.encoder` resource: a core `RequestEncoder`.
pub struct EncoderResource(RequestEncoder);

impl codec::GuestEncoder for EncoderResource {
    fn create(base_path: String, profile_json: String) -> Result<codec::Encoder, Error> {
        let encoder = boundary::encoder(&base_path, &profile_json)?;
        Ok(codec::Encoder::new(EncoderResource(encoder)))
    }

    fn list(&self, kind: ResourceKind, query_json: String) -> Result<HttpRequest, Error> {
        request(boundary::encode_list(&self.0, core_kind(kind), &query_json))
    }

    fn get(&self, kind: ResourceKind, id: String) -> Result<HttpRequest, Error> {
        request(boundary::encode_get(&self.0, core_kind(kind), &id))
    }

    fn create_resource(
        &self,
        kind: ResourceKind,
        resource_json: String,
    ) -> Result<HttpRequest, Error> {
        request(boundary::encode_create(
            &self.0,
            core_kind(kind),
            &resource_json,
        ))
    }

    fn replace(
        &self,
        kind: ResourceKind,
        id: String,
        resource_json: String,
    ) -> Result<HttpRequest, Error> {
        request(boundary::encode_replace(
            &self.0,
            core_kind(kind),
            &id,
            &resource_json,
        ))
    }

    fn patch(
        &self,
        kind: ResourceKind,
        id: String,
        patch_json: String,
    ) -> Result<HttpRequest, Error> {
        request(boundary::encode_patch(
            &self.0,
            core_kind(kind),
            &id,
            &patch_json,
        ))
    }

    fn delete(&self, kind: ResourceKind, id: String) -> Result<HttpRequest, Error> {
        request(boundary::encode_delete(&self.0, core_kind(kind), &id))
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
        let target = match target {
            ResourceType::User => DecodeTarget::User,
            ResourceType::Group => DecodeTarget::Group,
            ResourceType::ServiceProviderConfig => DecodeTarget::ServiceProviderConfig,
        };
        let expect = match expect {
            Expect::Get => CoreExpect::Get,
            Expect::List => CoreExpect::List,
            Expect::Create => CoreExpect::Create,
            Expect::Replace => CoreExpect::Replace,
            Expect::Patch => CoreExpect::Patch,
            Expect::Delete => CoreExpect::Delete,
        };
        let options = PartialDecodeOptions {
            max_body_bytes: options.max_body_bytes,
            create_statuses: options.create_statuses,
            now_ms: options.now_ms,
        }
        .resolve();
        Ok(boundary::decode_json(
            target,
            expect,
            &core_response(response),
            &options,
        )?)
    }

    fn parse_filter(text: String) -> Result<String, Error> {
        Ok(boundary::parse_filter_json(&text)?)
    }

    fn render_filter(filter_json: String) -> Result<String, Error> {
        Ok(boundary::render_filter_json(&filter_json)?)
    }
}

impl planner::Guest for Component {
    fn parse_desired_json(input: String) -> Result<String, Error> {
        Ok(to_json(&boundary::desired_from_json(&input)?))
    }

    fn parse_desired_csv(input: String) -> Result<String, Error> {
        Ok(to_json(&boundary::desired_from_csv(&input)?))
    }

    fn parse_desired_mapped(
        file_name: String,
        input: Vec<u8>,
        mapping: String,
    ) -> Result<String, Error> {
        let desired = host_mapping::desired_from_mapped_bytes(&file_name, input, &mapping)?;
        Ok(to_json(&desired))
    }

    fn map_preview(
        file_name: String,
        input: Vec<u8>,
        mapping: String,
        policy_json: Option<String>,
        limit: u32,
    ) -> Result<String, Error> {
        Ok(host_mapping::map_preview(
            &file_name,
            input,
            &mapping,
            policy_json.as_deref(),
            limit,
        )?)
    }

    fn check_plan(plan_json: String) -> Result<String, Error> {
        Ok(boundary::check_plan_json(&plan_json)?)
    }

    fn read_events(text: String, skip_malformed: bool) -> Result<String, Error> {
        Ok(boundary::events_json(&text, skip_malformed, None)?)
    }

    fn read_events_mapped(
        text: String,
        skip_malformed: bool,
        mapping: String,
    ) -> Result<String, Error> {
        Ok(boundary::events_json(
            &text,
            skip_malformed,
            Some(&mapping),
        )?)
    }

    fn plan(
        desired_json: String,
        actual_json: String,
        config_json: String,
    ) -> Result<String, Error> {
        Ok(boundary::plan_json(
            &desired_json,
            &actual_json,
            &config_json,
        )?)
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
        let engine = boundary::engine_from_json(&config_json, &desired_json)?;
        Ok(engine::Engine::new(EngineResource(RefCell::new(engine))))
    }

    fn create_targeted(config_json: String, targets_json: String) -> Result<engine::Engine, Error> {
        let engine = boundary::targeted_engine_from_json(&config_json, &targets_json)?;
        Ok(engine::Engine::new(EngineResource(RefCell::new(engine))))
    }

    fn create_undo(config_json: String, log: String, force: bool) -> Result<engine::Engine, Error> {
        let engine = boundary::undo_engine_from_json(&config_json, &log, force)?;
        Ok(engine::Engine::new(EngineResource(RefCell::new(engine))))
    }

    fn poll_output(&self, now_ms: u64) -> Output {
        match self.0.borrow_mut().poll_output(now_ms) {
            core_engine::Output::Send { id, request } => send(id, request),
            core_engine::Output::Event { event } => Output::Event(to_json(&event)),
            core_engine::Output::Wait { until_ms } => Output::Wait(until_ms),
            core_engine::Output::Done { report } => Output::Done(to_json(&report)),
            core_engine::Output::Review { plan } => Output::Review(to_json(&plan)),
            // An output kind newer than this binding travels as an event in its serde form.
            other => Output::Event(to_json(&other)),
        }
    }

    fn handle_response(
        &self,
        id: u64,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        now_ms: u64,
    ) -> Result<(), Error> {
        let input = response_input(id, status, headers, body);
        self.0
            .borrow_mut()
            .handle_input(input, now_ms)
            .map_err(|e| Fault::from(&e).into())
    }

    fn handle_input(&self, input: Input, now_ms: u64) -> Result<(), Error> {
        self.0
            .borrow_mut()
            .handle_input(core_input(input), now_ms)
            .map_err(|e| Fault::from(&e).into())
    }

    fn abort(&self) {
        self.0.borrow_mut().abort();
    }

    fn log_to(&self, run_id: String, time_ms: u64, server: String) {
        let start = scim_provision::audit::LogStart::new(run_id, time_ms, server);
        self.0.borrow_mut().log_to(start);
    }

    fn listed_state(&self) -> String {
        to_json(self.0.borrow().listed_state())
    }

    fn state_after(&self) -> String {
        to_json(&self.0.borrow().state_after())
    }

    fn profile(&self) -> String {
        to_json(self.0.borrow().profile())
    }
}

/// A request to send, as WIT's output.
fn send(id: RequestId, request: CoreRequest) -> Output {
    Output::Send(SendRequest {
        id: id.0,
        request: wit_request(request),
    })
}

/// An answer given as its bytes, as the core's input.
fn response_input(
    id: u64,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> core_engine::Input {
    core_engine::Input::Response {
        id: RequestId(id),
        response: CoreResponse::from_bytes(status, headers, body),
    }
}

/// A WIT input as the core's.
fn core_input(input: Input) -> core_engine::Input {
    match input {
        Input::Response(r) => core_engine::Input::Response {
            id: RequestId(r.id),
            response: core_response(r.response),
        },
        Input::Failed(f) => core_engine::Input::Failed {
            id: RequestId(f.id),
            reason: f.reason,
        },
        Input::Approve(digest) => core_engine::Input::Approve { digest },
        Input::Decline => core_engine::Input::Decline,
    }
}

/// The `engine.doctor` resource: the server doctor, driven as the engine is.
pub struct DoctorResource(RefCell<core_doctor::Doctor>);

impl engine::GuestDoctor for DoctorResource {
    fn create(config_json: String) -> Result<engine::Doctor, Error> {
        let doctor = scim_provision_host::doctor::doctor_from_json(&config_json)?;
        Ok(engine::Doctor::new(DoctorResource(RefCell::new(doctor))))
    }

    fn poll_output(&self, now_ms: u64) -> Output {
        match self.0.borrow_mut().poll_output(now_ms) {
            core_doctor::DoctorOutput::Send { id, request } => send(id, request),
            core_doctor::DoctorOutput::Wait { until_ms } => Output::Wait(until_ms),
            core_doctor::DoctorOutput::Done { report } => Output::Done(to_json(&report)),
            other => Output::Event(to_json(&other)),
        }
    }

    fn handle_response(
        &self,
        id: u64,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        now_ms: u64,
    ) -> Result<(), Error> {
        let input = response_input(id, status, headers, body);
        self.0
            .borrow_mut()
            .handle_input(input, now_ms)
            .map_err(|e| Fault::from(&e).into())
    }

    fn handle_input(&self, input: Input, now_ms: u64) -> Result<(), Error> {
        self.0
            .borrow_mut()
            .handle_input(core_input(input), now_ms)
            .map_err(|e| Fault::from(&e).into())
    }

    fn abort(&self) {
        self.0.borrow_mut().abort();
    }
}

impl engine::Guest for Component {
    type Engine = EngineResource;
    type Doctor = DoctorResource;

    fn run_failure(report_json: String, planned: bool) -> Result<Option<Error>, Error> {
        Ok(scim_provision_host::entry::run_failure(&report_json, planned)?.map(Error::from))
    }
}

fn report_options<'a>(
    options: &'a WitReportOptions,
    prices: Option<&'a BTreeMap<String, u64>>,
) -> ReportOptions<'a> {
    ReportOptions::new(options.taken_at_ms)
        .with_purchased_seats(options.purchased_seats)
        .with_desired_json(options.desired_json.as_deref())
        .with_policy_json(options.policy_json.as_deref())
        .with_incomplete(options.incomplete.as_deref())
        .with_licenses_json(options.licenses_json.as_deref())
        .with_pricing(options.currency.as_deref(), options.price_per_seat, prices)
        .with_server(options.server.as_deref())
        .with_previous_json(options.previous_json.as_deref())
}

/// The WIT list of prices per license type as the map the host layer takes.
fn prices(options: &WitReportOptions) -> Option<BTreeMap<String, u64>> {
    options.prices.as_ref().map(|p| p.iter().cloned().collect())
}

impl reports::Guest for Component {
    fn build_report(
        users_json: String,
        groups_json: String,
        plan_json: Option<String>,
        options: WitReportOptions,
    ) -> Result<String, Error> {
        Ok(host_report::report_json(
            &users_json,
            &groups_json,
            plan_json.as_deref(),
            &report_options(&options, prices(&options).as_ref()),
        )?)
    }

    fn report_html(
        users_json: String,
        groups_json: String,
        plan_json: Option<String>,
        options: WitReportOptions,
    ) -> Result<String, Error> {
        Ok(host_report::report_html(
            &users_json,
            &groups_json,
            plan_json.as_deref(),
            &report_options(&options, prices(&options).as_ref()),
        )?)
    }

    fn review_csv(
        users_json: String,
        groups_json: String,
        plan_json: Option<String>,
        options: WitReportOptions,
        byte_order_mark: bool,
    ) -> Result<String, Error> {
        Ok(host_report::review_csv(
            &users_json,
            &groups_json,
            plan_json.as_deref(),
            &report_options(&options, prices(&options).as_ref()),
            byte_order_mark,
        )?)
    }

    fn report_csv(users_json: String, groups_json: String) -> Result<String, Error> {
        Ok(host_report::report_csv(&users_json, &groups_json)?)
    }

    fn report_csv_with(
        users_json: String,
        groups_json: String,
        byte_order_mark: bool,
        licenses_json: Option<String>,
    ) -> Result<String, Error> {
        Ok(host_report::report_csv_with(
            &users_json,
            &groups_json,
            byte_order_mark,
            licenses_json.as_deref(),
        )?)
    }
}
