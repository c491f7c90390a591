// What a share link opens for an outside reviewer: one version's playback and its comments,
// with comments under the name they give. Nothing else is reachable; a revoked link answers 404
// and an expired one 410, which the page says in plain words.

import { useCallback, useEffect, useRef, useState } from "react";
import { CommentScrubber } from "../components/review/CommentScrubber";
import { CommentThreads } from "../components/review/CommentThreads";
import { Notice, ViewHeading } from "../components/ui";
import { ApiError, problemText } from "../lib/api";
import { formatDate } from "../lib/format";
import { useServices } from "../lib/services";
import type { SharedVersion } from "../lib/types";

export function SharedView({ token }: { token: string }) {
  const { api } = useServices();
  const [shared, setShared] = useState<SharedVersion | null>(null);
  const [gone, setGone] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [playhead, setPlayhead] = useState(0);
  const player = useRef<HTMLVideoElement>(null);

  const load = useCallback(async () => {
    try {
      setShared(await api.shared(token));
    } catch (e) {
      if (e instanceof ApiError && e.status === 410) setGone("This review link has expired. Ask whoever sent it for a new one.");
      else if (e instanceof ApiError && e.status === 404) setGone("This review link does not exist or was revoked. Ask whoever sent it for a new one.");
      else setProblem(problemText(e));
    }
  }, [api, token]);
  useEffect(() => {
    void load();
  }, [load]);

  if (gone) return <Notice kind="warning">{gone}</Notice>;
  if (!shared) return problem ? <Notice kind="error">{problem}</Notice> : <p role="status">Opening the shared version…</p>;
  const seek = (s: number) => {
    if (player.current) player.current.currentTime = s;
    setPlayhead(s);
  };
  return (
    <div className="review-view">
      <ViewHeading>
        {shared.brand_name} · version {shared.version} for review
      </ViewHeading>
      <p className="muted">Read-only. This link works until {formatDate(shared.expires_at)}.</p>
      {problem && <Notice kind="error">{problem}</Notice>}
      <div className="review-top">
        <section className="card" aria-label="Player">
          <video ref={player} className="player" src={api.assetUrl(shared.urls.output)} poster={api.assetUrl(shared.urls.poster)} controls preload="metadata" data-testid="shared-video" onTimeUpdate={(e) => setPlayhead(e.currentTarget.currentTime)}>
            {shared.urls.captions && <track kind="captions" srcLang="en" label="English" src={api.assetUrl(shared.urls.captions)} />}
          </video>
          <CommentScrubber comments={shared.comments} duration={shared.duration_s} playhead={playhead} onSeek={seek} />
        </section>
        <CommentThreads
          comments={shared.comments}
          playhead={playhead}
          askName
          onSeek={seek}
          onAdd={async (c) => {
            setProblem(null);
            try {
              await api.sharedComment(token, { ...c, name: c.name ?? "" });
              await load();
              return true;
            } catch (e) {
              setProblem(problemText(e));
              return false;
            }
          }}
        />
      </div>
    </div>
  );
}
