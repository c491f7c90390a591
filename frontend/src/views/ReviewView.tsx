// Review of one rendered version (issue 17): the player with the comments on its scrubber, the
// comment threads, the decision (bound to the version's content hash), the named reviewers and
// share links for outside ones (the owner's), the delivery package, every rule checked with its
// evidence, and the audit trail. A reviewer sees the same page without the owner's controls.

import { useCallback, useEffect, useRef, useState } from "react";
import { AuditList } from "../components/review/AuditList";
import { CommentScrubber } from "../components/review/CommentScrubber";
import { CommentThreads } from "../components/review/CommentThreads";
import { DecisionPanel } from "../components/review/DecisionPanel";
import { ReviewersPanel } from "../components/review/ReviewersPanel";
import { RuleSheetView } from "../components/review/RuleSheetView";
import { SharePanel } from "../components/review/SharePanel";
import { Notice, ViewHeading } from "../components/ui";
import { problemText } from "../lib/api";
import { formatSeconds } from "../lib/format";
import { useJob } from "../lib/hooks";
import { mayEdit, useMe } from "../lib/people";
import { href, navigate } from "../lib/router";
import { useServices } from "../lib/services";
import type { AuditEntry, Comment, Job, Me, RuleSheet, ShareLink, VersionReview, VersionView } from "../lib/types";

/** What the signed-in person may decide (omnigen/review/approval.py's rule): unknown, everything. */
function decisionRights(me: Me | undefined, job: Job): { decide: boolean; approve: boolean } {
  if (!me) return { decide: true, approve: true };
  const decide = me.roles.includes("reviewer");
  return { decide, approve: decide && (me.allow_self_approval || job.user_id !== me.user_id) };
}

/** Each carried comment's time on the version it came from, read from that version's list (a
 *  version that cannot be read just leaves its comments without the note of where they were). */
async function originsOf(comments: Comment[], read: (version: number) => Promise<Comment[]>): Promise<Map<string, number>> {
  const from = [...new Set(comments.flatMap((c) => (c.carried_from === null || c.carried_from === undefined ? [] : [c.carried_from])))];
  const lists = await Promise.all(from.map((v) => read(v).catch(() => [] as Comment[])));
  return new Map(lists.flat().map((c) => [c.comment_id, c.at_s]));
}

