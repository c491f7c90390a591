import { describe, expect, it } from "vitest";
import { makeTimeline } from "../test/helpers";
import { clipStarts, moveClip, packRows, placeRange, setTransition, timelineDuration, trimClip, updateMusic, updateText } from "./timeline";

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
