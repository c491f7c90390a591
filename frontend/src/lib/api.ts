// The HTTP API client: JSON in and out, bearer token when there is one, and errors read from
// `application/problem+json` into an ApiError whose `fields` map a form can show at its inputs.

import { plainMessage, plainProblem } from "./plain";
import type {
  AuditTrail,
  Campaign,
  EditResult,
  TakeAccepted,
  TakeEstimate,
  TakeRequest,
  TakeView,
  DraftCheck,
  DuplicateRequest,
  JobChanges,
  JobSummary,
  Comment,
  CommentRequest,
  Comments,
  DecisionRecord,
  DecisionRequest,
  Me,
  PackageStatus,
  Reviewers,
  RuleSheet,
  ShareLink,
  SharedVersion,
  VersionReview,
  VersionView,
  Brief,
  ComplianceReport,
  QcReport,
  ComposeAccepted,
  Estimate,
  GenerateAccepted,
  Job,
  JobPage,
  Timeline,
  UploadDone,
  UploadTicket,
} from "./types";

export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly errors: FieldProblem[];

  constructor(status: number, title: string, detail: string, errors: FieldProblem[] = []) {
    super(plainMessage(detail || title || `request failed (${status})`));
    this.name = "ApiError";
    this.status = status;
    this.title = title;
    this.errors = errors.map(normalizeProblem);
  }

  /** The message for each field path (`product.side_effects.0`); "" holds errors with no field. */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) out[e.field] = out[e.field] ? `${out[e.field]}; ${e.message}` : e.message;
    return out;
  }

  /** Worth trying again later (network, rate limit, server trouble), unlike a refused request. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** Any failure as the sentences a view shows: each field's problem in plain words (lib/plain),
 *  or the message itself. */
export function problemText(e: unknown): string {
  if (!(e instanceof ApiError)) return plainProblem("", e instanceof Error ? e.message : String(e));
  return e.errors.length ? e.errors.map((x) => plainProblem(x.field, x.message)).join(" ") : plainProblem("", e.message);
}

/** A model-level validation error arrives without a field ("Value error, product.side_effects:
 *  ..."): take the field from the message so the form can still show it in the right place.
 *  The message is put in plain words (lib/plain): never the model's own wording. */
export function normalizeProblem(p: FieldProblem): FieldProblem {
  let message = (p.message ?? "").replace(/^Value error, /, "");
  let field = p.field ?? "";
  if (!field) {
    const m = /^([a-z_]+(?:\.[a-z0-9_]+)*): (.+)$/s.exec(message);
    if (m) {
      field = m[1];
      message = m[2];
    }
  }
  return { field, message: plainMessage(message) };
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    /* not JSON: a proxy's error page */
  }
  const errors = Array.isArray(body.errors)
    ? (body.errors as Record<string, unknown>[]).map((e) => ({
        field: String(e.field ?? ""),
        message: String(e.message ?? "invalid"),
      }))
    : [];
  const title = typeof body.title === "string" ? body.title : res.statusText;
  const detail = typeof body.detail === "string" ? body.detail : `${res.status} ${res.statusText}`.trim();
  return new ApiError(res.status, title, detail, errors);
}

export type TokenSource = () => Promise<string | null>;

/** A body with the entity tag the server sent for it (the draft's revision, `"r7"`); null when
 *  the server sends none, or the browser may not read it (a cross-origin API that does not
 *  expose it). */
export interface Tagged<T> {
  value: T;
  etag: string | null;
}

/** Save only over the revision that was read (`If-Match`), when one is known. */
const ifMatch = (etag: string | null | undefined): Record<string, string> => (etag ? { "If-Match": etag } : {});

/** The draft changed on the server since it was read (412 to an `If-Match` save). */
export const isStale = (e: unknown): e is ApiError => e instanceof ApiError && e.status === 412;

export class Api {
  readonly base: string;
  private readonly token: TokenSource;
  private readonly fetchImpl: typeof fetch;

