// Re-compose: render the saved timeline as the next version and follow it to the end over the
// job's live progress (the app's progress client: SSE locally, the WebSocket on AWS), then read
// the job again for the new version's signed URLs. No polling: the events say when it is over.
//
// Every event of a re-compose carries the job's status "completed" (a re-compose never changes
// it), so the client is told that the compose track finishing ends the work, not the status.

import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "./api";
import { plainMessage } from "./plain";
import { ProgressClient } from "./progress";
import { useServices } from "./services";
import type { Job, ProgressEvent, TrackProgress } from "./types";

export type RecomposeState =
  | { kind: "idle" }
  | { kind: "rendering"; version: number; percent: number | null }
  | { kind: "ready"; version: number; job: Job }
  /** `version` is null when the API refused to start the render. */
  | { kind: "failed"; version: number | null; message: string };

export interface Recompose {
  state: RecomposeState;
  /** Render the saved timeline; resolves with how it ended (null if the view went away first). */
  start(): Promise<Extract<RecomposeState, { kind: "ready" | "failed" }> | null>;
}

/** What the workspace's status line says about a re-compose. */
export function recomposeNotice(s: RecomposeState): { kind: "info" | "success" | "error"; text: string } | null {
  switch (s.kind) {
    case "idle":
      return null;
    case "rendering":
      return { kind: "info", text: `Rendering version ${s.version}…${s.percent === null ? "" : ` ${Math.round(s.percent)}%`}` };
    case "ready":
      return { kind: "success", text: `Version ${s.version} is ready.` };
    case "failed":
      return { kind: "error", text: s.message };
  }
}

/** The compose track has finished a run other than the one `before` shows (a run's end is the
 *  one time both "done" and "failed" stamp, also when it failed before it could start). */
export function composeFinished(track: TrackProgress | undefined, before: TrackProgress | undefined): boolean {
  return !!track && (track.state === "done" || track.state === "failed") && (track.finished_at ?? null) !== (before?.finished_at ?? null);
}

class Gone extends Error {}

export function useRecompose(jobId: string, reload: () => Promise<Job | null>): Recompose {
  const { api, transport } = useServices();
  const [state, setState] = useState<RecomposeState>({ kind: "idle" });
  /** Ends the progress client of the render being followed (the view went away). */
  const abandon = useRef<(() => void) | null>(null);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
      abandon.current?.();
    };
  }, []);

  /** The first event after `after` in which the compose track finishes a run newer than `before`. */
  const follow = useCallback(
    (after: number, before: TrackProgress | undefined, version: number) =>
      new Promise<ProgressEvent>((resolve, reject) => {
        const client = new ProgressClient(transport, jobId, {
          lastSeq: after,
          done: (e) => composeFinished(e.tracks.compose, before),
          onEvent: (e) => {
            const track = e.tracks.compose;
            if (composeFinished(track, before)) resolve(e);
            else if (track?.state === "running" && alive.current) setState({ kind: "rendering", version, percent: track.percent });
          },
          onState: (s) => {
            if (s.kind === "error") reject(new Error(`Version ${version} is rendering, but its progress cannot be followed (${s.error}); reload the page to see it.`));
          },
        }).start();
        abandon.current = () => {
          client.stop();
          reject(new Gone());
        };
      }).finally(() => {
        abandon.current = null;
      }),
    [transport, jobId],
  );

  const start = useCallback(async () => {
    const end = (s: Extract<RecomposeState, { kind: "ready" | "failed" }>) => {
      if (!alive.current) return null;
      setState(s);
      return s;
    };
    // The job as it is now: the events after its seq are this render's. (The API refuses a
    // render while one runs; one that another tab starts and finishes between this read and
    // ours is skipped below, as its end does not bring this version.)
    const current = await reload();
    if (!alive.current) return null;
    if (!current) return end({ kind: "failed", version: null, message: "Re-compose failed: the job cannot be read." });
    let version: number;
    try {
      version = (await api.compose(jobId)).version;
    } catch (e) {
      return end({ kind: "failed", version: null, message: `Re-compose failed: ${e instanceof ApiError || e instanceof Error ? e.message : String(e)}` });
    }
    if (!alive.current) return null;
    setState({ kind: "rendering", version, percent: null });
    let after = current.seq;
    let before = current.tracks.compose;
    try {
      for (;;) {
        const e = await follow(after, before, version);
        const track = e.tracks.compose!;
        if (track.state === "failed") return end({ kind: "failed", version, message: `Version ${version} was not made: ${plainMessage(track.message)}.`.replace(/\.\.$/, ".") });
        const job = await reload();
        if (!alive.current) return null;
        if (!job) return end({ kind: "failed", version, message: `Version ${version} was rendered, but the job cannot be read again; reload the page to see it.` });
        if (job.renders >= version) return end({ kind: "ready", version, job });
        // A render that ended between the read above and ours starting: keep following.
        after = e.seq;
        before = track;
      }
    } catch (e) {
      if (e instanceof Gone) return null;
      return end({ kind: "failed", version, message: (e as Error).message });
    }
  }, [api, jobId, reload, follow]);

  return { state, start };
}
