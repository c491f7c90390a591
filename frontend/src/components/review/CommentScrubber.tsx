// The player's scrubber with the review comments pinned on it: each comment is a marker at its
// time (a band over its range) that seeks the player there; the playhead moves with playback.

import { clock } from "../../lib/format";
import { placeRange } from "../../lib/timeline";
import type { Comment } from "../../lib/types";
import { seekHandlers } from "../seek";

interface Props {
  comments: Comment[];
  duration: number;
  playhead: number;
  onSeek(seconds: number): void;
}

export function CommentScrubber({ comments, duration, playhead, onSeek }: Props) {
  return (
    <div className="scrubber" data-testid="comment-scrubber">
      <div
        className="scrubber-track"
        role="slider"
        tabIndex={0}
        aria-label="Position in the ad"
        aria-valuemin={0}
        aria-valuemax={Math.round(duration * 10) / 10}
        aria-valuenow={Math.round(playhead * 10) / 10}
        aria-valuetext={clock(playhead)}
        {...seekHandlers(duration, playhead, onSeek)}
      >
        <span className="scrubber-head" aria-hidden="true" style={{ left: `${duration ? Math.min(100, (playhead / duration) * 100) : 0}%` }} />
      </div>
      <ol className="scrubber-marks plain" aria-label="Comments on the scrubber">
        {comments.map((c) => {
          const pos = placeRange(c.at_s, c.end_s ?? c.at_s, duration);
          return (
            <li key={c.comment_id} className={`scrubber-mark ${c.resolved ? "resolved" : ""}`} style={{ left: `${pos.left}%`, width: c.end_s ? `${pos.width}%` : undefined }}>
              <button type="button" title={c.text} aria-label={`Comment at ${clock(c.at_s)} by ${c.author_name}${c.resolved ? " (resolved)" : ""}: ${c.text}`} onClick={() => onSeek(c.at_s)} />
            </li>
          );
        })}
      </ol>
    </div>
  );
}
