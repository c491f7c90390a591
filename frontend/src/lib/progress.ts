// One progress client over two transports: SSE from the local server, WebSocket on AWS.
//
// The client keeps the last event's seq, drops anything it has already seen, and when a
// connection ends before the job has finished it reconnects after 1 s, 2 s, 4 s … capped at
// 30 s, resuming after the last event (SSE `Last-Event-ID`, WebSocket `last_seq`). The delay
// goes back to 1 s once a connection delivers an event. A refused request (401/403/404) is not
// retried. The client stops by itself after a terminal status, or after the event its `done`
// says ends the work it follows (a re-compose of a completed job: every event of it carries
// the terminal status "completed", and the server ends an SSE stream after each such event, so
// the client resumes at once after that expected end rather than backing off).

import { ApiError } from "./api";
import type { ProgressEvent } from "./types";
import { isTerminal } from "./types";

export const BACKOFF_INITIAL_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;
/** The server sends an SSE heartbeat every 15 s; a silent stream for this long is dead. */
export const SSE_IDLE_MS = 45_000;

export function backoffDelay(attempt: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.max(0, attempt));
}

export interface TransportHandlers {
  onOpen(): void;
  onEvent(event: ProgressEvent): void;
  /** The connection ended; `error` says why when it was not a clean end of stream. */
  onClose(error?: unknown): void;
}

/** Opens one connection for one job, delivering events after `lastSeq`; returns a closer. */
export interface Transport {
  readonly kind: "sse" | "websocket";
  open(jobId: string, lastSeq: number, handlers: TransportHandlers): () => void;
}

export type ConnectionState =
  | { kind: "connecting"; attempt: number }
  | { kind: "open" }
  | { kind: "waiting"; attempt: number; delayMs: number; retryAt: number; error?: string }
  | { kind: "done" }
  | { kind: "error"; error: string };

export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export interface ProgressClientOptions {
  onEvent(event: ProgressEvent): void;
  onState?(state: ConnectionState): void;
  /** Resume after this seq (e.g. the job's seq when it was fetched). */
  lastSeq?: number;
  /** Whether this event ends what the client follows; by default a terminal job status. */
  done?(event: ProgressEvent): boolean;
  scheduler?: Scheduler;
}

function fatal(error: unknown): boolean {
  return error instanceof ApiError && !error.retryable;
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return error instanceof Error ? error.message : String(error);
}

export class ProgressClient {
  private readonly transport: Transport;
  private readonly jobId: string;
  private readonly opts: ProgressClientOptions;
  private readonly sched: Scheduler;
  private closer: (() => void) | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private stopped = false;
  private finished = false;
  private generation = 0;
  /** The open connection delivered a terminal status the client follows past (see above). */
  private pastTerminal = false;
  lastSeq: number;
  state: ConnectionState = { kind: "connecting", attempt: 0 };

  constructor(transport: Transport, jobId: string, opts: ProgressClientOptions) {
    this.transport = transport;
    this.jobId = jobId;
    this.opts = opts;
    this.sched = opts.scheduler ?? realScheduler;
    this.lastSeq = opts.lastSeq ?? 0;
  }

  start(): this {
    this.stopped = false;
    this.connect();
    return this;
  }

  /** Stop for good (the view went away). */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
    this.closeConnection();
  }

  /** Reconnect now instead of waiting (e.g. the browser came back online). */
  retryNow(): void {
    if (this.stopped || this.finished || this.state.kind !== "waiting") return;
    this.clearTimer();
    this.connect();
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    this.opts.onState?.(state);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.sched.clearTimeout(this.timer);
    this.timer = null;
  }

  private closeConnection(): void {
    const close = this.closer;
    this.closer = null;
    this.generation++;
    close?.();
  }

  private connect(): void {
    this.closeConnection();
    const gen = this.generation;
    const live = () => gen === this.generation && !this.stopped && !this.finished;
    this.pastTerminal = false;
    this.setState({ kind: "connecting", attempt: this.attempt });
    this.closer = this.transport.open(this.jobId, this.lastSeq, {
      onOpen: () => {
        if (live()) this.setState({ kind: "open" });
      },
      onEvent: (event) => {
        if (!live() || event.job_id !== this.jobId || event.seq <= this.lastSeq) return;
        this.lastSeq = event.seq;
        this.attempt = 0;
        if (this.state.kind !== "open") this.setState({ kind: "open" });
        this.opts.onEvent(event);
        if (this.opts.done ? this.opts.done(event) : isTerminal(event.status)) {
          this.finished = true;
          this.closeConnection();
          this.setState({ kind: "done" });
        } else if (isTerminal(event.status)) this.pastTerminal = true;
      },
      onClose: (error) => {
        if (!live()) return;
        this.closer = null;
        this.generation++;
        if (fatal(error)) {
          this.setState({ kind: "error", error: describe(error) ?? "refused" });
          return;
        }
        if (error === undefined && this.pastTerminal) {
          this.connect(); // the server's end of stream after a terminal status, not a failure
          return;
        }
        const delayMs = backoffDelay(this.attempt);
        this.attempt++;
        this.setState({ kind: "waiting", attempt: this.attempt, delayMs, retryAt: this.sched.now() + delayMs, error: describe(error) });
        this.timer = this.sched.setTimeout(() => {
          this.timer = null;
          if (!this.stopped && !this.finished) this.connect();
        }, delayMs);
      },
    });
  }
}

