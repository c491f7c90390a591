import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FakeTransport, event, fakeFetch, json, makeJob, problem, track, withServices } from "../test/helpers";
import { ApiError } from "./api";
import { useJob } from "./hooks";
import { recomposeNotice, useRecompose, type RecomposeState } from "./recompose";
import type { Job, ProgressEvent, TrackProgress } from "./types";

const FIRST = { started_at: "2026-01-02T10:01:00Z", finished_at: "2026-01-02T10:01:30Z" };
const SECOND = { started_at: "2026-01-02T10:09:00Z" };

/** A finished job with `renders` versions; its compose track is the last render's. */
const finished = (renders: number, seq: number, compose: TrackProgress = track("done", 100, FIRST)): Job =>
  makeJob({ status: "completed", stage: "completed", percent: 100, renders, seq, tracks: { script: track("done", 100), compose }, urls: { output: `/api/v1/assets/x/final/v${renders}.mp4?exp=9999999999&sig=s` } });

/** A progress event of a re-compose: the job stays "completed"; only its compose track moves. */
const composeEvent = (seq: number, compose: TrackProgress): ProgressEvent =>
  event(seq, { status: "completed", stage: "completed", percent: 100, tracks: { script: track("done", 100), compose } });

/** The API of a finished job at seq 30: `job` is what GET answers (the test moves it on). */
function api(compose: () => Response | unknown = () => json({ job_id: "job1", version: 2, output_key: "users/local/jobs/job1/final/v2.mp4" }, 202)) {
  const state = { job: finished(1, 30) };
  const f = fakeFetch([
    ["GET", /\/jobs\/job1$/, () => state.job],
    ["POST", /\/jobs\/job1\/compose$/, () => compose()],
  ]);
  return { state, f };
}

function setup(server = api()) {
  const transport = new FakeTransport();
  const { wrapper } = withServices({ fetch: server.f, transport });
  const hook = renderHook(
    () => {
      const { reload } = useJob("job1");
      return useRecompose("job1", reload);
    },
    { wrapper },
  );
  return { ...server, transport, hook };
}

/** Start a re-compose; the promise of how it ends. */
function start(hook: { result: { current: { start(): Promise<RecomposeState | null> } } }) {
  let outcome!: Promise<RecomposeState | null>;
  act(() => {
    outcome = hook.result.current.start();
  });
  return outcome;
}

