// Pure edits of a timeline, mirroring the rules of omnigen/timeline.py so that what the editor
// saves is what the API accepts: clips play in list order (a dissolve pulls a clip earlier),
// the first clip is a cut, a clip lasts at least 0.25 s, a dissolve is shorter than both clips.

import type { MusicBed, TextItem, Timeline, VideoClip } from "./types";

export const MIN_CLIP_S = 0.25;

const round3 = (v: number) => Math.round(v * 1000) / 1000;
const clipDuration = (c: VideoClip) => c.out_s - c.in_s;

export function clipStarts(tl: Pick<Timeline, "clips">): number[] {
  const starts: number[] = [];
  let t = 0;
  for (const c of tl.clips) {
    t -= c.transition_s;
    starts.push(t);
    t += clipDuration(c);
  }
  return starts;
}

export function timelineDuration(tl: Pick<Timeline, "clips">): number {
  return tl.clips.reduce((sum, c) => sum + clipDuration(c) - c.transition_s, 0);
}

/** Keep transitions legal after the clips changed: first clip a cut, dissolves shorter than
 *  both clips they join. */
function fixTransitions(clips: VideoClip[]): VideoClip[] {
  return clips.map((c, i) => {
    if (i === 0) return c.transition === "cut" && !c.transition_s ? c : { ...c, transition: "cut", transition_s: 0 };
    if (c.transition !== "dissolve") return c.transition_s ? { ...c, transition_s: 0 } : c;
    const limit = Math.min(clipDuration(c), clipDuration(clips[i - 1])) - 0.05;
    if (c.transition_s <= limit) return c;
    return limit >= 0.05 ? { ...c, transition_s: round3(limit) } : { ...c, transition: "cut", transition_s: 0 };
  });
}

export interface MoveOptions {
  /** Move each moved scene's voice lines and supers with its picture (else only the picture moves). */
  carry?: boolean;
}

export function moveClip(tl: Timeline, from: number, to: number, opts: MoveOptions = {}): Timeline {
  if (from === to || from < 0 || to < 0 || from >= tl.clips.length || to >= tl.clips.length) return tl;
  const clips = tl.clips.slice();
  const [moved] = clips.splice(from, 1);
  clips.splice(to, 0, moved);
  const next: Timeline = { ...tl, clips: fixTransitions(clips) };
  if (!opts.carry) return next;
  const before = new Map(tl.clips.map((c, i) => [c.scene_index, clipStarts(tl)[i]]));
  const afterStarts = clipStarts(next);
  const delta = new Map(next.clips.map((c, i) => [c.scene_index, afterStarts[i] - (before.get(c.scene_index) ?? afterStarts[i])]));
  const shift = (scene: number | null | undefined) => (scene ? (delta.get(scene) ?? 0) : 0);
  return {
    ...next,
    voice: tl.voice.map((v) => {
      const d = shift(v.scene_index);
      return d ? { ...v, start_s: round3(Math.max(0, v.start_s + d)) } : v;
    }),
    texts: tl.texts.map((t) => {
      const d = shift(t.scene_index);
      if (!d) return t;
      const start = Math.max(0, t.start_s + d);
      return { ...t, start_s: round3(start), end_s: round3(start + (t.end_s - t.start_s)) };
    }),
  };
}

export interface TrimResult {
  timeline: Timeline;
  /** What had to change from the request to stay legal, for a screen-reader announcement. */
  adjusted: boolean;
}

export function trimClip(tl: Timeline, index: number, inS: number, outS: number, maxOut = Infinity): TrimResult {
  const c = tl.clips[index];
  if (!c || !Number.isFinite(inS) || !Number.isFinite(outS)) return { timeline: tl, adjusted: true };
  let i = Math.max(0, round3(inS));
  let o = Math.min(maxOut, round3(outS));
  if (o - i < MIN_CLIP_S) {
    if (inS !== c.in_s) i = Math.max(0, round3(o - MIN_CLIP_S));
    else o = Math.min(maxOut, round3(i + MIN_CLIP_S));
  }
  if (o - i < MIN_CLIP_S) return { timeline: tl, adjusted: true };
  const clips = tl.clips.slice();
  clips[index] = { ...c, in_s: i, out_s: o };
  return { timeline: { ...tl, clips: fixTransitions(clips) }, adjusted: i !== inS || o !== outS };
}