  constructor(base: string, token: TokenSource = async () => null, fetchImpl?: typeof fetch) {
    this.base = base.replace(/\/+$/, "");
    this.token = token;
    this.fetchImpl = fetchImpl ?? ((input, init) => fetch(input, init));
  }

  url(path: string): string {
    return `${this.base}${path}`;
  }

  /** Asset URLs from the local server are paths on the API's origin; S3's are absolute. */
  assetUrl(url: string | null | undefined): string | undefined {
    if (!url) return undefined;
    if (/^[a-z]+:\/\//i.test(url) || !url.startsWith("/")) return url;
    if (/^[a-z]+:\/\//i.test(this.base)) return new URL(url, this.base).toString();
    return url;
  }

  async authHeaders(): Promise<Record<string, string>> {
    const token = await this.token();
    return token ? { Authorization: `Bearer ${token}` } : {};
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    return (await this.tagged<T>(method, path, body, headers)).value;
  }

  /** `request`, with the answer's ETag. */
  async tagged<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Tagged<T>> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.url(path), {
        method,
        headers: {
          Accept: "application/json, application/problem+json",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          ...(await this.authHeaders()),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, "Network error", `the server cannot be reached (${(err as Error).message})`);
    }
    if (!res.ok) throw await errorFrom(res);
    const etag = res.headers.get("ETag");
    if (res.status === 204) return { value: undefined as T, etag };
    return { value: (await res.json()) as T, etag };
  }

  generate(brief: Brief, idempotencyKey?: string): Promise<GenerateAccepted> {
    return this.request("POST", "/generate", brief, idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {});
  }

  estimate(brief: Brief): Promise<Estimate> {
    return this.request("POST", "/estimate", brief);
  }

  listJobs(cursor?: string | null, limit = 24, campaign?: string | null): Promise<JobPage> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set("cursor", cursor);
    if (campaign) q.set("campaign", campaign);
    return this.request("GET", `/jobs?${q}`);
  }

  getJob(id: string): Promise<Job> {
    return this.request("GET", `/jobs/${encodeURIComponent(id)}`);
  }

  cancel(id: string): Promise<{ job_id: string; status: string }> {
    return this.request("POST", `/jobs/${encodeURIComponent(id)}/cancel`);
  }

  /** The saved draft and its revision's tag. */
  getTimeline(id: string): Promise<Tagged<Timeline>> {
    return this.tagged("GET", `/jobs/${encodeURIComponent(id)}/timeline`);
  }

  /** Save the draft; with `etag`, only over that revision (else a 412: see `isStale`). */
  putTimeline(id: string, timeline: Timeline, etag?: string | null): Promise<Tagged<Timeline>> {
    return this.tagged("PUT", `/jobs/${encodeURIComponent(id)}/timeline`, timeline, ifMatch(etag));
  }

  compose(id: string): Promise<ComposeAccepted> {
    return this.request("POST", `/jobs/${encodeURIComponent(id)}/compose`);
  }

  compliance(id: string): Promise<ComplianceReport> {
    return this.request("GET", `/jobs/${encodeURIComponent(id)}/compliance`);
  }

  /** The latest QC check of the rendered file (the newest version's, or a refused compose's). */
  qc(id: string): Promise<QcReport> {
    return this.request("GET", `/jobs/${encodeURIComponent(id)}/qc`);
  }

  // --- the library and editing -------------------------------------------------------------

  /** Rename the ad (`title`) or move it to a campaign (`campaign`; "" takes it out). */
  changeJob(id: string, changes: JobChanges): Promise<JobSummary> {
    return this.request("PATCH", `/jobs/${encodeURIComponent(id)}`, changes);
  }

  /** Delete the ad and every asset it has; it cannot be undone. */
  deleteJob(id: string): Promise<void> {
    return this.request("DELETE", `/jobs/${encodeURIComponent(id)}`);
  }

  /** A new ad from this one's brief with `changes` merged in, started at once. */
  duplicate(id: string, body: DuplicateRequest): Promise<GenerateAccepted> {
    return this.request("POST", `/jobs/${encodeURIComponent(id)}/duplicate`, body);
  }

