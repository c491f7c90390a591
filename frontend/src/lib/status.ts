// Progress in a producer's words: tracks by name ("Scene 3", not "scene_3"), the job's status
// line without the pipeline's internal names, and what a track that will not run now is.

import type { JobStatus, TrackProgress, TrackState } from "./types";

const TRACK_LABELS: Record<string, string> = { script: "Script", music: "Music", voiceover: "Voiceover", compose: "Compose", qc: "Quality check" };

/** "scene_3" → "Scene 3", "compose" → "Final cut"; any other name with its underscores gone. */
export function trackLabel(name: string): string {
  const scene = /^scene_(\d+)$/.exec(name);
  if (scene) return `Scene ${scene[1]}`;
  const label = TRACK_LABELS[name] ?? name.replace(/_/g, " ");
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** The pipeline's status line ("scene_3: rendered", "compose: version 2 rendered, QC passed")
 *  as a sentence: "Scene 3 rendered.", "Version 2 rendered, QC passed." */
export function plainStatus(message: string | null | undefined): string {
  const text = (message ?? "").trim();
  if (!text) return "";
  const m = /^([a-z][a-z0-9_]*): (.*)$/s.exec(text);
  let out = text.replace(/\bscene_(\d+)\b/g, "scene $1");
  if (m) {
    const [, name, rest] = m;
    const said = plainTrackMessage(rest);
    // The compose track's own lines already say what they made ("version 2 rendered").
    out = name === "compose" && /^version \d/i.test(said) ? said : `${trackLabel(name)}: ${said.charAt(0).toLowerCase()}${said.slice(1)}`;
  }
  out = out.charAt(0).toUpperCase() + out.slice(1);
  return /[.!?…]$/.test(out) ? out : `${out}.`;
}

/** A track's own message, with the pipeline's shorthand spelled out. */
export function plainTrackMessage(message: string | null | undefined): string {
  const text = (message ?? "").trim().replace(/\bscene_(\d+)\b/g, "scene $1");
  if (text === "reused") return "Kept from the earlier run";
  if (text === "started") return "Started";
  return text.replace(/_/g, " ");
}

/** What a track is, once the job is over: one that never started will not run now (skipped),
 *  one still running when the job failed or was cancelled was stopped. */
export function shownState(track: TrackProgress | undefined, job: JobStatus): TrackState | "stopped" {
  const state = track?.state ?? "pending";
  if (job === "failed" || job === "cancelled") {
    if (state === "pending") return "skipped";
    if (state === "running") return "stopped";
  }
  return state;
}
