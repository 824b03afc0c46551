#!/usr/bin/env python3
"""Drives the scim-provision WebAssembly component from Python with wasmtime.

Two parts:

1. The conformance corpus (tests/conformance/cases): every case is run through the
   component and its canonical JSON result compared byte for byte with the golden file.
2. Hostile arguments to every export (malformed and deeply nested JSON, extreme numbers and
   times, unknown request ids): every call returns a value or an `error`, none traps.
3. A live run against scim2-server (an in-memory SCIM 2.0 server from PyPI) on a free local
   port: the component's engine plans, applies, re-plans (nothing left to do) and offboards a
   handful of users over real HTTP sent with urllib; the server's state is checked after each
   step.

    target/py/bin/python scripts/conformance/run_wasmtime.py \
        [--component target/component/scim_provision.wasm] [--cases tests/conformance/cases] \
        [--scim2-server target/py/bin/scim2-server] [--no-live]

The case format and the host loop are specified in tests/conformance/README.md. Prints one
line per failure and ends with `N passed, N failed`; exits 1 when anything failed. Every
server, request and loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable

import wasmtime
from wasmtime.component import Component, Linker, Record, ResourceAny, Variant

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "scim:provision"
VERSION = "0.1.0"
MAX_STEPS = 100_000


class CaseError(Exception):
    """A runner-side failure (bad case, unexpected host behaviour), not a corpus result."""


class WitError(Exception):
    """A WIT `error` returned by the component."""

    def __init__(self, record: Record):
        super().__init__(getattr(record, "message", "error"))
        self.record = record

    def json(self) -> dict:
        r = self.record
        return {
            "kind": r.kind,
            "code": r.code,
            "message": r.message,
            "httpStatus": getattr(r, "http-status"),
            "scimType": getattr(r, "scim-type"),
            "detail": r.detail,
            "location": r.location,
            "data": json.loads(r.data),
        }


def canonical(value: Any) -> str:
    """Keys sorted by code point, no whitespace, non-ASCII kept: serde_json's rendering."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record(**fields: Any) -> Record:
    """A WIT record; Python names use `_` where WIT uses `-`."""
    r = Record()
    for name, value in fields.items():
        setattr(r, name.replace("_", "-"), value)
    return r


def is_wit_error(value: Any) -> bool:
    return isinstance(value, Record) and hasattr(value, "kind") and hasattr(value, "data")


class Provisioner:
    """One instance of the component, with typed helpers over its exports."""

    def __init__(self, engine: wasmtime.Engine, component: Component):
        self.store = wasmtime.Store(engine)
        # The world imports nothing: an empty linker instantiates it.
        self.instance = Linker(engine).instantiate(self.store, component)
        self._funcs: dict[tuple[str, str], Any] = {}

    def call(self, interface: str, name: str, *args: Any) -> Any:
        key = (interface, name)
        func = self._funcs.get(key)
        if func is None:
            iface = self.instance.get_export_index(
                self.store, f"{PACKAGE}/{interface}@{VERSION}"
            )
            index = self.instance.get_export_index(self.store, name, iface)
            if iface is None or index is None:
                raise CaseError(f"the component exports no {interface}#{name}")
            func = self.instance.get_func(self.store, index)
            self._funcs[key] = func
        result = func(self.store, *args)
        func.post_return(self.store)
        return result

    def call_result(self, interface: str, name: str, *args: Any) -> Any:
        """Calls a function returning `result<T, error>`: T, or raises WitError."""
        result = self.call(interface, name, *args)
        if isinstance(result, Variant) and result.tag in ("ok", "err"):
            if result.tag == "err":
                raise WitError(result.payload)
            return result.payload
        if is_wit_error(result):
            raise WitError(result)
        return result

    def drop(self, resource: ResourceAny) -> None:
        resource.drop(self.store)

    # ---- planner ----
    def profile(self, name: str) -> str | None:
        return self.call("planner", "profile", name)

    def parse_desired_json(self, text: str) -> str:
        return self.call_result("planner", "parse-desired-json", text)

    def parse_desired_csv(self, text: str) -> str:
        return self.call_result("planner", "parse-desired-csv", text)

    def plan(self, desired: str, actual: str, config: str) -> str:
        return self.call_result("planner", "plan", desired, actual, config)

    # ---- engine ----
    def engine_create(self, config: str, desired: str) -> ResourceAny:
        return self.call_result("engine", "[static]engine.create", config, desired)

    def engine_create_targeted(self, config: str, targets: str) -> ResourceAny:
        return self.call_result("engine", "[static]engine.create-targeted", config, targets)

    def read_events(self, text: str, skip_malformed: bool) -> str:
        return self.call_result("planner", "read-events", text, skip_malformed)

    def read_events_mapped(self, text: str, skip_malformed: bool, mapping: str) -> str:
        return self.call_result("planner", "read-events-mapped", text, skip_malformed, mapping)

    def poll_output(self, run: ResourceAny, now_ms: int) -> Variant:
        return self.call("engine", "[method]engine.poll-output", run, now_ms)

    def handle_input(self, run: ResourceAny, input_: Variant, now_ms: int) -> None:
        self.call_result("engine", "[method]engine.handle-input", run, input_, now_ms)

    def handle_response(self, run: ResourceAny, request_id: int, status: int, headers: list,
                        body: bytes, now_ms: int) -> None:
        """An answer with its body as the bytes received."""
        self.call_result("engine", "[method]engine.handle-response", run, request_id, status,
                         [tuple(h) for h in headers], body, now_ms)

    def abort(self, run: ResourceAny) -> None:
        self.call("engine", "[method]engine.abort", run)

    # ---- reports ----
    def report(self, name: str, users: str, groups: str, plan: str | None, options: Record) -> str:
        """`build-report` or `report-html`."""
        return self.call_result("reports", name, users, groups, plan, options)

    def report_csv(self, users: str, groups: str) -> str:
        return self.call_result("reports", "report-csv", users, groups)

    def report_csv_with(self, users: str, groups: str, bom: bool, licenses: str | None) -> str:
        return self.call_result("reports", "report-csv-with", users, groups, bom, licenses)

    def review_csv(self, users: str, groups: str, plan: str | None, options: Record, bom: bool) -> str:
        return self.call_result("reports", "review-csv", users, groups, plan, options, bom)