  campaigns(): Promise<Campaign[]> {
    return this.request("GET", "/campaigns");
  }

  /** The findings for a draft, without saving or rendering it. */
  checkTimeline(id: string, timeline: Timeline): Promise<DraftCheck> {
    return this.request("POST", `/jobs/${encodeURIComponent(id)}/timeline/check`, timeline);
  }

  private scene(id: string, n: number, tail: string): string {
    return `/jobs/${encodeURIComponent(id)}/scenes/${n}${tail}`;
  }

  /** What regenerating scene n would cost and take, before it runs. */
  estimateTake(id: string, n: number, req: TakeRequest): Promise<TakeEstimate> {
    return this.request("POST", this.scene(id, n, "/regenerate/estimate"), req);
  }

  regenerate(id: string, n: number, req: TakeRequest): Promise<TakeAccepted> {
    return this.request("POST", this.scene(id, n, "/regenerate"), req);
  }

  takes(id: string, n: number): Promise<TakeView[]> {
    return this.request("GET", this.scene(id, n, "/takes"));
  }

  /** Use take `take` of scene n in the draft (saved over the draft as it is on the server). */
  selectTake(id: string, n: number, take: number): Promise<Tagged<EditResult>> {
    return this.tagged("POST", `/jobs/${encodeURIComponent(id)}/timeline/ops`, { ops: [{ op: "select_take", scene: n, take }] });
  }

  versionTimeline(id: string, k: number): Promise<Timeline> {
    return this.request("GET", `/jobs/${encodeURIComponent(id)}/versions/${k}/timeline`);
  }

  /** Version k's timeline becomes the draft. */
  restoreVersion(id: string, k: number): Promise<Tagged<Timeline>> {
    return this.tagged("POST", `/jobs/${encodeURIComponent(id)}/versions/${k}/restore`);
  }

  // --- versions, review and delivery ---------------------------------------------------------

  private v(id: string, k: number, tail = ""): string {
    return `/jobs/${encodeURIComponent(id)}/versions/${k}${tail}`;
  }

  versions(id: string): Promise<VersionView[]> {
    return this.request("GET", `/jobs/${encodeURIComponent(id)}/versions`);
  }

  me(): Promise<Me> {
    return this.request("GET", "/me");
  }

  /** The people a job is shared with for review (by user id). */
  reviewers(id: string): Promise<Reviewers> {
    return this.request("GET", `/jobs/${encodeURIComponent(id)}/reviewers`);
  }

  /** Share the job with a reviewer: they see it, comment and decide, and cannot change it. */
  addReviewer(id: string, userId: string): Promise<Reviewers> {
    return this.request("POST", `/jobs/${encodeURIComponent(id)}/reviewers`, { user_id: userId });
  }

  removeReviewer(id: string, userId: string): Promise<Reviewers> {
    return this.request("DELETE", `/jobs/${encodeURIComponent(id)}/reviewers/${encodeURIComponent(userId)}`);
  }

  comments(id: string, k: number): Promise<Comments> {
    return this.request("GET", this.v(id, k, "/comments"));
  }

  addComment(id: string, k: number, c: CommentRequest): Promise<Comment> {
    return this.request("POST", this.v(id, k, "/comments"), c);
  }

  resolveComment(id: string, k: number, commentId: string, resolved = true): Promise<Comment> {
    return this.request("POST", this.v(id, k, `/comments/${encodeURIComponent(commentId)}/resolve`), { resolved });
  }

  review(id: string, k: number): Promise<VersionReview> {
    return this.request("GET", this.v(id, k, "/review"));
  }

  decide(id: string, k: number, d: DecisionRequest): Promise<DecisionRecord> {
    return this.request("POST", this.v(id, k, "/decision"), d);
  }

  audit(id: string): Promise<AuditTrail> {
    return this.request("GET", `/jobs/${encodeURIComponent(id)}/audit`);
  }

