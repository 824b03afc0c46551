//! Test support: a client that builds requests with the core's real `RequestEncoder` and
//! sends them to a simulator, advancing a clock.

#![allow(dead_code)]

use scim_provision::http::{HttpRequest, HttpResponse, Method};
use scim_provision::profile::Profile;
use scim_provision::request::RequestEncoder;
use scim_sim::{Faults, Flavor, Reply, Simulator};
use serde_json::Value;

pub const BASE: &str = "/scim/v2";

pub struct Client {
    pub sim: Simulator,
    pub enc: RequestEncoder,
    pub now: u64,
}

impl Client {
    pub fn new(flavor: Flavor, faults: Faults, seed: u64) -> Client {
        let profile = match flavor {
            Flavor::Airtable => Profile::airtable(),
            _ => Profile::generic(),
        };
        Client {
            sim: Simulator::new(flavor, BASE, faults, seed),
            enc: RequestEncoder::new(BASE, profile).unwrap(),
            now: 0,
        }
    }

    pub fn airtable() -> Client {
        Client::new(Flavor::Airtable, Faults::none(), 1)
    }

    pub fn generic() -> Client {
        Client::new(Flavor::Generic, Faults::none(), 1)
    }

    /// Sends at the current time (then advances it by 1 ms); panics on a drop.
    pub fn send(&mut self, request: &HttpRequest) -> HttpResponse {
        match self.try_send(request) {
            Some(r) => r,
            None => panic!("dropped: {request:?}"),
        }
    }

    /// Sends at the current time (then advances it by 1 ms).
    pub fn try_send(&mut self, request: &HttpRequest) -> Option<HttpResponse> {
        let reply = self.sim.handle(request, self.now);
        self.now += 1;
        match reply {
            Reply::Respond { response, .. } => Some(response),
            Reply::Drop => None,
        }
    }

    pub fn raw(&mut self, method: Method, path: &str, body: Option<&str>) -> HttpResponse {
        self.send(&raw(method, path, body))
    }
}

pub fn raw(method: Method, path: &str, body: Option<&str>) -> HttpRequest {
    HttpRequest {
        method,
        path: path.to_owned(),
        headers: Vec::new(),
        body: body.map(str::to_owned),
    }
}

pub fn json(response: &HttpResponse) -> Value {
    serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", response.body))
}

/// The SCIM error of a response: (status field as JSON, scimType, detail).
pub fn error_of(response: &HttpResponse) -> (Value, Option<String>, String) {
    let v = json(response);
    (
        v["status"].clone(),
        v["scimType"].as_str().map(str::to_owned),
        v["detail"].as_str().unwrap_or_default().to_owned(),
    )
}

pub fn ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
