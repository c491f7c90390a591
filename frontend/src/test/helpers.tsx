// Test doubles: a fetch that answers like the API, a progress transport the test drives, and
// a render helper that provides both to the views.

import { render, waitFor } from "@testing-library/react";
import type { ReactElement, ReactNode } from "react";
import { vi } from "vitest";
import { Api } from "../lib/api";
import { LOCAL_CONFIG } from "../lib/config";
import type { Transport, TransportHandlers } from "../lib/progress";
import { ServicesProvider } from "../lib/services";
import type { ComplianceReport, Job, Me, ProgressEvent, Timeline, TrackProgress } from "../lib/types";

export interface Req {
  method: string;
  url: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

type Handler = (req: Req, match: RegExpMatchArray) => unknown;

export const json = (body: unknown, status = 200, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": type } });

export const problem = (status: number, detail: string, errors?: { field: string; message: string }[]) =>
  json({ type: "about:blank", title: status === 422 ? "Invalid input" : "Error", status, detail, ...(errors ? { errors } : {}) }, status, "application/problem+json");

/** A fetch answering `[method, path regex, handler]` routes; a handler may return a Response or
 *  any JSON value (200). Unmatched requests answer 404 problem+json. Every request is recorded. */
export function fakeFetch(routes: [string, RegExp, Handler][]) {
  const calls: Req[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = (init?.method ?? "GET").toUpperCase();
    const path = url.replace(/^https?:\/\/[^/]+/, "").split("?")[0];
    let body: unknown = init?.body;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch {
        /* keep text */
      }
    }
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>));
    const req = { method, url, path, body, headers };
    calls.push(req);
    for (const [m, re, handler] of routes) {
      const match = path.match(re);
      if (m === method && match) {
        const out = await handler(req, match);
        return out instanceof Response ? out : json(out);
      }
    }
    return problem(404, `no route for ${method} ${path}`);
  });
  return Object.assign(fn as unknown as typeof fetch, { calls });
}

/** `first`'s routes, then `rest`'s for what `first` has no route for (its 404). */
export function layered(first: typeof fetch, rest: typeof fetch): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const r = await first(input, init);
    return r.status === 404 ? rest(input, init) : r;
  }) as typeof fetch;
}

/** A transport whose connections the test opens, feeds and closes by hand. */
export class FakeTransport implements Transport {
  readonly kind = "sse" as const;
  connections: { jobId: string; lastSeq: number; h: TransportHandlers; closed: boolean }[] = [];

  open(jobId: string, lastSeq: number, h: TransportHandlers) {
    const c = { jobId, lastSeq, h, closed: false };
    this.connections.push(c);
    return () => {
      c.closed = true;
    };
  }

  get last() {
    return this.connections[this.connections.length - 1];
  }

  /** The newest connection once the view has opened one: views open it in an effect, which
   * can run after the render a `findBy*` query has already seen. */
  async opened() {
    await waitFor(() => {
      if (!this.connections.length) throw new Error("no connection opened yet");
    });
    return this.last;
  }
}

interface ServiceOptions {
  fetch: typeof fetch;
  transport?: Transport;
  /** Who is signed in (GET /me); left out, the app knows nobody and shows every control. */
  me?: Me;
}

/** The services a view or hook gets (local mode, no sign-in), over this fetch and transport. */
export function withServices(opts: ServiceOptions) {
  const api = new Api("/api/v1", async () => null, opts.fetch);
  const transport = opts.transport ?? new FakeTransport();
  const wrapper = ({ children }: { children: ReactNode }) => <ServicesProvider value={{ config: LOCAL_CONFIG, api, auth: null, transport, me: opts.me }}>{children}</ServicesProvider>;
  return { api, transport, wrapper };
}

/** A signed-in person: `roles` as the users file or Cognito groups give them. */
export const person = (user_id: string, roles: Me["roles"], name = ""): Me => ({ user_id, name, roles, allow_self_approval: false });

export function renderWithServices(ui: ReactElement, opts: ServiceOptions) {
  const { api, transport, wrapper } = withServices(opts);
  return { api, transport, ...render(ui, { wrapper }) };
}

// --- fixtures ---------------------------------------------------------------------------------

export const BRIEF = {
  prompt: "A hopeful short spot about getting back to the garden",
  duration_s: 15,
  style: "warm",
  aspect_ratio: "16:9" as const,
  resolution: "360p" as const,
  continuity: "parallel" as const,
  ad_type: "product_claim" as const,
  loudness: "broadcast" as const,
  seed: 0,
  music_mood: null,
  product: {
    brand_name: "Veltrexa",
    generic_name: "veltrexamab",
    indication: "plaque psoriasis in adults",
    dosage: null,
    side_effects: ["serious infections"],
    contraindications: [],
    boxed_warning: null,
    image: null,
    phone: "1-800-555-0142",
    website: "veltrexa.example",
    print_ad: "See our ad in Health Today",
  },
};

