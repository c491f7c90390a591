// Drag and drop of clips, shared by the timeline's video lane and the clip-order list: both
// lists move the same clips, so one drag state knows where a drag began and what it is over.

import { useState, type DragEvent } from "react";

export interface DragState {
  from: number;
  over: number | null;
}

export interface ClipDrag {
  drag: DragState | null;
  /** The drag handlers of the clip at position `i`. */
  dragProps(i: number): {
    draggable: true;
    onDragStart(e: DragEvent): void;
    onDragOver(e: DragEvent): void;
    onDrop(e: DragEvent): void;
    onDragEnd(): void;
  };
  /** Whether position `i` is where a clip from elsewhere would land. */
  isDropTarget(i: number): boolean;
}

export function useClipDrag(move: (from: number, to: number) => void): ClipDrag {
  const [drag, setDrag] = useState<DragState | null>(null);
  const dragProps = (i: number) => ({
    draggable: true as const,
    onDragStart: (e: DragEvent) => {
      setDrag({ from: i, over: null });
      e.dataTransfer?.setData("text/plain", String(i));
      if (e.dataTransfer) e.dataTransfer.effectAllowed = "move";
    },
    onDragOver: (e: DragEvent) => {
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = "move";
      setDrag((d) => (d && d.over !== i ? { ...d, over: i } : d));
    },
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      const raw = e.dataTransfer?.getData("text/plain");
      const from = drag?.from ?? (raw ? Number(raw) : NaN);
      setDrag(null);
      if (Number.isInteger(from)) move(from, i);
    },
    onDragEnd: () => setDrag(null),
  });
  return { drag, dragProps, isDropTarget: (i) => drag?.over === i && drag.from !== i };
}
