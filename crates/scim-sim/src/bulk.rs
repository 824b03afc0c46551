//! `POST /Bulk` (RFC 7644 §3.7), where [`Faults::bulk`](crate::Faults::bulk) turns it on:
//! the operations applied in order, each as the single request it stands for, `bulkId:`
//! references resolved to what an earlier `POST` of the request created, `failOnErrors`
//! honoured (processing stops once that many operations failed), and one result per
//! processed operation carrying its own status.
//!
//! The whole request is one request to the fault injector: "commit, then lose the answer"
//! (`Faults::lose_after_commit` on [`Endpoint::Bulk`](crate::Endpoint::Bulk)) applies every
//! operation and loses every result.

use std::collections::BTreeMap;

use scim_provision::http::{HttpRequest, HttpResponse, Method};
use scim_provision::model::schemas;
use serde_json::{json, Value};

use crate::respond::{json_response, Failure};
use crate::routes::{self, Target};
use crate::Simulator;

const PREFIX: &str = "bulkId:";

impl Simulator {
    /// Answers a Bulk request.
    pub(crate) fn bulk(&mut self, body: Option<&str>, now_ms: u64) -> HttpResponse {
        let flavor = self.flavor;
        self.bulk_response(body, now_ms)
            .unwrap_or_else(|f| f.into_response(flavor))
    }

    fn bulk_response(&mut self, body: Option<&str>, now_ms: u64) -> Result<HttpResponse, Failure> {
        let (max_operations, max_payload_size) = self
            .faults
            .bulk
            .ok_or_else(|| Failure::new(501, "Bulk is not supported"))?;
        let body = body.unwrap_or("");
        if body.len() as u64 > max_payload_size {
            return Err(Failure::new(
                413,
                format!("the payload exceeds {max_payload_size} bytes"),
            ));
        }
        let request: Value = serde_json::from_str(body)
            .map_err(|e| Failure::typed(400, "invalidSyntax", e.to_string()))?;
        let operations = field(&request, "Operations")
            .and_then(Value::as_array)
            .ok_or_else(|| Failure::typed(400, "invalidSyntax", "Operations is required"))?;
        if operations.len() as u64 > max_operations {
            return Err(Failure::new(
                413,
                format!("more than {max_operations} operations"),
            ));
        }
        let fail_on_errors = field(&request, "failOnErrors").and_then(Value::as_u64);
        let mut created: BTreeMap<String, String> = BTreeMap::new();
        let mut errors = 0u64;
        let mut results = Vec::new();
        for op in operations {
            if fail_on_errors.is_some_and(|limit| errors >= limit) {
                break;
            }
            let result = self.operation(op, &mut created, now_ms);
            if result["status"]
                .as_str()
                .is_some_and(|s| !s.starts_with('2'))
            {
                errors += 1;
            }
            results.push(result);
        }
        Ok(json_response(
            200,
            &json!({"schemas": [schemas::BULK_RESPONSE], "Operations": results}),
        ))
    }

