import { act, renderHook } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { makeTimeline } from "../test/helpers";
import { HISTORY_LIMIT, useHistory } from "./history";
import { moveClip, updateMusic } from "./timeline";
import type { Timeline } from "./types";

const order = (t: Timeline | null) => t?.clips.map((c) => c.scene_index);

describe("useHistory", () => {
  it("undoes and redoes timeline edits in order, and a new edit drops what could be redone", () => {
    const { result } = renderHook(() => useHistory<Timeline>(null));
    const loaded = makeTimeline();
    act(() => result.current.reset(loaded));
    expect(result.current).toMatchObject({ value: loaded, canUndo: false, canRedo: false });

    act(() => result.current.set((t) => moveClip(t, 0, 2)));
    act(() => result.current.set((t) => updateMusic(t, { gain_db: -20 })));
    expect(order(result.current.value)).toEqual([2, 3, 1]);
    expect(result.current.value?.music?.gain_db).toBe(-20);

    act(() => result.current.undo());
    expect(result.current.value?.music?.gain_db).toBe(-12);
    expect(order(result.current.value)).toEqual([2, 3, 1]);
    act(() => result.current.undo());
    expect(result.current.value).toBe(loaded);
    expect(result.current).toMatchObject({ canUndo: false, canRedo: true });
    act(() => result.current.undo()); // nothing left: no change
    expect(result.current.value).toBe(loaded);

    act(() => result.current.redo());
    expect(order(result.current.value)).toEqual([2, 3, 1]);
    expect(result.current.value?.music?.gain_db).toBe(-12);

    act(() => result.current.set((t) => moveClip(t, 0, 1)));
    expect(order(result.current.value)).toEqual([3, 2, 1]);
    expect(result.current.canRedo).toBe(false);
    act(() => result.current.redo()); // the music change was dropped by the new edit
    expect(order(result.current.value)).toEqual([3, 2, 1]);
    expect(result.current.value?.music?.gain_db).toBe(-12);
  });

  it("takes no step for an edit that changes nothing, nor before anything is loaded", () => {
    const { result } = renderHook(() => useHistory<Timeline>(null));
    act(() => result.current.set(makeTimeline()));
    expect(result.current).toMatchObject({ value: null, canUndo: false });

    act(() => result.current.reset(makeTimeline()));
    act(() => result.current.set((t) => moveClip(t, 1, 1))); // moveClip returns the same timeline
    expect(result.current.canUndo).toBe(false);
  });

  it("reset starts over with nothing to undo or redo", () => {
    const { result } = renderHook(() => useHistory<Timeline>(null));
    act(() => result.current.reset(makeTimeline()));
    act(() => result.current.set((t) => moveClip(t, 0, 1)));
    act(() => result.current.undo());
    const saved = makeTimeline();
    act(() => result.current.reset(saved));
    expect(result.current).toMatchObject({ value: saved, canUndo: false, canRedo: false });
  });

  it(`keeps the last ${HISTORY_LIMIT} states to undo`, () => {
    const { result } = renderHook(() => useHistory<number>(0));
    act(() => {
      for (let i = 1; i <= HISTORY_LIMIT + 50; i++) result.current.set((n) => n + 1);
    });
    expect(result.current.value).toBe(HISTORY_LIMIT + 50);
    act(() => {
      for (let i = 0; i < HISTORY_LIMIT + 50; i++) result.current.undo();
    });
    expect(result.current.value).toBe(50);
    expect(result.current.canUndo).toBe(false);
  });
});