def report_options(
    taken_at_ms: int = 0,
    purchased_seats: int | None = None,
    desired_json: str | None = None,
    policy_json: str | None = None,
    incomplete: list[str] | None = None,
    licenses_json: str | None = None,
    currency: str | None = None,
    price_per_seat: int | None = None,
    prices: list[tuple[str, int]] | None = None,
    server: str | None = None,
    previous_json: str | None = None,
) -> Record:
    return record(
        taken_at_ms=taken_at_ms,
        purchased_seats=purchased_seats,
        desired_json=desired_json,
        policy_json=policy_json,
        incomplete=incomplete,
        licenses_json=licenses_json,
        currency=currency,
        price_per_seat=price_per_seat,
        prices=prices,
        server=server,
        previous_json=previous_json,
    )


def incomplete_reasons(listing: dict | None) -> list[str] | None:
    """A case's `listing` (a run report's) as the WIT `incomplete` option."""
    if listing is None or listing.get("complete", True):
        return None
    return list(listing.get("problems", []))


def request_json(r: Record) -> dict:
    return {
        "method": r.method,
        "path": r.path,
        "headers": [list(h) for h in r.headers],
        "body": r.body,
    }


def output_json(out: Variant) -> dict:
    if out.tag == "send":
        return {"type": "send", "id": out.payload.id, "request": request_json(out.payload.request)}
    if out.tag == "event":
        return {"type": "event", "event": json.loads(out.payload)}
    if out.tag == "wait":
        return {"type": "wait", "untilMs": out.payload}
    if out.tag == "done":
        return {"type": "done", "report": json.loads(out.payload)}
    if out.tag == "review":
        return {"type": "review", "plan": json.loads(out.payload)}
    raise CaseError(f"unknown output {out.tag}")


def response_input(request_id: int, status: int, headers: list, body: str) -> Variant:
    response = record(status=status, headers=[tuple(h) for h in headers], body=body)
    return Variant("response", record(id=request_id, response=response))


def failed_input(request_id: int, reason: str) -> Variant:
    return Variant("failed", record(id=request_id, reason=reason))


# ---------------------------------------------------------------- the corpus


def field(case: dict, name: str) -> Any:
    if name not in case:
        raise CaseError(f"the case has no `{name}`")
    return case[name]


def resolve_profile(p: Provisioner, config: dict) -> dict:
    if not isinstance(config.get("profile"), str):
        return config
    profile = p.profile(config["profile"])
    if profile is None:
        raise CaseError(f"no built-in profile {config['profile']!r}")
    return {**config, "profile": json.loads(profile)}


def desired_text(p: Provisioner, case: dict) -> str:
    if "desiredCsv" in case:
        return p.parse_desired_csv(case["desiredCsv"])
    return canonical(field(case, "desired"))


def scripted(entry: dict) -> tuple[str, Any]:
    if "fail" in entry:
        return ("fail", entry["fail"])
    body = entry.get("body")
    if body is None:
        body = ""
    elif not isinstance(body, str):
        body = canonical(body)
    return ("response", (entry["status"], entry.get("headers", []), body))


