import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { event, FakeTransport } from "../test/helpers";
import { ApiError } from "./api";
import { BACKOFF_MAX_MS, ProgressClient, SseParser, backoffDelay, sseTransport, wsTransport, type ConnectionState } from "./progress";
import type { ProgressEvent } from "./types";

describe("backoffDelay", () => {
  it("doubles from 1 s and stops at 30 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(backoffDelay)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe("ProgressClient", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(lastSeq = 0) {
    const transport = new FakeTransport();
    const events: ProgressEvent[] = [];
    const states: ConnectionState[] = [];
    const client = new ProgressClient(transport, "job1", { lastSeq, onEvent: (e) => events.push(e), onState: (s) => states.push(s) }).start();
    return { transport, events, states, client };
  }

  it("reconnects after 1, 2, 4, 8, 16, 30, 30 s while connections keep failing", () => {
    const { transport, states } = setup();
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      const before = transport.connections.length;
      transport.last.h.onClose(new Error("network down"));
      const waiting = states[states.length - 1];
      expect(waiting.kind).toBe("waiting");
      const delay = (waiting as { delayMs: number }).delayMs;
      delays.push(delay);
      vi.advanceTimersByTime(delay - 1);
      expect(transport.connections.length).toBe(before); // not a millisecond early
      vi.advanceTimersByTime(1);
      expect(transport.connections.length).toBe(before + 1);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(Math.max(...delays)).toBe(BACKOFF_MAX_MS);
  });

  it("resumes after the last event it received and ignores repeats", () => {
    const { transport, events } = setup(3);
    expect(transport.last.lastSeq).toBe(3);
    transport.last.h.onOpen();
    transport.last.h.onEvent(event(3)); // already seen (the job read was at seq 3)
    transport.last.h.onEvent(event(4));
    transport.last.h.onEvent(event(5));
    transport.last.h.onClose(new Error("dropped"));
    vi.advanceTimersByTime(1000);
    expect(transport.connections).toHaveLength(2);
    expect(transport.last.lastSeq).toBe(5);
    transport.last.h.onEvent(event(5)); // the server replays from Last-Event-ID; a duplicate is dropped
    transport.last.h.onEvent(event(6));
    expect(events.map((e) => e.seq)).toEqual([4, 5, 6]);
  });

  it("goes back to a 1 s delay once a connection delivered an event", () => {
    const { transport, states } = setup();
    transport.last.h.onClose(new Error("x"));
    vi.advanceTimersByTime(1000);
    transport.last.h.onClose(new Error("x"));
    vi.advanceTimersByTime(2000);
    transport.last.h.onClose(new Error("x"));
    expect((states[states.length - 1] as { delayMs: number }).delayMs).toBe(4000);
    vi.advanceTimersByTime(4000);
    transport.last.h.onOpen();
    transport.last.h.onEvent(event(1));
    transport.last.h.onClose(); // a clean end before the job finished still reconnects
    expect((states[states.length - 1] as { delayMs: number }).delayMs).toBe(1000);
  });

  it("stops after a terminal status and never reconnects", () => {
    const { transport, states, events } = setup();
    transport.last.h.onEvent(event(1));
    transport.last.h.onEvent(event(2, { status: "completed", percent: 100 }));
    expect(transport.last.closed).toBe(true);
    expect(states[states.length - 1]).toEqual({ kind: "done" });
    transport.last.h.onClose();
    vi.advanceTimersByTime(120_000);
    expect(transport.connections).toHaveLength(1);
    expect(events).toHaveLength(2);
  });

  it("follows past a terminal status until `done`, resuming at once after the server's end of stream", () => {
    const transport = new FakeTransport();
    const states: ConnectionState[] = [];
    const seen: number[] = [];
    new ProgressClient(transport, "job1", {
      lastSeq: 30,
      done: (e) => e.tracks.compose?.state === "done",
      onEvent: (e) => seen.push(e.seq),
      onState: (s) => states.push(s),
    }).start();
    const completed = (seq: number, state: "running" | "done") =>
      event(seq, { status: "completed", tracks: { compose: { state, percent: 0, message: "", started_at: null, finished_at: null, asset: null } } });
    transport.last.h.onEvent(completed(31, "running"));
    expect(transport.last.closed).toBe(false); // a terminal status alone does not end it here
    transport.last.h.onClose(); // the SSE stream ends after that event
    expect(transport.connections).toHaveLength(2); // at once, no back-off
    expect(transport.last.lastSeq).toBe(31);
    transport.last.h.onClose(); // a clean end that brought nothing new backs off as before
    expect(transport.connections).toHaveLength(2);
    expect(states[states.length - 1]).toMatchObject({ kind: "waiting", delayMs: 1000 });
    vi.advanceTimersByTime(1000);
    transport.last.h.onEvent(completed(32, "done"));
    expect(transport.last.closed).toBe(true);
    expect(states[states.length - 1]).toEqual({ kind: "done" });
    vi.advanceTimersByTime(120_000);
    expect(transport.connections).toHaveLength(3);
    expect(seen).toEqual([31, 32]);
  });

  it("does not retry a refused request (404, 401) but does retry server errors", () => {
    const a = setup();
    a.transport.last.h.onClose(new ApiError(404, "Not found", "no job job1"));
    vi.advanceTimersByTime(60_000);
    expect(a.transport.connections).toHaveLength(1);
    expect(a.states[a.states.length - 1]).toEqual({ kind: "error", error: "no job job1" });

    const b = setup();
    b.transport.last.h.onClose(new ApiError(503, "Unavailable", "storage is unavailable"));
    vi.advanceTimersByTime(1000);
    expect(b.transport.connections).toHaveLength(2);
  });

  it("stop() closes the connection, cancels a pending retry and ignores late callbacks", () => {
    const { transport, client, events } = setup();
    const first = transport.last;
    first.h.onClose(new Error("x"));
    client.stop();
    vi.advanceTimersByTime(60_000);
    expect(transport.connections).toHaveLength(1);
    first.h.onEvent(event(9));
    expect(events).toHaveLength(0);
  });

  it("retryNow() skips the wait", () => {
    const { transport, client } = setup();
    transport.last.h.onClose(new Error("x"));
    transport.last.h.onClose(new Error("x")); // a second close of the same connection is ignored
    client.retryNow();
    expect(transport.connections).toHaveLength(2);
  });

  it("ignores events from a connection it has replaced", () => {
    const { transport, events } = setup();
    const old = transport.last;
    old.h.onClose(new Error("x"));
    vi.advanceTimersByTime(1000);
    old.h.onEvent(event(7));
    expect(events).toHaveLength(0);
  });
});

