// Low-level calls that mirror the WebAssembly component's interfaces one to one (codec
// `encoder`, `decode-response`, `render-filter`, planner `plan`, `reports`), for hosts with
// their own logic. They call the same core functions as the component, so results and errors
// are the same; the conformance corpus (tests/conformance) checks it through these.

import * as wasm from "../wasm/scim_provision_js.js";
import * as reports from "../wasm/scim_provision_report_js.js";
import { core } from "./errors.js";
import type {
  ActualState,
  BuildReportOptions,
  DecodeOptions,
  Decoded,
  DecodeTarget,
  DesiredInput,
  Expect,
  Group,
  HttpRequest,
  HttpResponse,
  HttpResponseBytes,
  MapPreview,
  Mapping,
  OpsReport,
  Plan,
  PlanConfig,
  Policy,
  Profile,
  ResourceKind,
  ServiceProviderConfig,
  User,
} from "./types.js";

/** Builds the requests of one server: a base path and a profile (built-in name, object or JSON). */
export class Encoder {
  readonly #inner: wasm.Encoder;

  constructor(basePath: string, profile: string | Profile) {
    this.#inner = core(() => new wasm.Encoder(basePath, profile));
  }

  /** `GET /Users` or `/Groups` with a ListQuery (`{startIndex, count, filter, attributes, excludedAttributes}`). */
  list(kind: ResourceKind, query: object | string): HttpRequest {
    return core(() => this.#inner.list(kind, query)) as HttpRequest;
  }

  get(kind: ResourceKind, id: string): HttpRequest {
    return core(() => this.#inner.get(kind, id)) as HttpRequest;
  }

  /** `POST` a User or Group. */
  createResource(kind: ResourceKind, resource: User | Group | string): HttpRequest {
    return core(() => this.#inner.createResource(kind, resource)) as HttpRequest;
  }

  /** `PUT` the whole resource. */
  replace(kind: ResourceKind, id: string, resource: User | Group | string): HttpRequest {
    return core(() => this.#inner.replace(kind, id, resource)) as HttpRequest;
  }

  /** `PATCH` with a PatchOp (`{Operations: [...]}`), cased as the profile wants. */
  patch(kind: ResourceKind, id: string, patch: object | string): HttpRequest {
    return core(() => this.#inner.patch(kind, id, patch)) as HttpRequest;
  }

  delete(kind: ResourceKind, id: string): HttpRequest {
    return core(() => this.#inner.delete(kind, id)) as HttpRequest;
  }

  serviceProviderConfig(): HttpRequest {
    return core(() => this.#inner.serviceProviderConfig()) as HttpRequest;
  }

  /** The profile in use. */
  profile(): Profile {
    return core(() => this.#inner.profile()) as Profile;
  }

  /** Frees the WebAssembly memory now instead of at garbage collection. */
  free(): void {
    this.#inner.free();
  }
}

/** Decodes a response as the component does: an error status throws a `ScimProvisionError`
 * of kind `server` (with `httpStatus`, `scimType`, `detail`), an unusable response one of
 * kind `decode`. The body is text or the bytes received; either goes into the core as it
 * is, never escaped into JSON. Any absent option takes the core's default (64 MiB, create
 * statuses 200 and 201, time 0). */
export function decode(target: DecodeTarget, expect: Expect, response: HttpResponse | HttpResponseBytes, options: DecodeOptions = {}): Decoded<User | Group | ServiceProviderConfig> {
  return core(() => wasm.decode(target, response, { ...options, expect })) as Decoded<User | Group | ServiceProviderConfig>;
}

/** Renders a filter AST (as `parseFilter` returns it) back to filter text, values escaped. */
export function renderFilter(filter: unknown): string {
  return core(() => wasm.renderFilter(filter));
}

/** Plans with the configuration as one value (`{basePath, profile, policy}`, the profile an
 * object), as the component's `planner.plan` does. */
export function planWithConfig(desired: DesiredInput, actual: ActualState | string, config: PlanConfig | string): Plan {
  return core(() => wasm.plan({ desired, actual, config })) as Plan;
}

/** The SaaS-ops report (seats, chargeback, access snapshot, stale accounts of `plan`) of
 * listed users and groups, as the component's `reports.build-report`. */
export function buildReport(
  users: User[] | string,
  groups: Group[] | string,
  plan: Plan | string | null = null,
  options: BuildReportOptions = {},
): OpsReport {
  return core(() => reports.buildReport(users, groups, plan, options)) as OpsReport;
}

/** What an attribute mapping (a built-in name such as `"workday"`, a mapping object, or its
 * JSON) makes of an export (its bytes or text; CSV or JSON as `fileName` and content say):
 * the mapped users (at most `limit`), every row error with its row and column, and who is
 * in or out of `policy`'s scope. Throws only for what stops every row. */
export function mapPreview(
  input: Uint8Array | string,
  fileName: string,
  mapping: string | Mapping,
  options: { policy?: Policy; limit?: number } = {},
): MapPreview {
  const text = typeof mapping === "string" ? mapping : JSON.stringify(mapping);
  return core(() => wasm.mapPreview(input, fileName, text, options.policy ?? null, options.limit ?? 20)) as MapPreview;
}