def run_engine(p: Provisioner, case: dict) -> Any:
    config = canonical(resolve_profile(p, field(case, "config")))
    # A targeted run (`targets`: hire, terminate, grant...) or a run towards a directory.
    if "targets" in case:
        run = p.engine_create_targeted(config, canonical(case["targets"]))
    else:
        run = p.engine_create(config, desired_text(p, case))
    try:
        responses = case.get("responses", [])
        abort_after = case.get("abortAfterSends")
        now = case.get("startMs", 0)
        next_response = 0
        sends = 0
        transcript = []
        for _ in range(MAX_STEPS):
            out = p.poll_output(run, now)
            transcript.append(output_json(out))
            if out.tag == "send":
                request_id = out.payload.id
                if next_response < len(responses):
                    kind, value = scripted(responses[next_response])
                else:
                    kind, value = ("fail", "no scripted response")
                next_response += 1
                try:
                    if kind == "fail":
                        p.handle_input(run, failed_input(request_id, value), now)
                    else:
                        # As a host does: the body's bytes, as received.
                        status, headers, body = value
                        p.handle_response(run, request_id, status, headers, body.encode("utf-8"), now)
                except WitError as e:
                    raise CaseError(f"handle-input failed: {e}") from e
                sends += 1
                if abort_after == sends:
                    p.abort(run)
            elif out.tag == "wait":
                now = out.payload if out.payload is not None else now + 1
            elif out.tag == "done":
                return transcript
        raise CaseError(f"the run did not finish within {MAX_STEPS} polls")
    finally:
        p.drop(run)


def run_plan(p: Provisioner, case: dict) -> Any:
    config = canonical(resolve_profile(p, field(case, "config")))
    desired = desired_text(p, case)
    return {"ok": json.loads(p.plan(desired, canonical(field(case, "actual")), config))}


def run_desired(p: Provisioner, case: dict) -> Any:
    if "desiredCsv" in case:
        return {"ok": json.loads(p.parse_desired_csv(case["desiredCsv"]))}
    return {"ok": json.loads(p.parse_desired_json(canonical(field(case, "desired"))))}


def run_decode(p: Provisioner, case: dict) -> Any:
    kind, value = scripted(field(case, "response"))
    if kind == "fail":
        raise CaseError("a decode case's response cannot be a failure")
    status, headers, body = value
    o = case.get("options", {})
    options = record(
        max_body_bytes=o.get("maxBodyBytes"),
        create_statuses=o.get("createStatuses"),
        now_ms=o.get("nowMs"),
    )
    response = record(status=status, headers=[tuple(h) for h in headers], body=body)
    text = p.call_result(
        "codec", "decode-response", field(case, "resourceType"), field(case, "expect"), response, options
    )
    return {"ok": json.loads(text)}


def run_filter(p: Provisioner, case: dict) -> Any:
    filter_json = p.call_result("codec", "parse-filter", field(case, "text"))
    rendered = p.call_result("codec", "render-filter", filter_json)
    return {"ok": {"filter": json.loads(filter_json), "rendered": rendered}}


def run_encode(p: Provisioner, case: dict) -> Any:
    config = resolve_profile(p, case)
    encoder = p.call_result(
        "codec", "[static]encoder.create", field(config, "basePath"), canonical(field(config, "profile"))
    )
    try:
        kind = case.get("resourceKind", "user")
        op = field(case, "op")

        def method(name: str, *args: Any) -> Any:
            return p.call_result("codec", f"[method]encoder.{name}", encoder, *args)

        ops: dict[str, Callable[[], Any]] = {
            "list": lambda: method("list", kind, canonical(field(case, "query"))),
            "get": lambda: method("get", kind, field(case, "id")),
            "create": lambda: method("create-resource", kind, canonical(field(case, "resource"))),
            "replace": lambda: method(
                "replace", kind, field(case, "id"), canonical(field(case, "resource"))
            ),
            "patch": lambda: method("patch", kind, field(case, "id"), canonical(field(case, "patch"))),
            "delete": lambda: method("delete", kind, field(case, "id")),
            "serviceProviderConfig": lambda: method("service-provider-config"),
        }
        if op not in ops:
            raise CaseError(f"unknown op {op!r}")
        return {"ok": request_json(ops[op]())}
    finally:
        p.drop(encoder)


def run_report(p: Provisioner, case: dict) -> Any:
    users = canonical(field(case, "users"))
    groups = canonical(field(case, "groups"))
    plan = canonical(case["plan"]) if "plan" in case else None
    o = case.get("options", {})
    licenses = canonical(o["licenses"]) if "licenses" in o else None
    options = report_options(
        taken_at_ms=o.get("takenAtMs", 0),
        purchased_seats=o.get("purchasedSeats"),
        desired_json=canonical(o["desired"]) if "desired" in o else None,
        policy_json=canonical(o["policy"]) if "policy" in o else None,
        incomplete=incomplete_reasons(o.get("listing")),
        licenses_json=licenses,
        currency=o.get("currency"),
        price_per_seat=o.get("pricePerSeat"),
        prices=list(o["prices"].items()) if "prices" in o else None,
        server=o.get("server"),
        previous_json=canonical(o["previous"]) if "previous" in o else None,
    )
    report = json.loads(p.report("build-report", users, groups, plan, options))
    html = p.report("report-html", users, groups, plan, options)
    if "licenses" in o:
        csv = p.report_csv_with(users, groups, False, licenses)
    else:
        csv = p.report_csv(users, groups)
    result = {"report": report, "html": html, "csv": csv}
    if "previous" in o:
        result["reviewCsv"] = p.review_csv(users, groups, plan, options, False)
    return {"ok": result}