describe("SseParser", () => {
  it("parses events split anywhere across chunks, skipping comments", () => {
    const got: { event: string; id: string | null; data: string }[] = [];
    const p = new SseParser((m) => got.push(m));
    const text = 'retry: 1000\n\n: heartbeat\n\nevent: progress\nid: 4\ndata: {"a":1}\n\nevent: progress\r\nid: 5\r\ndata: line1\r\ndata: line2\r\n\r\n';
    for (const ch of text) p.push(ch);
    expect(got).toEqual([
      { event: "progress", id: "4", data: '{"a":1}' },
      { event: "progress", id: "5", data: "line1\nline2" },
    ]);
  });
});

function streamOf(chunks: string[], keepOpen = false): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const x of chunks) c.enqueue(enc.encode(x));
      if (!keepOpen) c.close();
    },
  });
}

describe("sseTransport", () => {
  const src = { url: (p: string) => `/api/v1${p}`, authHeaders: async () => ({ Authorization: "Bearer t" }) };
  const frame = (seq: number, status = "generating_videos") =>
    `event: progress\nid: ${seq}\ndata: ${JSON.stringify(event(seq, { status: status as ProgressEvent["status"] }))}\n\n`;

  it("sends Last-Event-ID and the token, delivers events, and reports the end of the stream", async () => {
    const fetchImpl = vi.fn(async () => new Response(streamOf(["retry: 1000\n\n", frame(4).slice(0, 20), frame(4).slice(20), frame(5, "completed")]), { status: 200 }));
    const got: number[] = [];
    const closed = new Promise<unknown>((resolve) => {
      sseTransport(src, fetchImpl as unknown as typeof fetch).open("job1", 3, { onOpen: () => undefined, onEvent: (e) => got.push(e.seq), onClose: resolve });
    });
    expect(await closed).toBeUndefined();
    expect(got).toEqual([4, 5]);
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/jobs/job1/progress");
    expect(init.headers).toMatchObject({ "Last-Event-ID": "3", Authorization: "Bearer t", Accept: "text/event-stream" });
  });

  it("turns an error answer into an ApiError the client will not retry", async () => {
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify({ detail: "no job job1" }), { status: 404 }));
    const err = await new Promise<unknown>((resolve) => {
      sseTransport(src, fetchImpl as unknown as typeof fetch).open("job1", 0, { onOpen: () => undefined, onEvent: () => undefined, onClose: resolve });
    });
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
    expect((err as ApiError).retryable).toBe(false);
  });

  it("gives up on a silent stream (no heartbeat) so the client reconnects", async () => {
    vi.useFakeTimers();
    try {
      const fetchImpl = vi.fn(async () => new Response(streamOf([frame(1)], true), { status: 200 }));
      let closedWith: unknown = "open";
      sseTransport(src, fetchImpl as unknown as typeof fetch, 45_000).open("job1", 0, {
        onOpen: () => undefined,
        onEvent: () => undefined,
        onClose: (e) => (closedWith = e),
      });
      await vi.advanceTimersByTimeAsync(44_000);
      expect(closedWith).toBe("open");
      await vi.advanceTimersByTimeAsync(2_000);
      expect(closedWith).toBeInstanceOf(Error);
      expect(String((closedWith as Error).message)).toMatch(/heartbeat/);
    } finally {
      vi.useRealTimers();
    }
  });
});

