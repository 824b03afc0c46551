//! The server doctor (`scim_provision::doctor`) for JavaScript, as a WebAssembly module of
//! its own: the npm package loads it only when a doctor runs, so the main module
//! (`bindings/js`) does not carry the doctor's probes, and each stays within its size budget.
//! The same loop as the main module's `Engine` (`pollOutput` until `wait` or `done`,
//! `handleResponse` / `handleInput` for each answer), its outputs `send`, `wait` and `done`
//! (a `DoctorReport`); errors thrown as the main module throws them (`scim-provision-js-glue`).
//! Decides nothing.

use scim_provision::doctor;
use scim_provision::engine::Input;
use scim_provision_host::doctor::doctor_from_json;
use scim_provision_host::fault::Fault;
use wasm_bindgen::prelude::*;

use scim_provision_js_glue::{from_js, json_text, response_input, throw, to_js};

/// The server doctor: probes a server's quirks and writes its profile.
#[wasm_bindgen]
pub struct Doctor {
    inner: doctor::Doctor,
}

#[wasm_bindgen]
impl Doctor {
    /// A probe of `config` (DoctorConfig: object or JSON string).
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue) -> Result<Doctor, JsValue> {
        let inner = doctor_from_json(&json_text(&config, "config-json")?).map_err(throw)?;
        Ok(Doctor { inner })
    }

    /// The next output: `{type: "send" | "wait" | "done", ...}`.
    #[wasm_bindgen(js_name = pollOutput)]
    pub fn poll_output(&mut self, now_ms: f64) -> Result<JsValue, JsValue> {
        to_js(&self.inner.poll_output(now_ms.max(0.0) as u64))
    }

    /// The answer to request `id`, its body as the bytes received.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(
        &mut self,
        id: f64,
        status: u16,
        headers: JsValue,
        body: Vec<u8>,
        now_ms: f64,
    ) -> Result<(), JsValue> {
        self.handle(response_input(id, status, &headers, body)?, now_ms)
    }

    /// A transport failure: `{type: "failed", id, reason}`.
    #[wasm_bindgen(js_name = handleInput)]
    pub fn handle_input(&mut self, input: JsValue, now_ms: f64) -> Result<(), JsValue> {
        let input: Input = from_js(&input, "input")?;
        self.handle(input, now_ms)
    }

    /// Stops probing; the throwaway resources are still removed (a second call skips that).
    pub fn abort(&mut self) {
        self.inner.abort();
    }
}

impl Doctor {
    fn handle(&mut self, input: Input, now_ms: f64) -> Result<(), JsValue> {
        self.inner
            .handle_input(input, now_ms.max(0.0) as u64)
            .map_err(|e| throw(Fault::from(&e)))
    }
}