KINDS = {
    "engine": run_engine,
    "plan": run_plan,
    "desired": run_desired,
    "decode": run_decode,
    "filter": run_filter,
    "encode": run_encode,
    "report": run_report,
}


def run_corpus(engine: wasmtime.Engine, component: Component, cases: Path) -> tuple[int, int]:
    passed = failed = 0
    files = sorted(f for f in cases.glob("*.json") if not f.name.endswith(".expected.json"))
    for file in files:
        name = file.name[: -len(".json")]
        try:
            case = json.loads(file.read_text(encoding="utf-8"))
            run = KINDS.get(case.get("kind"))
            if run is None:
                raise CaseError(f"unknown kind {case.get('kind')!r}")
            # A fresh instance per case: a trap in one case cannot leak into the next.
            p = Provisioner(engine, component)
            try:
                result = run(p, case)
            except WitError as e:
                result = {"error": e.json()}
            actual = canonical(result) + "\n"
            expected = (cases / f"{name}.expected.json").read_text(encoding="utf-8")
            if actual == expected:
                passed += 1
            else:
                at = next(
                    (i for i, (a, b) in enumerate(zip(actual, expected)) if a != b),
                    min(len(actual), len(expected)),
                )
                print(f"FAIL {name}: differs from the golden file at character {at}")
                print(f"  expected: {expected[max(0, at - 80):at + 120]}")
                print(f"  actual:   {actual[max(0, at - 80):at + 120]}")
                failed += 1
        except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            failed += 1
    print(f"wasmtime corpus: {len(files)} cases")
    return passed, failed


# ---------------------------------------------------------------- hostile inputs


