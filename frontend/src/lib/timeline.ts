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