// --- SSE over fetch (so it can send Authorization and Last-Event-ID, and we own reconnects) ---

export interface SseMessage {
  event: string;
  id: string | null;
  data: string;
}

/** An incremental parser of the text/event-stream format (WHATWG HTML, server-sent events). */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private id: string | null = null;
  private readonly emit: (m: SseMessage) => void;

  constructor(emit: (m: SseMessage) => void) {
    this.emit = emit;
  }

  push(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      const width = this.buffer.startsWith("\r\n", nl) ? 2 : 1;
      // A lone \r at the very end may be the first half of \r\n: wait for more.
      if (width === 1 && this.buffer[nl] === "\r" && nl === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(nl + width);
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === "") {
      if (this.data.length) this.emit({ event: this.event || "message", id: this.id, data: this.data.join("\n") });
      this.data = [];
      this.event = "";
      return;
    }
    if (line.startsWith(":")) return; // comment (heartbeat)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
  }
}

export interface SseSource {
  url(path: string): string;
  authHeaders(): Promise<Record<string, string>>;
}

export function sseTransport(api: SseSource, fetchImpl: typeof fetch = (i, o) => fetch(i, o), idleMs = SSE_IDLE_MS): Transport {
  return {
    kind: "sse",
    open(jobId, lastSeq, h) {
      const ctrl = new AbortController();
      let idle: ReturnType<typeof setTimeout> | undefined;
      const poke = () => {
        clearTimeout(idle);
        idle = setTimeout(() => ctrl.abort(new Error("no data or heartbeat for too long")), idleMs);
      };
      (async () => {
        const headers: Record<string, string> = { Accept: "text/event-stream", ...(await api.authHeaders()) };
        if (lastSeq > 0) headers["Last-Event-ID"] = String(lastSeq);
        poke();
        const res = await fetchImpl(api.url(`/jobs/${encodeURIComponent(jobId)}/progress`), {
          headers,
          cache: "no-store",
          signal: ctrl.signal,
        });
        if (!res.ok || !res.body) {
          let detail = `progress stream answered ${res.status}`;
          try {
            const body = (await res.json()) as { detail?: string };
            if (body.detail) detail = body.detail;
          } catch {
            /* not JSON */
          }
          throw new ApiError(res.status, res.statusText, detail);
        }
        h.onOpen();
        const parser = new SseParser((m) => {
          if (m.event !== "progress") return;
          try {
            h.onEvent(JSON.parse(m.data) as ProgressEvent);
          } catch {
            /* a malformed event is skipped; the next one carries the whole state */
          }
        });
        const reader = res.body.getReader();
        // Not every fetch errors a body it has handed out when aborted: cancel it ourselves.
        ctrl.signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined), { once: true });
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          poke();
          parser.push(decoder.decode(value, { stream: true }));
        }
        parser.push(decoder.decode());
      })().then(
        () => {
          clearTimeout(idle);
          h.onClose(ctrl.signal.aborted ? ctrl.signal.reason : undefined);
        },
        (err: unknown) => {
          clearTimeout(idle);
          h.onClose(ctrl.signal.aborted && ctrl.signal.reason ? ctrl.signal.reason : err);
        },
      );
      return () => {
        clearTimeout(idle);
        ctrl.abort(new Error("closed by the client"));
      };
    },
  };
}

// --- WebSocket (API Gateway on AWS; the local server has the same protocol at /api/v1/ws) ---

export interface WsSource {
  wsUrl: string;
  token(): Promise<string | null>;
}

type WsCtor = new (url: string) => WebSocket;

export function wsTransport(src: WsSource, WS: WsCtor = WebSocket): Transport {
  return {
    kind: "websocket",
    open(jobId, lastSeq, h) {
      let ws: WebSocket | null = null;
      let closed = false;
      let ended = false;
      const end = (error?: unknown) => {
        if (ended) return;
        ended = true;
        h.onClose(error);
      };
      src.token().then(
        (token) => {
          if (closed) return;
          const url = new URL(src.wsUrl, location.href);
          if (token) url.searchParams.set("token", token);
          ws = new WS(url.toString());
          ws.onopen = () => {
            ws?.send(JSON.stringify({ action: "subscribe", job_id: jobId, last_seq: lastSeq }));
            h.onOpen();
          };
          ws.onmessage = (m: MessageEvent) => {
            let msg: Record<string, unknown>;
            try {
              msg = JSON.parse(String(m.data)) as Record<string, unknown>;
            } catch {
              return;
            }
            if (typeof msg.error === "string") {
              if (!msg.job_id || msg.job_id === jobId) {
                end(new ApiError(404, "Not found", msg.error));
                ws?.close();
              }
              return;
            }
            if (msg.job_id === jobId && typeof msg.seq === "number") h.onEvent(msg as unknown as ProgressEvent);
          };
          ws.onerror = () => {
            /* onclose follows and decides */
          };
          ws.onclose = (e: CloseEvent) => {
            if (e.code === 4401 || e.code === 4403) end(new ApiError(401, "Unauthorized", "the WebSocket refused the sign-in; sign in again"));
            else end(e.wasClean && e.code === 1000 ? undefined : new Error(`WebSocket closed (${e.code})`));
          };
        },
        (err: unknown) => end(err),
      );
      return () => {
        closed = true;
        ended = true;
        ws?.close(1000);
      };
    },
  };
}