    /// One operation's result.
    fn operation(
        &mut self,
        op: &Value,
        created: &mut BTreeMap<String, String>,
        now_ms: u64,
    ) -> Value {
        let method_name = field(op, "method").and_then(Value::as_str).unwrap_or("");
        let bulk_id = field(op, "bulkId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut result = json!({"method": method_name});
        if let Some(b) = &bulk_id {
            result["bulkId"] = json!(b);
        }
        let response = self.apply_operation(op, method_name, created, now_ms);
        let base = self.store.base.clone();
        let (status, body) = match response {
            Ok((r, path)) => {
                let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                let location = match (body.get("id").and_then(Value::as_str), method_name) {
                    (Some(id), m) if m.eq_ignore_ascii_case("POST") => {
                        if let Some(b) = &bulk_id {
                            created.insert(b.clone(), id.to_owned());
                        }
                        format!("{base}{path}/{id}")
                    }
                    _ => format!("{base}{path}"),
                };
                if (200..300).contains(&r.status) {
                    result["location"] = json!(location);
                }
                (r.status, body)
            }
            Err(f) => {
                let r = f.into_response(self.flavor);
                (
                    r.status,
                    serde_json::from_str(&r.body).unwrap_or(Value::Null),
                )
            }
        };
        result["status"] = json!(status.to_string());
        if !(200..300).contains(&status) {
            result["response"] = body;
        }
        result
    }

    /// Applies one operation as its single request; the response and the resolved path.
    fn apply_operation(
        &mut self,
        op: &Value,
        method_name: &str,
        created: &BTreeMap<String, String>,
        now_ms: u64,
    ) -> Result<(HttpResponse, String), Failure> {
        let method = [Method::Post, Method::Put, Method::Patch, Method::Delete]
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(method_name))
            .ok_or_else(|| Failure::typed(400, "invalidSyntax", "unknown method"))?;
        let path = field(op, "path")
            .and_then(Value::as_str)
            .ok_or_else(|| Failure::typed(400, "invalidSyntax", "path is required"))?;
        let path = path
            .split('/')
            .map(|seg| resolve(seg, created))
            .collect::<Result<Vec<_>, _>>()?
            .join("/");
        let mut data = field(op, "data").cloned();
        if let Some(d) = &mut data {
            resolve_all(d, created)?;
        }
        let request = HttpRequest {
            method,
            path: format!("{}{path}", self.store.base),
            headers: Vec::new(),
            body: data.map(|d| d.to_string()),
        };
        let route = routes::parse(&self.store.base, &request.path);
        if matches!(route.target, Target::Bulk | Target::Unknown) {
            return Err(Failure::invalid_path(format!("no such endpoint: {path}")));
        }
        Ok((self.process(&request, &route, now_ms), path))
    }
}

/// An attribute of an object, its name in any case.
fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn resolve(s: &str, created: &BTreeMap<String, String>) -> Result<String, Failure> {
    match s.strip_prefix(PREFIX) {
        None => Ok(s.to_owned()),
        Some(b) => created
            .get(b)
            .cloned()
            .ok_or_else(|| Failure::typed(409, "invalidValue", format!("unresolved bulkId {b:?}"))),
    }
}

