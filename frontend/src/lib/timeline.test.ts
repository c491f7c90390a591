import { describe, expect, it } from "vitest";
import { makeTimeline } from "../test/helpers";
import {
  addText,
  clipStarts,
  deleteClip,
  deleteText,
  duplicateClip,
  EditRefused,
  moveClip,
  newSuper,
  packRows,
  placeRange,
  setClipLength,
  setTransition,
  timelineDuration,
  trimClip,
  updateMusic,
  updateText,
} from "./timeline";
import parity from "./timeline_ops.parity.json";
import type { TextItem, Timeline } from "./types";

describe("timeline edits", () => {
  it("computes starts and length like omnigen/timeline.py, dissolves included", () => {
    let t = makeTimeline();
    expect(clipStarts(t)).toEqual([0, 4, 9]);
    expect(timelineDuration(t)).toBe(15);
    t = setTransition(t, 1, "dissolve", 0.5);
    expect(clipStarts(t)).toEqual([0, 3.5, 8.5]);
    expect(timelineDuration(t)).toBe(14.5);
  });

  it("reorders clips and keeps the first clip a cut", () => {
    let t = setTransition(makeTimeline(), 1, "dissolve", 1);
    t = moveClip(t, 1, 0);
    expect(t.clips.map((c) => c.scene_index)).toEqual([2, 1, 3]);
    expect(t.clips[0]).toMatchObject({ transition: "cut", transition_s: 0 });
    expect(moveClip(t, 0, 0)).toBe(t);
    expect(moveClip(t, 0, 9)).toBe(t);
  });

  it("moves only the picture by default, and the scene's voice and supers when asked", () => {
    const t = makeTimeline();
    const pictureOnly = moveClip(t, 0, 2);
    expect(pictureOnly.clips.map((c) => c.scene_index)).toEqual([2, 3, 1]);
    expect(pictureOnly.voice).toBe(t.voice);
    const carried = moveClip(t, 0, 2, { carry: true });
    // scene 1 went from 0 s to 11 s; scene 3 from 9 s to 5 s
    expect(carried.voice.map((v) => v.start_s)).toEqual([11.5, 5.5]);
    expect(carried.texts.map((x) => [x.start_s, x.end_s])).toEqual([
      [11.5, 14.5],
      [5.5, 9.5],
    ]);
  });

  it("trims within the source and never below 0.25 s", () => {
    const t = makeTimeline();
    expect(trimClip(t, 0, 1, 3.5, 4).timeline.clips[0]).toMatchObject({ in_s: 1, out_s: 3.5 });
    expect(trimClip(t, 0, 0, 9, 4)).toMatchObject({ adjusted: true });
    expect(trimClip(t, 0, 0, 9, 4).timeline.clips[0].out_s).toBe(4);
    const tooShort = trimClip(t, 0, 3.9, 4, 4).timeline.clips[0];
    expect(tooShort.out_s - tooShort.in_s).toBeCloseTo(0.25);
    expect(trimClip(t, 0, Number.NaN, 4).timeline).toBe(t);
  });

  it("shortens a dissolve that no longer fits after a trim", () => {
    let t = setTransition(makeTimeline(), 1, "dissolve", 2);
    t = trimClip(t, 0, 0, 1, 4).timeline;
    expect(t.clips[1].transition_s).toBeLessThan(1);
  });

  it("edits text and music", () => {
    const t = updateText(makeTimeline(), 0, { start_s: 5, end_s: 4 });
    expect(t.texts[0].end_s).toBeGreaterThan(t.texts[0].start_s);
    expect(updateMusic(makeTimeline(), { gain_db: -20 }).music?.gain_db).toBe(-20);
  });

  it("places ranges and stacks overlaps into rows", () => {
    expect(placeRange(3, 6, 15)).toEqual({ left: 20, width: 20 });
    expect(placeRange(14, 20, 15).left + placeRange(14, 20, 15).width).toBeCloseTo(100);
    expect(packRows([{ start: 0, end: 3 }, { start: 1, end: 2 }, { start: 3, end: 4 }, { start: 1.5, end: 5 }])).toEqual([0, 1, 0, 2]);
  });
});

