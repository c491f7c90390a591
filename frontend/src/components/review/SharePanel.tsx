// Share links for an outside reviewer: signed, expiring, revocable, read-only playback with
// comments. The link's token is shown once, when it is made; the list shows every link's state.

import { useState } from "react";
import { formatDate } from "../../lib/format";
import { href } from "../../lib/router";
import type { ShareLink } from "../../lib/types";

interface Props {
  links: ShareLink[];
  onCreate(expiresInS: number): Promise<ShareLink | null>;
  onRevoke(link: ShareLink): void;
}

const DAYS = [1, 7, 30];

export function sharePageUrl(token: string): string {
  return `${location.origin}${location.pathname}${href.shared(token)}`;
}

export function SharePanel({ links, onCreate, onRevoke }: Props) {
  const [days, setDays] = useState(7);
  const [made, setMade] = useState<ShareLink | null>(null);
  const now = Date.now();
  return (
    <section aria-labelledby="share-h" className="card share">
      <h2 id="share-h">Share for review</h2>
      <div className="row">
        <div className="field">
          <label htmlFor="share-days">Expires after</label>
          <select id="share-days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {DAYS.map((d) => (
              <option key={d} value={d}>
                {d} day{d === 1 ? "" : "s"}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="secondary" onClick={async () => setMade(await onCreate(days * 24 * 3600))}>
          Make a share link
        </button>
      </div>
      {made && (
        <p className="notice notice-success">
          Read-only link (copy it now, it is shown once):{" "}
          <input className="share-url" readOnly value={sharePageUrl(made.token)} aria-label="Share link" onFocus={(e) => e.currentTarget.select()} data-testid="share-url" />
        </p>
      )}
      {links.length > 0 && (
        <ul className="plain share-links" aria-label="Share links">
          {links.map((l) => {
            const expired = Date.parse(l.expires_at) <= now;
            return (
              <li key={l.link_id}>
                Link {l.link_id.slice(0, 6)} · {l.revoked ? "revoked" : expired ? "expired" : `until ${formatDate(l.expires_at)}`}{" "}
                {!l.revoked && !expired && (
                  <button type="button" className="secondary small" onClick={() => onRevoke(l)}>
                    Revoke<span className="visually-hidden"> link {l.link_id.slice(0, 6)}</span>
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
