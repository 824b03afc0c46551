// The shapes exchanged with the core, as the Rust types serialize them (camelCase JSON).

/** A SCIM User; attributes the core does not model are kept as sent. */
export interface User {
  schemas?: string[];
  id?: string;
  externalId?: string;
  userName: string;
  name?: { givenName?: string; familyName?: string; formatted?: string; [attribute: string]: unknown };
  displayName?: string;
  title?: string;
  locale?: string;
  active?: boolean;
  emails?: Array<{ value?: string; type?: string; primary?: boolean; display?: string }>;
  groups?: Array<{ value?: string; display?: string }>;
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"?: {
    employeeNumber?: string;
    costCenter?: string;
    organization?: string;
    division?: string;
    department?: string;
    manager?: { value?: string; displayName?: string };
  };
  [attribute: string]: unknown;
}

/** A SCIM Group. */
export interface Group {
  schemas?: string[];
  id?: string;
  externalId?: string;
  displayName: string;
  members?: Array<{ value: string; display?: string; type?: string }> | null;
  [attribute: string]: unknown;
}

/** What the directory wants: users, and groups whose members are userNames. */
export interface DesiredState {
  users: User[];
  groups?: Array<{ displayName: string; externalId?: string; members?: string[] }>;
}

/** The desired state as an object or as the JSON text of one (faster for large inputs). */
export type DesiredInput = DesiredState | string;

export type Offboarding = "deactivate" | "delete" | "leave";

export interface Cap {
  count?: number | null;
  percent?: number | null;
}

export interface Policy {
  offboarding?: Offboarding;
  scope?: { emailDomains?: string[]; requireExternalId?: boolean; userNames?: string[] };
  protectedUserNames?: string[];
  maxDeactivations?: Cap;
  maxDeletions?: Cap;
  deleteUnnamedGroups?: boolean;
}

/** A service-provider profile (see the README's profile table). */
export interface Profile {
  name: string;
  discovery: boolean;
  [field: string]: unknown;
}

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface HttpRequest {
  method: Method;
  /** Base path, resource path and query, percent-encoded. */
  path: string;
  headers: Array<[string, string]>;
  body: string | null;
}