export function setTransition(tl: Timeline, index: number, transition: VideoClip["transition"], seconds: number): Timeline {
  const clips = tl.clips.slice();
  clips[index] = { ...clips[index], transition, transition_s: transition === "cut" ? 0 : Math.max(0.05, Math.min(2, seconds)) };
  return { ...tl, clips: fixTransitions(clips) };
}

export function updateText(tl: Timeline, index: number, patch: Partial<TextItem>): Timeline {
  const texts = tl.texts.slice();
  const t = { ...texts[index], ...patch };
  if (t.end_s <= t.start_s) t.end_s = round3(t.start_s + 0.5);
  texts[index] = t;
  return { ...tl, texts };
}

export function updateMusic(tl: Timeline, patch: Partial<MusicBed>): Timeline {
  return tl.music ? { ...tl, music: { ...tl.music, ...patch } } : tl;
}

/** Where a time range sits on a track of `total` seconds, in percent (clamped to the track). */
export function placeRange(start: number, end: number, total: number): { left: number; width: number } {
  if (!(total > 0)) return { left: 0, width: 0 };
  const s = Math.max(0, Math.min(total, start));
  const e = Math.max(s, Math.min(total, end));
  return { left: (s / total) * 100, width: Math.max(((e - s) / total) * 100, 0.6) };
}

