// Two versions side by side with synced playback: the left player leads (play, pause, seek),
// the right one follows it and is pulled back whenever it drifts.

import { useRef } from "react";
import type { Version } from "./VersionList";

interface Props {
  a: Version;
  b: Version;
  aspectRatio: string;
  assetUrl(url: string | undefined): string | undefined;
  onClose(): void;
}

/** How far the follower may drift before it is put back on the leader's clock (seconds). */
export const MAX_DRIFT_S = 0.25;

export function VersionCompare({ a, b, aspectRatio, assetUrl, onClose }: Props) {
  const lead = useRef<HTMLVideoElement>(null);
  const follow = useRef<HTMLVideoElement>(null);
  const sync = () => {
    const l = lead.current;
    const f = follow.current;
    if (l && f && Math.abs(f.currentTime - l.currentTime) > MAX_DRIFT_S) f.currentTime = l.currentTime;
  };
  const ar = `ar-${aspectRatio.replace(":", "-")}`;
  return (
    <section aria-labelledby="compare-h" className="card compare" data-testid="compare">
      <div className="timeline-toolbar">
        <h2 id="compare-h">
          Version {a.version} and version {b.version}, side by side
        </h2>
        <button type="button" className="secondary" onClick={onClose}>
          Close the comparison
        </button>
      </div>
      <p className="muted small">The left player leads: play, pause or seek it and the right one follows.</p>
      <div className="compare-players">
        <figure>
          <video
            ref={lead}
            className={`player ${ar}`}
            src={assetUrl(a.url)}
            controls
            muted
            preload="metadata"
            data-testid="compare-a"
            aria-label={`Version ${a.version} (leads)`}
            onPlay={() => {
              sync();
              void follow.current?.play().catch(() => undefined);
            }}
            onPause={() => follow.current?.pause()}
            onSeeked={sync}
            onTimeUpdate={sync}
          />
          <figcaption>Version {a.version}</figcaption>
        </figure>
        <figure>
          <video ref={follow} className={`player ${ar}`} src={assetUrl(b.url)} muted preload="metadata" data-testid="compare-b" aria-label={`Version ${b.version} (follows)`} />
          <figcaption>Version {b.version}</figcaption>
        </figure>
      </div>
    </section>
  );
}