def robustness_checks(engine: wasmtime.Engine, component: Component) -> tuple[int, int]:
    """Hostile arguments to every export: each call returns a value or an `error`, never traps."""
    deep = "[" * 5000 + "]" * 5000
    hostile = [
        "", "null", "{", deep, '{"users":' + "[" * 200 + "]" * 200 + "}", "1e999", "\x00",
        '{"users":[{"userName":"a","x":' + deep + "}]}", "é" * 10_000, "..", "a" * 5000,
    ]
    passed = failed = 0
    p = Provisioner(engine, component)

    def check(name: str, calls: Callable[[Provisioner], None]) -> None:
        nonlocal passed, failed, p
        try:
            calls(p)
            passed += 1
        except Exception as e:  # noqa: BLE001 - a trap or a host-side surprise
            failed += 1
            print(f"FAIL robustness {name}: {type(e).__name__}: {str(e)[:300]}")
            p = Provisioner(engine, component)

    def each(f: Callable[..., Any], *args: Any) -> None:
        try:
            f(*args)
        except WitError:
            pass

    profile = p.profile("generic") or "{}"
    check("planner", lambda q: [
        (each(q.parse_desired_json, h), each(q.parse_desired_csv, h), each(q.plan, h, h, h),
         each(q.plan, "{}", h, '{"profile":' + profile + "}"),
         each(q.call_result, "planner", "check-plan", h))
        for h in hostile
    ])
    def digests(q: Provisioner) -> None:
        config = '{"basePath":"/scim/v2","profile":' + profile + "}"
        planned = json.loads(q.plan('{"users":[{"userName":"a@example.com"}]}',
                                    '{"users":[],"groups":[],"complete":true}', config))
        planned["summary"]["createUsers"] = 0
        checked = json.loads(q.call_result("planner", "check-plan", json.dumps(planned)))
        assert checked["summary"]["createUsers"] == 1, checked["summary"]
        planned["actions"][0]["user"]["title"] = "Sneaked in"
        try:
            q.call_result("planner", "check-plan", json.dumps(planned))
            raise AssertionError("an edited plan passed check-plan")
        except WitError as e:
            assert e.json()["code"] == "planEdited", e.json()

    check("planner check-plan", digests)
    check("codec filters", lambda q: [
        (each(q.call_result, "codec", "parse-filter", h), each(q.call_result, "codec", "render-filter", h))
        for h in hostile
    ])

    def encoder(q: Provisioner) -> None:
        for h in hostile:
            each(q.call_result, "codec", "[static]encoder.create", h, h)
        enc = q.call_result("codec", "[static]encoder.create", "/scim", profile)
        for h in hostile:
            for method, args in [("list", ("user", h)), ("get", ("group", h)),
                                 ("create-resource", ("user", h)), ("replace", ("group", h, h)),
                                 ("patch", ("user", h, h)), ("delete", ("user", h))]:
                each(q.call_result, "codec", f"[method]encoder.{method}", enc, *args)
        q.drop(enc)

    check("codec encoder", encoder)

    def decode(q: Provisioner) -> None:
        options = record(max_body_bytes=2**64 - 1, create_statuses=[0, 65535], now_ms=2**64 - 1)
        for h in hostile:
            for status in (0, 199, 204, 301, 429, 599, 65535):
                response = record(status=status, headers=[("Retry-After", h[:50])], body=h)
                for target in ("user", "group", "service-provider-config"):
                    for expect in ("get", "list", "create", "replace", "patch", "delete"):
                        each(q.call_result, "codec", "decode-response", target, expect, response, options)

    check("codec decode", decode)

    def engine_runs(q: Provisioner) -> None:
        for h in hostile:
            each(q.engine_create, h, h)
        extreme = ('{"profile":%s,"maxInFlight":4294967295,"requestsPerSecond":1e308,'
                   '"backoffBaseMs":18446744073709551615,"backoffMaxMs":18446744073709551615,'
                   '"maxAttempts":4294967295,"seed":18446744073709551615}' % profile)
        run = q.engine_create(extreme, '{"users":[{"userName":"a"}]}')
        for i in range(200):
            # Time jumping to the end of u64 and back.
            out = q.poll_output(run, 2**64 - 1 if i % 2 else 0)
            if out.tag == "send":
                q.handle_input(run, response_input(
                    out.payload.id, 503, [("Retry-After", "9" * 30)], "x"), 2**64 - 1)
                each(q.handle_input, run, failed_input(out.payload.id, "again"), 0)
                for body in (b"\xff\xfe", b'{"Resources":[{"userName":"\xe9"}]}'):
                    for status in (200, 429):
                        each(q.handle_response, run, out.payload.id, status, [], body, 2**64 - 1)
            elif out.tag == "done":
                break
        each(q.handle_input, run, failed_input(2**64 - 1, "unknown"), 0)
        q.abort(run)
        q.abort(run)
        q.call("engine", "[method]engine.listed-state", run)
        q.drop(run)

    check("engine", engine_runs)

    def reports(q: Provisioner) -> None:
        extreme = report_options(taken_at_ms=2**64 - 1, purchased_seats=2**64 - 1)
        for h in hostile:
            each(q.report_csv, h, h)
            for name in ("build-report", "report-html"):
                each(q.report, name, h, h, h, report_options(desired_json=h, policy_json=h))
                each(q.report, name, "[]", "[]", None, extreme)
                each(q.report, name, '[{"userName":"a","active":true}]', "[]", h, extreme)

    check("reports", reports)
    print(f"wasmtime hostile inputs: {passed + failed} checks")
    return passed, failed


# ---------------------------------------------------------------- the live run


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http:
    """The host's HTTP side: urllib with a timeout, the bearer token added here only."""

    def __init__(self, origin: str, token: str):
        self.origin = origin
        self.token = token
        self.sent: list[tuple[str, str]] = []

    def send(self, method: str, path: str, headers: list, body: str | None) -> tuple[int, list, bytes]:
        req = urllib.request.Request(
            self.origin + path,
            data=body.encode("utf-8") if body is not None else None,
            method=method,
        )
        for name, value in headers:
            req.add_header(name, value)
        req.add_header("Authorization", f"Bearer {self.token}")
        self.sent.append((method, path))
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, list(resp.getheaders()), resp.read()
        except urllib.error.HTTPError as e:
            return e.code, list(e.headers.items()), e.read()

    def get_json(self, path: str) -> Any:
        status, _, body = self.send("GET", path, [("Accept", "application/scim+json")], None)
        if status != 200:
            raise CaseError(f"GET {path}: HTTP {status}: {body[:200]}")
        return json.loads(body)


