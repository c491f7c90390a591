// A bar that moves a playhead: a click seeks to where it lands, the arrow keys step a second,
// Home and End go to the ends. The workspace's ruler and the review player's scrubber share it.

import type { KeyboardEvent, MouseEvent } from "react";

export function seekHandlers(total: number, playhead: number, onSeek: (seconds: number) => void) {
  return {
    onClick(e: MouseEvent<HTMLElement>) {
      const r = e.currentTarget.getBoundingClientRect();
      if (r.width > 0) onSeek(((e.clientX - r.left) / r.width) * total);
    },
    onKeyDown(e: KeyboardEvent<HTMLElement>) {
      if (e.key === "ArrowLeft") onSeek(Math.max(0, playhead - 1));
      else if (e.key === "ArrowRight") onSeek(Math.min(total, playhead + 1));
      else if (e.key === "Home") onSeek(0);
      else if (e.key === "End") onSeek(total);
      else return;
      e.preventDefault();
    },
  };
}
