// Undo/redo for one edited value (the workspace's timeline): every change is a new state, so
// undo and redo are a step back or forward through kept states, never a reverse computation.

import { useCallback, useState } from "react";

/** States kept behind the present: older ones are dropped so a long session stays small. */
export const HISTORY_LIMIT = 100;

export interface History<T> {
  /** The present state (null until the first `reset`). */
  value: T | null;
  /** A new present, from a value or from the present. A change to the same object is no step. */
  set(next: T | ((present: T) => T)): void;
  /** Start over from `value` with nothing to undo or redo (a freshly loaded document). */
  reset(value: T): void;
  undo(): void;
  redo(): void;
  canUndo: boolean;
  canRedo: boolean;
}

interface Stack<T> {
  past: T[];
  present: T | null;
  future: T[];
}

export function useHistory<T>(initial: T | null = null): History<T> {
  const [state, setState] = useState<Stack<T>>({ past: [], present: initial, future: [] });
  const set = useCallback((next: T | ((present: T) => T)) => {
    setState((s) => {
      if (s.present === null) return s;
      const value = typeof next === "function" ? (next as (present: T) => T)(s.present) : next;
      if (value === s.present) return s;
      return { past: [...s.past.slice(-(HISTORY_LIMIT - 1)), s.present], present: value, future: [] };
    });
  }, []);
  const reset = useCallback((value: T) => setState({ past: [], present: value, future: [] }), []);
  const undo = useCallback(
    () =>
      setState((s) =>
        s.past.length && s.present !== null ? { past: s.past.slice(0, -1), present: s.past[s.past.length - 1], future: [s.present, ...s.future] } : s,
      ),
    [],
  );
  const redo = useCallback(
    () => setState((s) => (s.future.length && s.present !== null ? { past: [...s.past, s.present], present: s.future[0], future: s.future.slice(1) } : s)),
    [],
  );
  return { value: state.present, set, reset, undo, redo, canUndo: state.past.length > 0, canRedo: state.future.length > 0 };
}