export interface HttpResponse {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

export interface Change {
  attribute: string;
  before: unknown;
  after: unknown;
}

export interface UserRef {
  userName: string;
  id?: string;
}

export interface GroupRef {
  displayName: string;
  id?: string;
}

export type Action =
  | { type: "createUser"; userName: string; user: User; reason: string }
  | { type: "updateUser" | "reactivateUser" | "deactivateUser"; user: UserRef; changes: Change[]; replacement?: User; reason: string }
  | { type: "deleteUser"; user: UserRef; reason: string }
  /** `members`: those the create carries (absent where the server creates groups empty). */
  | { type: "createGroup"; displayName: string; externalId?: string; members?: UserRef[]; reason: string }
  | { type: "renameGroup"; group: GroupRef; to: string; reason: string }
  | { type: "deleteGroup"; group: GroupRef; reason: string }
  | { type: "addMembers" | "removeMembers"; group: GroupRef; members: UserRef[] }
  | { type: "setMembers"; group: GroupRef; members: UserRef[]; added: UserRef[]; removed: UserRef[] };

export type Step = Action & {
  request?: { method: Method; path: string; body?: unknown };
  waitsFor?: string;
};

export interface Summary {
  createUsers: number;
  updateUsers: number;
  deactivateUsers: number;
  reactivateUsers: number;
  deleteUsers: number;
  createGroups: number;
  updateGroups: number;
  deleteGroups: number;
  addMembers: number;
  removeMembers: number;
}

/** `ambiguousMatch`: a directory user or group matches several server resources; its
 * changes are withheld and the reason names every candidate id. */
export type Guard = "emptySource" | "incompleteListing" | "deactivationCap" | "deletionCap" | "ambiguousMatch";

/** What applying a plan costs: one request per action (the listing it was made from is not
 * counted), by kind, and the least time they take at the profile's rate limit. Recomputed
 * by the core when a plan is read; not covered by `digest`. */
export interface Cost {
  requests: number;
  byKind: Partial<Record<Action["type"], number>>;
  minSeconds: number;
  rateLimit?: { requestsPerSecond: number; burst: number };
}

export interface Plan {
  version: number;
  profile: string;
  summary: Summary;
  cost: Cost;
  blocked: Array<{ guard: Guard; reason: string }>;
  actions: Step[];
  notes: Array<{ subject: string; message: string }>;
  source: {
    desiredUsers: number;
    desiredGroups: number;
    serverUsers: number;
    serverGroups: number;
    managedUsers: number;
    listingComplete: boolean;
  };
  /** Hex SHA-256 of the canonical JSON of `actions`: an edited action no longer matches it
   * (absent only in plans made before plans carried it, which `apply` refuses). */
  digest?: string;
  /** Hex SHA-256 of the server state the plan was made from, as the planner saw it. */
  stateDigest?: string;
}

/** A server error with its SCIM detail. */
export interface ServerError {
  httpStatus: number;
  status: number | null;
  scimType: string | null;
  detail: string | null;
  retryAfterMs: number | null;
  bodyExcerpt: string | null;
}

/** Why an action failed. */
export type ActionError =
  | ({ kind: "server" } & ServerError)
  | { kind: "unanswered"; reason: string; attempts: number }
  | { kind: "invalid"; reason: string }
  /** A lookup found several server resources for the subject; none was adopted. */
  | { kind: "ambiguous"; reason: string; candidates: string[] }
  /** The lookup before (re-)sending a create, or after its 409, failed; the create was not sent (again). */
  | { kind: "lookupFailed"; reason: string; conflict?: ServerError; lookupError?: ServerError };

export type ActionResult =
  | { status: "applied" }
  /** `lookupError`: the filtered lookup's error before the listing found the resource. */
  | { status: "adopted"; id: string; updated: boolean; lookupError?: ServerError }
  | { status: "drift"; detail: string }
  | { status: "failed"; error: ActionError }
  | { status: "skipped"; reason: string }
  | { status: "notRun" };

export interface ActionOutcome {
  index: number;
  kind: Action["type"];
  subject: string;
  result: ActionResult;
}

export type Phase = "discover" | "listUsers" | "listGroups" | "plan" | "apply" | "done";

export type EngineEvent =
  | { type: "progress"; phase: Phase; done: number; total: number; inFlight: number }
  | { type: "planned"; plan: Plan }
  | { type: "actionDone"; outcome: ActionOutcome }
  | { type: "warning"; message: string };

export type RunStatus = "planned" | "applied" | "partiallyApplied" | "refused" | "failed" | "aborted";

export interface RunReport {
  status: RunStatus;
  reason?: string | null;
  error?: ServerError | null;
  plan?: Plan | null;
  outcomes: ActionOutcome[];
  listing: { users: number; groups: number; complete: boolean; problems: string[] };
  requestsSent: number;
  retries: number;
  waits: number;
  waitedMs: number;
  elapsedMs: number;
  warnings: string[];
}

export type Mode =
  | { mode: "planOnly" }
  | { mode: "applyApproved"; plan: Plan; replan?: boolean }
  | { mode: "planAndApply" };

/** The engine's configuration (see the crate docs for every field). */
export interface EngineConfig {
  basePath: string;
  profile: Profile;
  policy?: Policy;
  mode: Mode;
  allowBlocked?: boolean;
  maxInFlight?: number;
  requestsPerSecond?: number | null;
  maxAttempts?: number;
  maxRateLimitedAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  seed?: number;
  maxListedResources?: number;
  maxBodyBytes?: number;
}

export type Output =
  | { type: "send"; id: number; request: HttpRequest }
  | { type: "event"; event: EngineEvent }
  | { type: "wait"; untilMs: number | null }
  | { type: "done"; report: RunReport };

export type Input =
  | { type: "response"; id: number; response: HttpResponse }
  | { type: "failed"; id: number; reason: string };

/** The listed server state. */
export interface ActualState {
  users: User[];
  groups: Group[];
  complete: boolean;
  problems?: string[];
}

/** Seat counts of one listing (`purchased`, `unused`, `overBy`, `desiredActive` when known). */
export interface SeatSummary {
  totalUsers: number;
  active: number;
  deactivated: number;
  purchased?: number;
  unused?: number;
  overBy?: number;
  desiredActive?: number;
}

/** Active users with one value of an attribute; `name` is null for users without a value. */
export interface BucketCount {
  name: string | null;
  count: number;
}

export interface Chargeback {
  activeUsers: number;
  byDepartment: BucketCount[];
  byCostCenter: BucketCount[];
  byDivision: BucketCount[];
  byOrganization: BucketCount[];
}

export type SnapshotMember =
  | { status: "known"; id: string; userName: string; displayName?: string; givenName?: string; familyName?: string; active: boolean }
  | { status: "unknown"; id: string; display?: string };

export interface GroupAccess {
  id?: string;
  externalId?: string;
  displayName: string;
  /** False when the server did not return the group's members. */
  membersListed: boolean;
  members: SnapshotMember[];
}

export interface AccessSnapshot {
  takenAtMs: number;
  takenAt: string | null;
  groups: GroupAccess[];
}

/** An account active on the server that the directory no longer wants active. */
export interface StaleAccount {
  userName: string;
  reason: string;
  action: string;
}

/** The SaaS-ops report: seats, chargeback, access snapshot and stale accounts. */
export interface OpsReport {
  /** Whether the listing the figures come from was complete; when not, they may be short. */
  complete: boolean;
  /** Why the listing was incomplete (empty when complete). */
  incomplete: string[];
  seats: SeatSummary;
  chargeback: Chargeback;
  snapshot: AccessSnapshot;
  stale: StaleAccount[];
}