export function ReviewView({ id, version }: { id: string; version?: number }) {
  const { api } = useServices();
  const { job, error: jobError } = useJob(id);
  const me = useMe();
  /** The owner shares and unshares; a reviewer comments and decides. */
  const owner = !!job && mayEdit(me, job);
  /** Who the job is shared with: null while loading, undefined when the server cannot say. */
  const [reviewers, setReviewers] = useState<string[] | null | undefined>(null);
  const [versions, setVersions] = useState<VersionView[] | null>(null);
  const [comments, setComments] = useState<Comment[]>([]);
  /** Where each carried comment sat on the version it was carried from (to say it moved). */
  const [origins, setOrigins] = useState<ReadonlyMap<string, number>>(new Map());
  const [review, setReview] = useState<VersionReview | null>(null);
  const [sheet, setSheet] = useState<RuleSheet | null>(null);
  const [links, setLinks] = useState<ShareLink[]>([]);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [playhead, setPlayhead] = useState(0);
  const player = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    api.versions(id).then(setVersions, (e: unknown) => setProblem(problemText(e)));
  }, [api, id]);
  const current = versions?.find((v) => v.version === version) ?? versions?.[versions.length - 1] ?? null;
  const k = current?.version ?? null;

  const load = useCallback(async () => {
    if (k === null) return;
    const quiet = <T,>(p: Promise<T>, set: (v: T) => void) => p.then(set, () => undefined);
    await Promise.all([
      api.comments(id, k).then(
        async (c) => {
          setComments(c.items);
          setOrigins(await originsOf(c.items, (v) => api.comments(id, v).then((p) => p.items)));
        },
        (e: unknown) => setProblem(problemText(e)),
      ),
      api.review(id, k).then(setReview, (e: unknown) => setProblem(problemText(e))),
      quiet(api.rules(id, k), setSheet),
      owner ? quiet(api.shareLinks(id, k), setLinks) : undefined, // the owner's; a reviewer is not shown them
      owner ? api.reviewers(id).then((r) => setReviewers(r.reviewers), () => setReviewers(undefined)) : undefined,
      quiet(api.audit(id), (a) => setAudit(a.items)),
    ]);
  }, [api, id, k, owner]);
  useEffect(() => {
    void load();
  }, [load]);

  /** Run an action; on success say `ok` and read everything again, on failure say why. */
  const act = async <T,>(run: () => Promise<T>, ok: string): Promise<T | null> => {
    setProblem(null);
    try {
      const out = await run();
      setDone(ok);
      await load();
      return out;
    } catch (e) {
      setDone(null);
      setProblem(problemText(e));
      return null;
    }
  };

  const seek = (s: number) => {
    if (player.current) player.current.currentTime = s;
    setPlayhead(s);
  };

  if (jobError && !job) return <Notice kind="error">{jobError.status === 404 ? `There is no job ${id} (or it is not shared with you).` : jobError.message}</Notice>;
  if (!job || !versions) return <p role="status">Loading the review…</p>;
  if (!current || k === null)
    return (
      <div>
        <ViewHeading>Review</ViewHeading>
        <Notice kind="info">Nothing to review yet: no version of this ad has been rendered.</Notice>
        <p>
          <a href={href.progress(id)}>See the job</a>
        </p>
      </div>
    );

  const brand = job.brief.product.brand_name;
  const ar = job.brief.aspect_ratio.replace(":", "-");
  return (
    <div className="review-view">
      <div className="view-top">
        <div>
          <ViewHeading>
            Review · {brand} · version {k}
          </ViewHeading>
          <p className="muted">
            {formatSeconds(current.duration_s, 1)} · {versions.length} version{versions.length === 1 ? "" : "s"} · {owner && <><a href={href.editor(id)}>Workspace</a> · </>}<a href={href.progress(id)}>Job</a>
          </p>
          {!owner && me && (
            <p className="muted small" data-testid="reviewing-as">
              You are reviewing as {me.name || me.user_id}: comment on this version and record your decision; the ad itself is its owner's to change.
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="review-version">Version</label>
          <select id="review-version" value={k} onChange={(e) => navigate(href.review(id, Number(e.target.value)))}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                Version {v.version}
              </option>
            ))}
          </select>
        </div>
      </div>
      {problem && <Notice kind="error">{problem}</Notice>}
      {done && !problem && <Notice kind="success">{done}</Notice>}

      <div className="review-top">
        <section aria-labelledby="player-h" className="card">
          <h2 id="player-h" className="visually-hidden">
            Player
          </h2>
          <video
            ref={player}
            className={`player ar-${ar}`}
            src={api.assetUrl(current.urls.output)}
            poster={api.assetUrl(current.urls.poster)}
            controls
            preload="metadata"
            data-testid="review-video"
            aria-label={`${brand} version ${k}`}
            onTimeUpdate={(e) => setPlayhead(e.currentTarget.currentTime)}
          >
            {current.urls.captions && <track kind="captions" srcLang="en" label="English" src={api.assetUrl(current.urls.captions)} />}
          </video>
          <CommentScrubber comments={comments} duration={current.duration_s} playhead={playhead} onSeek={seek} />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => void act(() => api.download(api.packagePath(id, k), `${brand}-v${k}-package.zip`), `Version ${k}'s package was downloaded.`)}>
              Download the package (zip)
            </button>
          </div>
        </section>
        <CommentThreads
          comments={comments}
          origins={origins}
          playhead={playhead}
          onSeek={seek}
          onAdd={async (c) => (await act(() => api.addComment(id, k, c), "Comment added.")) !== null}
          onResolve={(c, resolved) => void act(() => api.resolveComment(id, k, c.comment_id, resolved), resolved ? "Comment resolved." : "Comment reopened.")}
        />
      </div>

      <div className="review-bottom">
        <DecisionPanel review={review} may={decisionRights(me, job)} onDecide={async (d) => (await act(() => api.decide(id, k, d), "Decision recorded.")) !== null} />
        {owner && (
          <ReviewersPanel
            reviewers={reviewers}
            onAdd={async (who) => (await act(() => api.addReviewer(id, who), `Shared with ${who}: they can now review this ad.`)) !== null}
            onRemove={(who) => void act(() => api.removeReviewer(id, who), `No longer shared with ${who}.`)}
          />
        )}
        {owner && (
          <SharePanel
            links={links}
            onCreate={(s) => act(() => api.share(id, k, s), "Share link made.")}
            onRevoke={(l) => void act(() => api.revokeShare(id, k, l.link_id), "Share link revoked: it answers nothing now.")}
          />
        )}
      </div>
      {sheet && <RuleSheetView sheet={sheet} links={{ html: api.assetUrl(current.urls.compliance_html) }} />}
      <AuditList items={audit} onExport={() => void act(() => api.download(`/jobs/${encodeURIComponent(id)}/audit/export?format=csv`, `omnigen-audit-${id}.csv`), "Audit trail exported.")} />
    </div>
  );
}