describe("useRecompose", () => {
  it("follows a compose through its progress events to the new version", async () => {
    const { state, f, transport, hook } = setup();
    const outcome = start(hook);
    const conn = await transport.opened();
    expect(conn.lastSeq).toBe(30); // the events after the job as it was read just before the render
    expect(f.calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/api/v1/jobs/job1/compose"]);
    expect(recomposeNotice(hook.result.current.state)).toEqual({ kind: "info", text: "Rendering version 2…" });

    act(() => {
      conn.h.onOpen();
      conn.h.onEvent(composeEvent(31, track("running", 0, SECOND)));
      conn.h.onEvent(composeEvent(32, track("running", 42.4, SECOND)));
    });
    expect(hook.result.current.state).toEqual({ kind: "rendering", version: 2, percent: 42.4 });
    expect(recomposeNotice(hook.result.current.state)?.text).toBe("Rendering version 2… 42%");

    // The local server ends its SSE stream after each event with a terminal status (every event
    // of a re-compose has one): the client resumes at once after the last event.
    act(() => conn.h.onClose());
    expect(transport.connections).toHaveLength(2);
    const next = transport.last;
    expect(next.lastSeq).toBe(32);

    state.job = finished(2, 34, track("done", 100, { ...SECOND, finished_at: "2026-01-02T10:09:20Z" }));
    act(() => {
      next.h.onEvent(composeEvent(33, track("running", 100, SECOND)));
      next.h.onEvent(composeEvent(34, state.job.tracks.compose));
    });
    const end = await act(() => outcome);
    expect(end).toMatchObject({ kind: "ready", version: 2, job: { renders: 2, urls: { output: expect.stringContaining("/final/v2.mp4") } } });
    expect(hook.result.current.state).toMatchObject({ kind: "ready", version: 2 });
    expect(recomposeNotice(hook.result.current.state)).toEqual({ kind: "success", text: "Version 2 is ready." });
    expect(next.closed).toBe(true); // done: nothing is left open
    expect(transport.connections).toHaveLength(2);
  });

  it("reports a failed compose with the reason its track gives", async () => {
    const { transport, hook } = setup();
    const outcome = start(hook);
    const conn = await transport.opened();
    act(() => {
      conn.h.onEvent(composeEvent(31, track("running", 0, SECOND)));
      conn.h.onEvent(composeEvent(32, track("failed", 0, { ...SECOND, finished_at: "2026-01-02T10:09:05Z", message: "ffmpeg exited with status 1" })));
    });
    expect(await act(() => outcome)).toEqual({ kind: "failed", version: 2, message: "Version 2 was not made: ffmpeg exited with status 1." });
    expect(recomposeNotice(hook.result.current.state)).toEqual({ kind: "error", text: "Version 2 was not made: ffmpeg exited with status 1." });
    expect(conn.closed).toBe(true);
  });

  it("reports a compose that failed before it started (its track keeps the last run's start)", async () => {
    const { transport, hook } = setup();
    const outcome = start(hook);
    const conn = await transport.opened();
    act(() => conn.h.onEvent(composeEvent(31, track("failed", 100, { ...FIRST, finished_at: "2026-01-02T10:09:01Z", message: "the job was cancelled" }))));
    expect(await act(() => outcome)).toMatchObject({ kind: "failed", version: 2, message: "Version 2 was not made: the job was cancelled." });
  });

  it("says why the API refused to start a render, and follows nothing", async () => {
    const { transport, hook } = setup(api(() => problem(409, "job job1 is already composing")));
    expect(await act(() => hook.result.current.start())).toEqual({ kind: "failed", version: null, message: "Re-compose failed: job job1 is already composing" });
    expect(transport.connections).toHaveLength(0);
  });

  it("keeps following past a render that finished before this one", async () => {
    const { state, transport, hook } = setup();
    const outcome = start(hook);
    const conn = await transport.opened();
    // Another tab's render ended after the read: the job does not have version 2 yet.
    const other = track("done", 100, { started_at: "2026-01-02T10:05:00Z", finished_at: "2026-01-02T10:05:30Z" });
    act(() => conn.h.onEvent(composeEvent(31, other)));
    await waitFor(() => expect(transport.connections).toHaveLength(2));
    expect(transport.last.lastSeq).toBe(31);
    expect(hook.result.current.state).toEqual({ kind: "rendering", version: 2, percent: null });

    const ours = track("done", 100, { ...SECOND, finished_at: "2026-01-02T10:09:20Z" });
    state.job = finished(2, 32, ours);
    act(() => transport.last.h.onEvent(composeEvent(32, ours)));
    expect(await act(() => outcome)).toMatchObject({ kind: "ready", version: 2 });
  });

  it("says so when the progress stream is refused", async () => {
    const { transport, hook } = setup();
    const outcome = start(hook);
    const conn = await transport.opened();
    act(() => conn.h.onClose(new ApiError(401, "Unauthorized", "sign in again")));
    expect(await act(() => outcome)).toEqual({
      kind: "failed",
      version: 2,
      message: "Version 2 is rendering, but its progress cannot be followed (sign in again); reload the page to see it.",
    });
  });

  it("stops following when the view goes away", async () => {
    const { transport, hook } = setup();
    const outcome = start(hook);
    const conn = await transport.opened();
    hook.unmount();
    expect(conn.closed).toBe(true);
    expect(await act(() => outcome)).toBeNull();
  });
});