// The expected values are what omnigen/timeline_edit.py's `apply` gives for the same fixture and
// operation (delete_clip, duplicate_clip, set_scene_length, add_text, delete_text): the editor
// does these in the draft, so undo and the draft check see them before anything is saved.
describe("edits that move what follows (timeline_edit.py's operations)", () => {
  const times = (t: ReturnType<typeof makeTimeline>) => ({
    clips: t.clips.map((c) => [c.scene_index, c.in_s, c.out_s, c.transition]),
    voice: t.voice.map((v) => [v.scene_index, v.start_s]),
    texts: t.texts.map((x) => [x.kind, x.start_s, x.end_s]),
  });

  it("deletes a clip with its scene's lines and texts, and pulls what follows up", () => {
    const t = deleteClip(makeTimeline(), 0);
    expect(times(t)).toEqual({
      clips: [
        [2, 0, 5, "cut"],
        [3, 0, 6, "cut"],
      ],
      voice: [[3, 5.5]],
      texts: [["major_statement", 5.5, 9.5]],
    });
    expect(timelineDuration(t)).toBe(11);
  });

  it("keeps a scene's lines when another clip of the scene stays", () => {
    const doubled = duplicateClip(makeTimeline(), 0);
    const t = deleteClip(doubled, 1);
    expect(times(t)).toEqual(times(makeTimeline()));
  });

  it("makes the first clip a cut when the clip before a dissolve goes", () => {
    const t = deleteClip(setTransition(makeTimeline(), 1, "dissolve", 1), 0);
    expect(t.clips[0]).toMatchObject({ scene_index: 2, transition: "cut", transition_s: 0 });
    // scene 1's clip spanned 0–3 s (the dissolve starts scene 2 at 3 s): its super, running to
    // 3.5 s, was held over the cut and shrinks with it; what followed moves 3 s up
    expect(times(t).texts).toEqual([
      ["super", 0.5, 0.6],
      ["major_statement", 6.5, 10.5],
    ]);
  });

  it("refuses to delete the last clip, naming what to do", () => {
    const one = deleteClip(deleteClip(makeTimeline(), 0), 0);
    expect(() => deleteClip(one, 0)).toThrow(EditRefused);
    expect(() => deleteClip(one, 0)).toThrow(/at least one clip/);
  });

  it("duplicates a clip as a cut after it and pushes what follows later", () => {
    const t = duplicateClip(setTransition(makeTimeline(), 1, "dissolve", 1), 1);
    expect(times(t).clips).toEqual([
      [1, 0, 4, "cut"],
      [2, 0, 5, "dissolve"],
      [2, 0, 5, "cut"],
      [3, 0, 6, "cut"],
    ]);
    // everything from scene 3's start (8 s: the dissolve pulls scene 2 a second earlier) is 5 s later
    expect(times(t).voice).toEqual([
      [1, 0.5],
      [3, 14.5],
    ]);
    expect(times(t).texts[1]).toEqual(["major_statement", 14.5, 18.5]);
    expect(timelineDuration(t)).toBe(19);
  });

  it("changes a scene's length and moves what follows with its end", () => {
    const t = setClipLength(makeTimeline(), 1, 3);
    expect(t.clips[1]).toMatchObject({ in_s: 0, out_s: 3 });
    expect(times(t).voice).toEqual([
      [1, 0.5],
      [3, 7.5],
    ]);
    expect(times(t).texts[1]).toEqual(["major_statement", 7.5, 11.5]);
    const longer = setClipLength(makeTimeline(), 2, 8); // past the rendered 6 s: compose holds the last frame
    expect(longer.clips[2].out_s).toBe(8);
    expect(timelineDuration(longer)).toBe(17);
  });

  it("stretches or shrinks a text held over the changed cut", () => {
    const held = updateText(makeTimeline(), 0, { start_s: 3, end_s: 5 });
    expect(setClipLength(held, 0, 3).texts[0]).toMatchObject({ start_s: 3, end_s: 4 });
    expect(setClipLength(held, 0, 1).texts[0]).toMatchObject({ start_s: 3, end_s: 3.1 });
    expect(setClipLength(held, 0, 6).texts[0]).toMatchObject({ start_s: 3, end_s: 7 });
  });

  it("refuses a length under 0.25 s or over 60 s and changes nothing for the same length", () => {
    const t = makeTimeline();
    expect(() => setClipLength(t, 0, 0.1)).toThrow(/at least 0.25 s/);
    expect(() => setClipLength(t, 0, 61)).toThrow(/at most 60 s/);
    expect(() => setClipLength(t, 0, Number.NaN)).toThrow(EditRefused);
    expect(setClipLength(t, 0, 4)).toBe(t);
  });

  it("adds a super at the playhead, inside the ad, and deletes a text", () => {
    const t = makeTimeline();
    const item = newSuper(t, 6);
    expect(item).toMatchObject({ kind: "super", start_s: 6, end_s: 9, position: "lower_third", scene_index: null });
    expect(newSuper(t, 14).end_s).toBe(15); // kept inside the 15 s ad
    const added = addText(t, item);
    expect(added.texts).toHaveLength(3);
    expect(added.texts[2]).toBe(item);
    expect(deleteText(added, 0).texts.map((x) => x.kind)).toEqual(["major_statement", "super"]);
    expect(() => deleteText(t, 5)).toThrow(EditRefused);
  });
});

// One set of cases for both implementations of these edits: test_timeline_ops_parity.py checks
// that timeline_edit.py's `apply` gives the expected times, this that timeline.ts does.

type ParityOp =
  | { op: "delete_clip" | "duplicate_clip" | "delete_text"; index: number }
  | { op: "set_scene_length"; scene: number; duration_s: number }
  | { op: "add_text"; item: TextItem };

describe("the editor's edits give what the API's give (timeline_ops.parity.json)", () => {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const times = (t: Timeline) => ({
    clips: t.clips.map((c) => [c.scene_index, r(c.in_s), r(c.out_s), c.transition]),
    voice: t.voice.map((v) => [v.scene_index, r(v.start_s)]),
    texts: t.texts.map((x) => [x.kind, r(x.start_s), r(x.end_s)]),
  });
  const patched = (patch: Record<string, Record<string, object>>): Timeline => {
    const t = structuredClone(parity.timeline) as unknown as Timeline;
    for (const [field, items] of Object.entries(patch)) {
      for (const [index, fields] of Object.entries(items)) Object.assign((t as unknown as Record<string, object[]>)[field][Number(index)], fields);
    }
    return t;
  };
  const step = (t: Timeline, op: ParityOp): Timeline => {
    switch (op.op) {
      case "delete_clip":
        return deleteClip(t, op.index);
      case "duplicate_clip":
        return duplicateClip(t, op.index);
      case "delete_text":
        return deleteText(t, op.index);
      case "add_text":
        return addText(t, op.item);
      case "set_scene_length":
        return setClipLength(t, t.clips.findIndex((c) => c.scene_index === op.scene), op.duration_s);
    }
  };

  for (const c of parity.cases) {
    it(c.name, () => {
      const end = (c.ops as ParityOp[]).reduce(step, patched(c.patch as Record<string, Record<string, object>>));
      expect(times(end)).toEqual(c.expected);
    });
  }
});