def drive(p: Provisioner, http: Http, config: dict, desired: str, deadline_s: float = 60,
          review: Any = None, targets: str | None = None, listed: list | None = None,
          after: list | None = None) -> dict:
    """The loop contract with a real clock and synchronous HTTP. Returns the report. In mode
    `review`, `review(plan)` answers the plan shown (an `approve` or `decline` input). With
    `targets` (a JSON array of targets), a targeted run of them (`desired` is not read). With
    `listed`, the run's `listed-state` (as JSON) is appended to it once the run is done; with
    `after`, its `state-after`."""
    if targets is None:
        run = p.engine_create(canonical(config), desired)
    else:
        run = p.engine_create_targeted(canonical(config), targets)
    try:
        start = time.monotonic()
        for _ in range(10_000):
            if time.monotonic() - start > deadline_s:
                raise CaseError(f"the run took more than {deadline_s} s")
            now = int(time.time() * 1000)
            out = p.poll_output(run, now)
            if out.tag == "send":
                r = out.payload.request
                try:
                    status, headers, body = http.send(r.method, r.path, list(r.headers), r.body)
                except (urllib.error.URLError, OSError) as e:
                    p.handle_input(run, failed_input(out.payload.id, f"{type(e).__name__}: {e}"),
                                   int(time.time() * 1000))
                else:
                    # The body's bytes as received; the core checks them as UTF-8.
                    p.handle_response(run, out.payload.id, status, headers, body,
                                      int(time.time() * 1000))
            elif out.tag == "wait":
                # Every request was answered synchronously, so only a timer can be pending.
                until = out.payload if out.payload is not None else now + 10
                time.sleep(min(max(until - now, 0), 5_000) / 1000)
            elif out.tag == "review":
                if review is None:
                    raise CaseError("a review output outside mode review")
                p.handle_input(run, review(json.loads(out.payload)), int(time.time() * 1000))
            elif out.tag == "done":
                if listed is not None:
                    listed.append(json.loads(p.call("engine", "[method]engine.listed-state", run)))
                if after is not None:
                    after.append(json.loads(p.call("engine", "[method]engine.state-after", run)))
                return json.loads(out.payload)
        raise CaseError("the run did not finish within 10000 polls")
    finally:
        p.drop(run)