  rules(id: string, k: number): Promise<RuleSheet> {
    return this.request("GET", this.v(id, k, "/rules"));
  }

  shareLinks(id: string, k: number): Promise<ShareLink[]> {
    return this.request("GET", this.v(id, k, "/share"));
  }

  share(id: string, k: number, expiresInS: number): Promise<ShareLink> {
    return this.request("POST", this.v(id, k, "/share"), { expires_in_s: expiresInS });
  }

  revokeShare(id: string, k: number, linkId: string): Promise<ShareLink[]> {
    return this.request("DELETE", this.v(id, k, `/share/${encodeURIComponent(linkId)}`));
  }

  shared(token: string): Promise<SharedVersion> {
    return this.request("GET", `/shared/${encodeURIComponent(token)}`);
  }

  sharedComment(token: string, c: CommentRequest & { name: string }): Promise<Comment> {
    return this.request("POST", `/shared/${encodeURIComponent(token)}/comments`, c);
  }

  /** A file the API answers with a redirect to a signed link (the package zip, the audit export):
   *  fetched with the caller's sign-in, handed to the browser as a download. */
  async download(path: string, filename: string): Promise<void> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.url(path), { headers: await this.authHeaders() });
    } catch (err) {
      throw new ApiError(0, "Network error", `the download failed (${(err as Error).message})`);
    }
    if (!res.ok) throw await errorFrom(res);
    if (res.status === 202) res = await this.whenBuilt((await res.json()) as PackageStatus);
    const blob = await res.blob();
    const href = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = href;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 60_000);
  }

  /** A file built in the background (the package: 202 and its build's status): poll the status
   *  until it is ready, then fetch the file at its signed link. */
  private async whenBuilt(status: PackageStatus, pollMs = 1000, timeoutMs = 600_000): Promise<Response> {
    const deadline = Date.now() + timeoutMs;
    while (status.state === "building") {
      if (Date.now() > deadline) throw new ApiError(504, "Still building", "the package is still being built; try the download again in a minute");
      await new Promise((r) => setTimeout(r, pollMs));
      const res = await this.fetchImpl(this.assetUrl(status.status_url)!, { headers: await this.authHeaders() });
      if (!res.ok) throw await errorFrom(res);
      status = (await res.json()) as PackageStatus;
    }
    if (status.state === "failed" || !status.url) throw new ApiError(500, "Build failed", status.error ?? "building the package failed");
    const file = await this.fetchImpl(this.assetUrl(status.url)!);
    if (!file.ok) throw await errorFrom(file);
    return file;
  }

  packagePath(id: string, k: number): string {
    return this.v(id, k, "/package");
  }

  /** Any signed asset (the script, a report) read as JSON. */
  async assetJson<T>(url: string): Promise<T> {
    const res = await this.fetchImpl(this.assetUrl(url)!, { headers: { Accept: "application/json" } });
    if (!res.ok) throw await errorFrom(res);
    return (await res.json()) as T;
  }

  /** Ask for a signed upload URL, PUT the image there, and return the key for `product.image`. */
  async upload(file: File): Promise<UploadDone> {
    const ticket = await this.request<UploadTicket>("POST", "/uploads", {
      filename: file.name.slice(-200) || "product",
      content_type: file.type,
      size_bytes: file.size,
    });
    const sameOrigin = ticket.url.startsWith("/") || ticket.url.startsWith(this.base);
    let res: Response;
    try {
      res = await this.fetchImpl(this.assetUrl(ticket.url)!, {
        method: ticket.method ?? "PUT",
        headers: { ...ticket.headers, ...(sameOrigin ? await this.authHeaders() : {}) },
        body: file,
      });
    } catch (err) {
      throw new ApiError(0, "Network error", `the upload failed (${(err as Error).message})`);
    }
    if (!res.ok) throw await errorFrom(res);
    const type = res.headers.get("content-type") ?? "";
    if (type.includes("json")) return { ...((await res.json()) as UploadDone), key: ticket.key };
    return { key: ticket.key, content_type: file.type };
  }
}