class FakeWs {
  static last: FakeWs;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((e: { code: number; wasClean: boolean }) => void) | null = null;
  onerror: (() => void) | null = null;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
    FakeWs.last = this;
  }
  send(s: string) {
    this.sent.push(s);
  }
  close() {
    this.onclose?.({ code: 1000, wasClean: true });
  }
}

describe("wsTransport", () => {
  it("subscribes with the last seq, passes on this job's events, and reports drops", async () => {
    const got: number[] = [];
    let closed: unknown = "open";
    const t = wsTransport({ wsUrl: "wss://ws.example/prod", token: async () => "tok" }, FakeWs as unknown as typeof WebSocket);
    t.open("job1", 7, { onOpen: () => undefined, onEvent: (e) => got.push(e.seq), onClose: (e) => (closed = e) });
    await Promise.resolve();
    const ws = FakeWs.last;
    expect(ws.url).toBe("wss://ws.example/prod?token=tok");
    ws.onopen?.();
    expect(JSON.parse(ws.sent[0])).toEqual({ action: "subscribe", job_id: "job1", last_seq: 7 });
    ws.onmessage?.({ data: JSON.stringify(event(8)) });
    ws.onmessage?.({ data: JSON.stringify(event(9, { job_id: "other" })) });
    ws.onmessage?.({ data: "not json" });
    expect(got).toEqual([8]);
    ws.onclose?.({ code: 1006, wasClean: false });
    expect(closed).toBeInstanceOf(Error);
  });

  it("reports an authorization close as fatal", async () => {
    let closed: unknown;
    wsTransport({ wsUrl: "wss://ws.example/prod", token: async () => null }, FakeWs as unknown as typeof WebSocket).open("job1", 0, {
      onOpen: () => undefined,
      onEvent: () => undefined,
      onClose: (e) => (closed = e),
    });
    await Promise.resolve();
    FakeWs.last.onclose?.({ code: 4401, wasClean: true });
    expect(closed).toBeInstanceOf(ApiError);
    expect((closed as ApiError).retryable).toBe(false);
  });
});
