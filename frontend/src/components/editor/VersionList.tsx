// The renders of this edit, newest first: the latest is the preview the playhead drives; any
// earlier one can be restored into the draft, and any two compared side by side.

import { expiredOrSoon } from "../../lib/expiry";

export interface Version {
  version: number;
  url: string;
  poster?: string;
}

interface Props {
  versions: Version[];
  /** How many renders the job has (earlier sessions' ones are not listed). */
  renders: number;
  aspectRatio: string;
  brandName: string;
  assetUrl(url: string | undefined): string | undefined;
  /** Each player as it mounts (null as it goes), so the playhead can seek the preview. */
  player(version: number, el: HTMLVideoElement | null): void;
  onTime(seconds: number): void;
  /** The preview failed on a signed URL that has (nearly) expired. */
  onExpired(): void;
  /** Put version k's timeline into the draft (absent: the server cannot). */
  onRestore?(version: number): void;
  /** Compare version k with the latest (absent: nothing to compare). */
  onCompare?(version: number): void;
}

export function VersionList({ versions, renders, aspectRatio, brandName, assetUrl, player, onTime, onExpired, onRestore, onCompare }: Props) {
  return (
    <section aria-labelledby="versions-h" className="card versions">
      <h2 id="versions-h">Versions</h2>
      {versions.length === 0 ? (
        <p className="muted">No render yet.</p>
      ) : (
        <ul className="version-list plain">
          {versions.map((v, i) => (
            <li key={v.version} className="version" data-version={v.version}>
              <figure>
                <video
                  ref={(el) => player(v.version, el)}
                  className={`player ar-${aspectRatio.replace(":", "-")}`}
                  src={assetUrl(v.url)}
                  poster={i === 0 ? assetUrl(v.poster) : undefined}
                  controls
                  preload="metadata"
                  data-testid={i === 0 ? "preview-video" : `version-video-${v.version}`}
                  aria-label={`Version ${v.version}`}
                  onTimeUpdate={(e) => onTime(e.currentTarget.currentTime)}
                  onError={() => i === 0 && expiredOrSoon(v.url) && onExpired()}
                />
                <figcaption>
                  <strong>Version {v.version}</strong>
                  {i === 0 && <span className="badge">latest</span>}{" "}
                  <a href={assetUrl(v.url)} download={`${brandName}-v${v.version}.mp4`}>
                    Download<span className="visually-hidden"> version {v.version}</span>
                  </a>
                  {i > 0 && onRestore && (
                    <>
                      {" "}
                      <button type="button" className="link" onClick={() => onRestore(v.version)}>
                        Restore into the draft<span className="visually-hidden"> (version {v.version})</span>
                      </button>
                    </>
                  )}
                  {i > 0 && onCompare && (
                    <>
                      {" "}
                      <button type="button" className="link" onClick={() => onCompare(v.version)}>
                        Compare with version {versions[0].version}
                        <span className="visually-hidden"> (version {v.version})</span>
                      </button>
                    </>
                  )}
                </figcaption>
              </figure>
            </li>
          ))}
        </ul>
      )}
      {renders > 1 && versions.length < renders && (
        <p className="muted small">Earlier versions made in another session are in the job's folder (final/v&#123;k&#125;.mp4).</p>
      )}
    </section>
  );
}