fn resolve_all(v: &mut Value, created: &BTreeMap<String, String>) -> Result<(), Failure> {
    match v {
        Value::String(s) if s.starts_with(PREFIX) => *s = resolve(s, created)?,
        Value::Array(a) => a.iter_mut().try_for_each(|x| resolve_all(x, created))?,
        Value::Object(o) => o.values_mut().try_for_each(|x| resolve_all(x, created))?,
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use scim_provision::http::{HttpRequest, Method};
    use serde_json::{json, Value};

    use crate::faults::{LostAnswer, Trigger};
    use crate::{Endpoint, Faults, Flavor, Reply, Simulator};

    fn post(sim: &mut Simulator, body: &Value) -> Reply {
        let request = HttpRequest {
            method: Method::Post,
            path: "/scim/v2/Bulk".into(),
            headers: Vec::new(),
            body: Some(body.to_string()),
        };
        sim.handle(&request, 0)
    }

    fn answer(reply: Reply) -> (u16, Value) {
        match reply {
            Reply::Respond { response, .. } => (
                response.status,
                serde_json::from_str(&response.body).unwrap(),
            ),
            Reply::Drop => panic!("dropped"),
        }
    }

    fn batch(fail_on_errors: Option<u64>) -> Value {
        let mut b = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {"method": "POST", "bulkId": "a0", "path": "/Users", "data": {"userName": "ana"}},
            {"method": "POST", "bulkId": "a1", "path": "/Users", "data": {"userName": "ana"}},
            {"method": "POST", "bulkId": "a2", "path": "/Users", "data": {"userName": "bo"}},
            {"method": "POST", "bulkId": "a3", "path": "/Groups",
             "data": {"displayName": "Eng", "members": [{"value": "bulkId:a0"}, {"value": "bulkId:a2"}]}},
            {"method": "PATCH", "bulkId": "a4", "path": "/Groups/bulkId:a3",
             "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                      "Operations": [{"op": "replace", "path": "displayName", "value": "Eng2"}]}},
            {"method": "DELETE", "bulkId": "a5", "path": "/Users/bulkId:nope"}
        ]});
        if let Some(n) = fail_on_errors {
            b["failOnErrors"] = json!(n);
        }
        b
    }

    #[test]
    fn operations_apply_in_order_with_references_and_their_own_statuses() {
        let mut sim = Simulator::new(
            Flavor::Generic,
            "/scim/v2",
            Faults::none().bulk(10, 100_000),
            1,
        );
        let (status, body) = answer(post(&mut sim, &batch(None)));
        assert_eq!(status, 200);
        let ops = body["Operations"].as_array().unwrap();
        let statuses: Vec<&str> = ops.iter().map(|o| o["status"].as_str().unwrap()).collect();
        // The duplicate userName fails alone; the unresolved reference fails alone.
        assert_eq!(statuses, ["201", "409", "201", "201", "200", "409"]);
        assert_eq!(ops[1]["response"]["scimType"], json!("uniqueness"));
        assert_eq!(ops[1]["bulkId"], json!("a1"));
        let groups = sim.groups();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].display_name, "Eng2");
        let members: Vec<String> = groups[0]
            .members
            .iter()
            .flatten()
            .map(|m| m.value.clone())
            .collect();
        let ids: Vec<String> = sim.users().iter().filter_map(|u| u.id.clone()).collect();
        assert_eq!(members.len(), 2);
        assert!(members.iter().all(|m| ids.contains(m)));
        let location = ops[3]["location"].as_str().unwrap();
        assert!(location.ends_with(&format!("/Groups/{}", groups[0].id.clone().unwrap())));
    }

    #[test]
    fn fail_on_errors_stops_the_rest_and_limits_are_enforced() {
        let mut sim = Simulator::new(
            Flavor::Generic,
            "/scim/v2",
            Faults::none().bulk(10, 100_000),
            1,
        );
        let (_, body) = answer(post(&mut sim, &batch(Some(1))));
        assert_eq!(body["Operations"].as_array().unwrap().len(), 2);
        assert_eq!(sim.users().len(), 1);

        let mut few = Simulator::new(
            Flavor::Generic,
            "/scim/v2",
            Faults::none().bulk(3, 100_000),
            1,
        );
        assert_eq!(answer(post(&mut few, &batch(None))).0, 413);
        let mut small =
            Simulator::new(Flavor::Generic, "/scim/v2", Faults::none().bulk(10, 200), 1);
        assert_eq!(answer(post(&mut small, &batch(None))).0, 413);
        let mut none = Simulator::new(Flavor::Generic, "/scim/v2", Faults::none(), 1);
        assert_eq!(answer(post(&mut none, &batch(None))).0, 404);
        assert!(none.users().is_empty());
    }

    #[test]
    fn a_lost_answer_commits_the_whole_batch() {
        let faults = Faults::none().bulk(10, 100_000).lose_after_commit(
            Trigger::nth(1).on_endpoint(Endpoint::Bulk),
            LostAnswer::Dropped,
        );
        let mut sim = Simulator::new(Flavor::Generic, "/scim/v2", faults, 1);
        assert!(matches!(post(&mut sim, &batch(None)), Reply::Drop));
        assert_eq!(sim.users().len(), 2);
        assert_eq!(sim.groups().len(), 1);
    }

    #[test]
    fn discovery_advertises_bulk_only_when_served() {
        for (faults, supported) in [
            (Faults::none().bulk(1000, 1_048_576), true),
            (Faults::none(), false),
        ] {
            let mut sim = Simulator::new(Flavor::Generic, "/scim/v2", faults, 1);
            let request = HttpRequest {
                method: Method::Get,
                path: "/scim/v2/ServiceProviderConfig".into(),
                headers: Vec::new(),
                body: None,
            };
            let (_, body) = answer(sim.handle(&request, 0));
            assert_eq!(body["bulk"]["supported"], json!(supported));
        }
    }

    #[test]
    fn any_bulk_body_is_answered_without_panicking() {
        let mut sim = Simulator::new(
            Flavor::Generic,
            "/scim/v2",
            Faults::none().bulk(10, 100_000),
            1,
        );
        for body in [
            json!(null),
            json!({"Operations": 3}),
            json!({"Operations": [1, {"method": "GET", "path": "/Users"}, {"method": "POST", "path": "/Bulk", "data": {}}, {"method": "PUT", "path": "/Users/bulkId:"}]}),
        ] {
            let (status, _) = answer(post(&mut sim, &body));
            assert!(status == 200 || status == 400, "{status}");
        }
    }
}