export function sameTimeline(a: Timeline | null, b: Timeline | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Stack overlapping ranges into rows (greedy, in start order); returns each item's row. */
export function packRows(ranges: { start: number; end: number }[]): number[] {
  const order = ranges.map((r, i) => ({ ...r, i })).sort((a, b) => a.start - b.start || a.end - b.end);
  const rowEnds: number[] = [];
  const rows = new Array<number>(ranges.length).fill(0);
  for (const r of order) {
    let row = rowEnds.findIndex((end) => end <= r.start + 1e-6);
    if (row < 0) {
      row = rowEnds.length;
      rowEnds.push(r.end);
    } else rowEnds[row] = r.end;
    rows[r.i] = row;
  }
  return rows;
}

// --- Edits that move what follows: the operations of omnigen/timeline_edit.py, done in the
// draft so that they can be undone and checked before saving. A clip that gets longer, shorter,
// removed or doubled moves everything after it on the output clock by the same amount; a
// removed clip takes its scene's own lines and texts with it.

const EPS = 1e-3;
/** A text gets at least this long when a shrinking clip pulls its end back (timeline_edit.py). */
const MIN_HELD_TEXT_S = 0.1;

/** Where clip `index` begins, and where the next one does (the ad's end for the last). */
export function clipSpan(tl: Pick<Timeline, "clips">, index: number): { start: number; end: number } {
  const starts = clipStarts(tl);
  return { start: starts[index], end: index + 1 < starts.length ? starts[index + 1] : timelineDuration(tl) };
}

/** Move every line and text that starts at or after `at` by `delta`; a text running across
 *  `at` (a super held over the cut) stretches or shrinks with it. */
export function shiftAfter(tl: Timeline, at: number, delta: number): Timeline {
  if (!delta) return tl;
  return {
    ...tl,
    voice: tl.voice.map((v) => (v.start_s >= at - EPS ? { ...v, start_s: round3(v.start_s + delta) } : v)),
    texts: tl.texts.map((t) => {
      if (t.start_s >= at - EPS) return { ...t, start_s: round3(t.start_s + delta), end_s: round3(t.end_s + delta) };
      if (t.end_s >= at - EPS) return { ...t, end_s: round3(Math.max(t.start_s + MIN_HELD_TEXT_S, t.end_s + delta)) };
      return t;
    }),
  };
}

/** Why an edit cannot apply, in words the editor shows as they are. */
export class EditRefused extends Error {}

/** Remove clip `index`; what follows moves up, and its scene's lines and texts go with it
 *  (unless another clip of the scene stays). The last clip cannot go. */
export function deleteClip(tl: Timeline, index: number): Timeline {
  const gone = tl.clips[index];
  if (!gone) throw new EditRefused(`There is no clip ${index + 1}.`);
  if (tl.clips.length === 1) throw new EditRefused("An ad needs at least one clip: duplicate this one or restore a version before deleting it.");
  const { start, end } = clipSpan(tl, index);
  const clips = fixTransitions(tl.clips.filter((_, i) => i !== index));
  const sceneStays = clips.some((c) => c.scene_index === gone.scene_index);
  const inside = (scene: number | null | undefined, at: number) =>
    start - EPS <= at && at < end - EPS && (scene === null || scene === undefined || (scene === gone.scene_index && !sceneStays));
  const edited: Timeline = {
    ...tl,
    clips,
    voice: tl.voice.filter((v) => !inside(v.scene_index, v.start_s)),
    texts: tl.texts.filter((t) => !(inside(t.scene_index, t.start_s) && t.end_s <= end + EPS)),
  };
  return shiftAfter(edited, end, -(end - start));
}

/** Play clip `index` twice: the copy follows it (a cut) and what came after moves later. */
export function duplicateClip(tl: Timeline, index: number): Timeline {
  const src = tl.clips[index];
  if (!src) throw new EditRefused(`There is no clip ${index + 1}.`);
  const copy: VideoClip = { ...src, transition: "cut", transition_s: 0 };
  const { end } = clipSpan(tl, index);
  const clips = fixTransitions([...tl.clips.slice(0, index + 1), copy, ...tl.clips.slice(index + 1)]);
  return shiftAfter({ ...tl, clips }, end, clipDuration(copy));
}

/** The longest a scene's clip may be made (the API's limit for one operation). */
export const MAX_SCENE_S = 60;

/** Give clip `index` a new length from its in point; what follows moves with its end. Past
 *  the rendered end compose holds the clip's last frame. */
export function setClipLength(tl: Timeline, index: number, seconds: number): Timeline {
  const clip = tl.clips[index];
  if (!clip) throw new EditRefused(`There is no clip ${index + 1}.`);
  if (!Number.isFinite(seconds) || seconds < MIN_CLIP_S) throw new EditRefused(`A clip must be at least ${MIN_CLIP_S} s long.`);
  if (seconds > MAX_SCENE_S) throw new EditRefused(`A clip can be at most ${MAX_SCENE_S} s long.`);
  const { end } = clipSpan(tl, index);
  const delta = round3(seconds - clipDuration(clip));
  if (!delta) return tl;
  const clips = tl.clips.slice();
  clips[index] = { ...clip, out_s: round3(clip.in_s + seconds) };
  return shiftAfter({ ...tl, clips: fixTransitions(clips) }, end, delta);
}

/** How long a new super stays on screen, when the ad has room. */
export const NEW_TEXT_S = 3;

/** A new super at `at` (kept inside the ad), with the look of the draft's other supers. */
export function newSuper(tl: Timeline, at: number, text = "New super"): TextItem {
  const total = timelineDuration(tl);
  const length = Math.min(NEW_TEXT_S, Math.max(0.5, total));
  const start = round3(Math.max(0, Math.min(at, total - length)));
  const like = tl.texts.find((t) => t.kind === "super");
  return {
    kind: "super",
    text,
    start_s: start,
    end_s: round3(start + length),
    position: like?.position ?? "lower_third",
    cap_height: like?.cap_height ?? 0.045,
    color: like?.color ?? "#FFFFFF",
    plate_color: like?.plate_color ?? "#000000",
    plate_opacity: like?.plate_opacity ?? 0.75,
    scene_index: null,
  };
}

export function addText(tl: Timeline, item: TextItem): Timeline {
  return { ...tl, texts: [...tl.texts, item] };
}

export function deleteText(tl: Timeline, index: number): Timeline {
  if (!tl.texts[index]) throw new EditRefused(`There is no text item ${index + 1}.`);
  return { ...tl, texts: tl.texts.filter((_, i) => i !== index) };
}