def start_server(executable: str, port: int, token: str, log: Path) -> subprocess.Popen:
    out = log.open("w")
    proc = subprocess.Popen(
        [executable, "--hostname", "127.0.0.1", "--port", str(port), "--bearer-token", token],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise CaseError(f"scim2-server exited with {proc.returncode}; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise CaseError("scim2-server did not start within 30 s")


def live_checks(engine: wasmtime.Engine, component: Component, server: str) -> tuple[int, int]:
    port = free_port()
    token = "conformance-token"
    log = ROOT / "target" / "component" / "scim2-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    proc = start_server(server, port, token, log)
    passed = failed = 0

    def check(name: str, condition: bool, detail: Any = "") -> None:
        nonlocal passed, failed
        if condition:
            passed += 1
        else:
            failed += 1
            print(f"FAIL live {name}: {detail}")

    try:
        http = Http(f"http://127.0.0.1:{port}", token)
        p = Provisioner(engine, component)
        profile = json.loads(p.profile("generic") or "null")
        base = {"basePath": "/v2", "profile": profile, "seed": 1, "maxInFlight": 2}
        users = [
            {"userName": f"user{i}@example.com", "externalId": f"E{i}",
             "name": {"givenName": f"Given{i}", "familyName": f"Family{i}"}, "title": "Engineer"}
            for i in range(1, 6)
        ]
        users[2]["userName"] = 'o"hara@example.com'
        desired = {
            "users": users,
            "groups": [{"displayName": "Engineering", "members": [u["userName"] for u in users[:3]]}],
        }
        desired_text = p.parse_desired_json(canonical(desired))

        # 1. Plan only against the empty server: everything to create, nothing written.
        report = drive(p, http, {**base, "mode": {"mode": "planOnly"}}, desired_text)
        summary = (report.get("plan") or {}).get("summary", {})
        check("plan-only status", report["status"] == "planned", report.get("reason"))
        check("plan-only creates", (summary.get("createUsers"), summary.get("createGroups"),
                                    summary.get("addMembers")) == (5, 1, 3), summary)
        check("plan-only wrote nothing", http.get_json("/v2/Users")["totalResults"] == 0)
        check("plan-only discovered", http.sent[0] == ("GET", "/v2/ServiceProviderConfig"), http.sent[:1])

        # 2. Plan and apply.
        before_writes: list = []
        after_writes: list = []
        report = drive(p, http, {**base, "mode": {"mode": "planAndApply"}}, desired_text, listed=before_writes,
                       after=after_writes)
        check("an apply run's listed-state is the listing before its writes",
              [len(s["users"]) for s in before_writes] == [0], before_writes)
        results = [o["result"]["status"] for o in report["outcomes"]]
        check("apply status", report["status"] == "applied", (report.get("reason"), report["outcomes"]))
        check("apply outcomes", results and all(r == "applied" for r in results), results)
        listed = http.get_json("/v2/Users?count=100")
        names = sorted(u["userName"] for u in listed["Resources"])
        check("apply users on the server", names == sorted(u["userName"] for u in users), names)
        groups = http.get_json("/v2/Groups")["Resources"]
        ids = {u["id"]: u["userName"] for u in listed["Resources"]}
        members = sorted(ids.get(m["value"], "?") for g in groups for m in g.get("members") or [])
        check("apply group members", [g["displayName"] for g in groups] == ["Engineering"]
              and members == sorted(u["userName"] for u in users[:3]), (groups, members))

        # 3. Plan again: the server converged, nothing is left to do. A report after an apply
        # is built from a new listing (this plan-only run's `listed-state`): the apply run's
        # own `listed-state` is the listing it planned from, before its writes.
        relisted: list = []
        report = drive(p, http, {**base, "mode": {"mode": "planOnly"}}, desired_text, listed=relisted)
        plan = report.get("plan") or {}
        check("re-plan is empty", report["status"] == "planned" and plan.get("actions") == [],
              plan.get("summary"))
        after = relisted[0] if relisted else {"users": [], "groups": []}
        built = json.loads(p.report("build-report", canonical(after["users"]), canonical(after["groups"]),
                                    None, report_options(taken_at_ms=1_700_000_000_000)))
        snapshot = {g["displayName"]: len(g["members"]) for g in built["snapshot"]["groups"]}
        check("report after apply: the state after it", (built["seats"]["totalUsers"], built["seats"]["active"],
              snapshot) == (5, 5, {"Engineering": 3}), (built["seats"], snapshot))
        # The apply run's own `state-after` (its listing with what it applied folded in) is the
        # same state, with no listing: the same report, and the ids the server gave.
        folded = after_writes[0] if after_writes else {"users": [], "groups": []}
        from_run = json.loads(p.report("build-report", canonical(folded["users"]), canonical(folded["groups"]),
                                       None, report_options(taken_at_ms=1_700_000_000_000)))
        check("report from the apply run's state-after", from_run == built, (from_run.get("seats"), built.get("seats")))
        check("state-after has the server's ids",
              sorted(u["id"] for u in folded["users"]) == sorted(u["id"] for u in after["users"]), folded["users"])

        # 4. Offboard one user (within the 25 % cap) and change a title.
        changed = json.loads(desired_text)
        changed["users"] = [u for u in changed["users"] if u["userName"] != "user5@example.com"]
        changed["users"][0]["title"] = "Staff Engineer"
        report = drive(p, http, {**base, "mode": {"mode": "planAndApply"}},
                       p.parse_desired_json(canonical(changed)))
        summary = (report.get("plan") or {}).get("summary", {})
        check("offboard status", report["status"] == "applied", (report.get("reason"), report["outcomes"]))
        check("offboard plan", (summary.get("deactivateUsers"), summary.get("updateUsers")) == (1, 1), summary)
        state = {u["userName"]: u for u in http.get_json("/v2/Users?count=100")["Resources"]}
        check("offboarded user inactive", state.get("user5@example.com", {}).get("active") is False,
              state.get("user5@example.com"))
        check("title updated", state.get("user1@example.com", {}).get("title") == "Staff Engineer",
              state.get("user1@example.com"))

        # 4b. Review mode: the plan is shown (`review`), declined (nothing written), then
        # approved by its digest and applied from the run's one listing.
        def listings() -> list:
            return [r for r in http.sent if r[0] == "GET" and r[1].startswith(("/v2/Users?", "/v2/Groups?"))
                    and "filter=" not in r[1]]

        retitled = json.loads(p.parse_desired_json(canonical(changed)))
        retitled["users"][1]["title"] = "Lead"
        retitled_text = p.parse_desired_json(canonical(retitled))
        review_mode = {**base, "mode": {"mode": "review"}}
        shown: list = []
        before = len(http.sent)
        report = drive(p, http, review_mode, retitled_text,
                       review=lambda plan: shown.append(plan) or Variant("decline", None))
        writes = [r for r in http.sent[before:] if r[0] != "GET"]
        check("review declined", report["status"] == "declined" and len(shown) == 1 and not writes,
              (report.get("reason"), writes))
        shown.clear()
        before = len(http.sent)
        sent_before = len(listings())
        report = drive(p, http, review_mode, retitled_text,
                       review=lambda plan: shown.append(plan) or Variant("approve", plan["digest"]))
        listed = len(listings()) - sent_before
        state = {u["userName"]: u for u in http.get_json("/v2/Users?count=100")["Resources"]}
        check("review approved", report["status"] == "applied"
              and state.get("user2@example.com", {}).get("title") == "Lead", report.get("reason"))
        check("review lists once", listed == 2 and len(shown) == 1, http.sent[before:])

        # 4c. Lifecycle events (a targeted run): a hire joining a group named with a quote and
        # a termination; only the subjects are looked up; replayed, nothing is written.
        events = "\n".join(canonical(e) for e in [
            {"id": "h1", "type": "hire", "timestamp": "2026-01-05T09:00:00Z",
             "user": {"userName": "new@example.com", "name": {"givenName": "N", "familyName": "W"}},
             "groups": ['On "call"']},
            {"id": "t1", "type": "terminate", "timestamp": "2026-01-06T09:00:00Z",
             "user": {"userName": "USER4@example.com"}},
        ])
        targets = canonical(json.loads(p.read_events(events, False))["targets"])
        apply_mode = {**base, "mode": {"mode": "planAndApply"}}
        before = len(http.sent)
        report = drive(p, http, apply_mode, "", targets=targets)
        listed = [r for r in http.sent[before:] if r[0] == "GET" and "filter=" not in r[1]
                  and not r[1].endswith("ServiceProviderConfig")]
        state = {u["userName"]: u for u in http.get_json("/v2/Users?count=100")["Resources"]}
        groups = {g["displayName"]: g for g in http.get_json("/v2/Groups")["Resources"]}
        on_call = [m["value"] for m in groups.get('On "call"', {}).get("members") or []]
        check("events applied", report["status"] == "applied" and not listed
              and state.get("user4@example.com", {}).get("active") is False
              and on_call == [state.get("new@example.com", {}).get("id")],
              (report.get("reason"), listed, on_call))
        before = len(http.sent)
        report = drive(p, http, apply_mode, "", targets=targets)
        writes = [r for r in http.sent[before:] if r[0] != "GET"]
        check("events replayed write nothing", report["status"] == "applied" and not writes,
              (report.get("reason"), writes))
        try:
            p.read_events('{"id": "x"}', False)
            check("a malformed events line is refused", False, "no error")
        except WitError as e:
            check("a malformed events line is refused", "line 1" in str(e), e)
        # Events whose people are HR records, read through a built-in mapping.
        hr = canonical({"id": "h9", "type": "hire", "timestamp": "2026-01-07T09:00:00Z",
                        "user": {"Work Email": "Hr@Example.com", "Employee #": "E-1",
                                 "Department": "Ops", "Status": "Active"}})
        mapped = json.loads(p.read_events_mapped(hr, False, "bamboohr"))["targets"]
        check("events read through a mapping",
              [(t["op"], t["user"]["userName"], (t.get("group") or {}).get("displayName"))
               for t in mapped] == [("provision", "hr@example.com", None),
                                    ("grant", "hr@example.com", "Ops")], mapped)
        try:
            p.read_events_mapped(hr, False, "no-such-mapping")
            check("an unknown mapping is refused", False, "no error")
        except WitError as e:
            check("an unknown mapping is refused", "bamboohr" in str(e), e)

        # 5. The reports of the server's state, through the component's `reports` interface.
        users_now = canonical(http.get_json("/v2/Users?count=100")["Resources"])
        groups_now = canonical(http.get_json("/v2/Groups")["Resources"])
        options = report_options(taken_at_ms=1_700_000_000_000, purchased_seats=10)
        seats = json.loads(p.report("build-report", users_now, groups_now, None, options))["seats"]
        check("report seats", (seats.get("totalUsers"), seats.get("active"), seats.get("deactivated"),
                               seats.get("unused")) == (6, 4, 2, 6), seats)
        html = p.report("report-html", users_now, groups_now, None, options)
        check("report html", html.startswith("<!DOCTYPE html>") and "o&quot;hara@example.com" in html,
              html[:200])
        csv_lines = p.report_csv(users_now, groups_now).splitlines()
        check("report csv", len(csv_lines) == 7, csv_lines[:2])

        # 6. A wrong token: the run fails on the first request with the 401 in the report.
        report = drive(p, Http(http.origin, "wrong-token"), {**base, "mode": {"mode": "planOnly"}},
                       desired_text)
        check("401 fails the run", report["status"] == "failed"
              and (report.get("error") or {}).get("httpStatus") == 401, report.get("reason"))
    except Exception as e:  # noqa: BLE001 - reported as a failure, the server is still stopped
        failed += 1
        print(f"FAIL live: {type(e).__name__}: {e}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    print(f"wasmtime live run against scim2-server: {passed + failed} checks")
    return passed, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--component", default=str(ROOT / "target/component/scim_provision.wasm"))
    parser.add_argument("--cases", default=str(ROOT / "tests/conformance/cases"))
    parser.add_argument("--scim2-server", default=str(Path(sys.executable).parent / "scim2-server"))
    parser.add_argument("--no-live", action="store_true", help="skip the live scim2-server run")
    args = parser.parse_args()

    engine = wasmtime.Engine()
    component = Component.from_file(engine, args.component)
    passed, failed = run_corpus(engine, component, Path(args.cases))
    p2, f2 = robustness_checks(engine, component)
    passed, failed = passed + p2, failed + f2
    if not args.no_live:
        if os.path.exists(args.scim2_server):
            p2, f2 = live_checks(engine, component, args.scim2_server)
            passed, failed = passed + p2, failed + f2
        else:
            print(f"FAIL live: no scim2-server at {args.scim2_server}")
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