export const track = (state: TrackProgress["state"], percent = 0, extra: Partial<TrackProgress> = {}): TrackProgress => ({
  state,
  percent,
  message: "",
  started_at: null,
  finished_at: null,
  asset: null,
  ...extra,
});

export function makeJob(over: Partial<Job> = {}): Job {
  return {
    job_id: "job1",
    user_id: "local",
    brief: BRIEF,
    status: "queued",
    stage: "queued",
    percent: 0,
    message: "Queued",
    tracks: {},
    error: null,
    created_at: "2026-01-02T10:00:00Z",
    updated_at: "2026-01-02T10:00:00Z",
    finished_at: null,
    assets: { brief: "users/local/jobs/job1/brief.json" },
    cost_usd: 0,
    provider_calls: [],
    usage: [],
    predictions: {},
    compliance: null,
    qc: null,
    versions: [],
    step_seconds: {},
    renders: 0,
    takes: [],
    refusal: null,
    draft: null,
    title: "",
    campaign: "",
    source_job: null,
    deleted_at: null,
    seq: 1,
    urls: {},
    ...over,
  };
}

export function event(seq: number, over: Partial<ProgressEvent> = {}): ProgressEvent {
  return {
    job_id: "job1",
    seq,
    status: "generating_videos",
    stage: "generating_videos",
    percent: 20,
    message: "",
    tracks: {},
    updated_at: "2026-01-02T10:00:05Z",
    ...over,
  };
}

const K = "users/local/jobs/job1/";
/** A text item's look, as omnigen/timeline.py's defaults give it. */
const PLATE = { cap_height: 0.045, color: "#FFFFFF", plate_color: "#000000", plate_opacity: 0.75 };
export function makeTimeline(): Timeline {
  return {
    version: 1,
    output: { width: 640, height: 360, fps: 24, loudness_lufs: -24, true_peak_db: -2, crf: 20, preset: "veryfast", safe_margin: 0.05, animatic: false },
    clips: [
      { scene_index: 1, asset: `${K}clips/scene_1.mp4`, in_s: 0, out_s: 4, transition: "cut", transition_s: 0 },
      { scene_index: 2, asset: `${K}clips/scene_2.mp4`, in_s: 0, out_s: 5, transition: "cut", transition_s: 0 },
      { scene_index: 3, asset: `${K}clips/scene_3.mp4`, in_s: 0, out_s: 6, transition: "cut", transition_s: 0 },
    ],
    voice: [
      { scene_index: 1, asset: `${K}audio/voice/line_1.wav`, text: "Back to the roses.", start_s: 0.5, duration_s: 2, major_statement: false },
      { scene_index: 3, asset: `${K}audio/voice/line_2.wav`, text: "Serious infections can happen.", start_s: 9.5, duration_s: 4, major_statement: true },
    ],
    music: { asset: `${K}audio/background.mp3`, gain_db: -12, duck_db: 15, duck_attack_s: 0.2, duck_release_s: 0.5, fade_in_s: 1, fade_out_s: 2 },
    texts: [
      { kind: "super", text: "Veltrexa (veltrexamab)", start_s: 0.5, end_s: 3.5, position: "lower_third", ...PLATE, scene_index: 1 },
      { kind: "major_statement", text: "Serious infections can happen.", start_s: 9.5, end_s: 13.5, position: "lower_third", ...PLATE, scene_index: 3 },
    ],
  };
}

export const REPORT: ComplianceReport = {
  findings: [
    { rule: "MS-DISTRACTION", severity: "error", scene: 3, start_s: 9, end_s: 12, message: "a cut shorter than 3 s during the major statement", source: "21 CFR 202.1(e)(1)(ii)(E)" },
    { rule: "MS-LANGUAGE", severity: "warning", scene: 2, start_s: 4.5, end_s: 6, message: "'pruritus' is jargon; say 'itching'", source: "21 CFR 202.1(e)(1)(ii)(A)" },
    { rule: "AP-HCP", severity: "warning", scene: null, start_s: null, end_s: null, message: "no 'ask your healthcare provider'", source: "21 CFR 202.1(e)(1) adequate provision" },
  ],
  errors: 1,
  warnings: 2,
  version: 1,
};
