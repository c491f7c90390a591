// Review comments: a form that pins a new one to the playhead (or a range), and the threads in
// the order of their place on the ad's clock, with replies, resolve and reopen. A thread carried
// from an earlier version says so (and where it sat there, when the edit moved it); one whose
// scene a later version dropped is outdated: listed apart, with the reason it was not carried.

import { useState, type FormEvent } from "react";
import { clock } from "../../lib/format";
import type { Comment, CommentRequest } from "../../lib/types";

interface Props {
  comments: Comment[];
  playhead: number;
  /** A share link's reviewer names themself; a signed-in one is known. */
  askName?: boolean;
  readOnly?: boolean;
  onAdd(c: CommentRequest & { name?: string }): Promise<boolean>;
  onResolve?(c: Comment, resolved: boolean): void;
  onSeek(seconds: number): void;
  /** Where each carried comment sat on the version it came from (by comment id), when known. */
  origins?: ReadonlyMap<string, number>;
}

const round1 = (s: number) => Math.round(s * 10) / 10;

/** "Carried from version 1, where it was at 0:12.0": the time only when the edit moved it. */
export function carriedNote(c: Comment, originalAt?: number): string | null {
  if (c.carried_from === null || c.carried_from === undefined) return null;
  const moved = originalAt !== undefined && Math.abs(originalAt - c.at_s) >= 0.05;
  return `Carried from version ${c.carried_from}${moved ? `, where it was at ${clock(originalAt)}` : ""}`;
}

/** Why a later version left the comment behind: "Not carried onto version 3: scene 2, … ." */
export function outdatedNote(c: Comment): string | null {
  if (!c.outdated) return null;
  const onto = c.outdated_in !== null && c.outdated_in !== undefined ? `version ${c.outdated_in}` : "a later version";
  const why = c.outdated_reason?.trim() || "its scene is not in it";
  return `Not carried onto ${onto}: ${why}.`;
}

export function CommentThreads({ comments, playhead, askName, readOnly, onAdd, onResolve, onSeek, origins }: Props) {
  const [text, setText] = useState("");
  const [name, setName] = useState("");
  const [range, setRange] = useState("");
  const [replyTo, setReplyTo] = useState<Comment | null>(null);
  const at = replyTo ? replyTo.at_s : round1(playhead);
  const end = range.trim() === "" ? null : Number(range);
  const current = comments.filter((c) => !c.outdated);
  const outdated = comments.filter((c) => c.outdated);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ok = await onAdd({ at_s: at, end_s: end !== null && Number.isFinite(end) ? end : null, text, parent_id: replyTo?.comment_id ?? null, ...(askName ? { name } : {}) });
    if (ok) {
      setText("");
      setRange("");
      setReplyTo(null);
    }
  };

  return (
    <section aria-labelledby="comments-h" className="card comments">
      <h2 id="comments-h">Comments</h2>
      {!readOnly && (
        <form onSubmit={submit} className="comment-form">
          <p className="muted small">
            {replyTo ? (
              <>
                Replying to {replyTo.author_name} at {clock(replyTo.at_s)}.{" "}
                <button type="button" className="link" onClick={() => setReplyTo(null)}>
                  Cancel the reply
                </button>
              </>
            ) : (
              <>Pinned at the playhead: {clock(at)}. Pause the player where you mean.</>
            )}
          </p>
          {askName && (
            <div className="field">
              <label htmlFor="comment-name">Your name</label>
              <input id="comment-name" value={name} maxLength={100} required onChange={(e) => setName(e.target.value)} />
            </div>
          )}
          <div className="field">
            <label htmlFor="comment-text">{replyTo ? "Reply" : `Comment at ${clock(at)}`}</label>
            <textarea id="comment-text" rows={3} maxLength={4000} value={text} required onChange={(e) => setText(e.target.value)} />
          </div>
          {!replyTo && (
            <div className="field">
              <label htmlFor="comment-end">Until (s, optional)</label>
              <input id="comment-end" type="number" min={at} step={0.1} value={range} onChange={(e) => setRange(e.target.value)} />
            </div>
          )}
          <button type="submit" className="primary" disabled={!text.trim() || (askName && !name.trim())}>
            {replyTo ? "Post reply" : "Add comment"}
          </button>
        </form>
      )}
      {current.length === 0 ? (
        <p className="muted">{outdated.length === 0 ? "No comments on this version yet." : "No current comments on this version."}</p>
      ) : (
        <ol className="threads plain" data-testid="comment-threads">
          {current.map((c) => (
            <Thread key={c.comment_id} c={c} origin={origins?.get(c.comment_id)} readOnly={readOnly} onReply={setReplyTo} onResolve={onResolve} onSeek={onSeek} />
          ))}
        </ol>
      )}
      {outdated.length > 0 && (
        <section aria-labelledby="outdated-h" className="outdated-comments">
          <h3 id="outdated-h">Outdated comments</h3>
          <p className="muted small">A later version no longer has the scene these were made on, so they stay here, on this version.</p>
          <ol className="threads plain" data-testid="outdated-threads">
            {outdated.map((c) => (
              <Thread key={c.comment_id} c={c} origin={origins?.get(c.comment_id)} readOnly={readOnly} onReply={setReplyTo} onResolve={onResolve} onSeek={onSeek} />
            ))}
          </ol>
        </section>
      )}
    </section>
  );
}

function Thread({ c, origin, readOnly, onReply, onResolve, onSeek }: { c: Comment; origin?: number; readOnly?: boolean; onReply(c: Comment): void; onResolve?: Props["onResolve"]; onSeek(s: number): void }) {
  const carried = carriedNote(c, origin);
  const outdated = outdatedNote(c);
  return (
    <li className={`thread ${c.resolved ? "resolved" : ""} ${c.outdated ? "outdated" : ""}`} data-comment={c.comment_id}>
      <p className="thread-head">
        <button type="button" className="link" onClick={() => onSeek(c.at_s)}>
          {clock(c.at_s)}
          {c.end_s !== null && c.end_s !== undefined ? `–${clock(c.end_s)}` : ""}
        </button>{" "}
        <strong>{c.author_name}</strong>
        {c.via_share_link && <span className="badge">via share link</span>}
        {c.item && <span className="muted small"> · {c.item}</span>}
        {c.resolved && <span className="badge">resolved</span>}
      </p>
      {carried && (
        <p className="muted small" data-testid="comment-carried">
          {carried}
        </p>
      )}
      {outdated && (
        <p className="muted small" data-testid="comment-outdated">
          {outdated}
        </p>
      )}
      <p className="thread-text">{c.text}</p>
      {c.replies.length > 0 && (
        <ol className="replies plain">
          {c.replies.map((r) => (
            <li key={r.comment_id}>
              <strong>{r.author_name}</strong>: {r.text}
            </li>
          ))}
        </ol>
      )}
      {!readOnly && (
        <p className="actions">
          <button type="button" className="secondary small" onClick={() => onReply(c)}>
            Reply<span className="visually-hidden"> to the comment at {clock(c.at_s)}</span>
          </button>
          {onResolve && (
            <button type="button" className="secondary small" onClick={() => onResolve(c, !c.resolved)}>
              {c.resolved ? "Reopen" : "Resolve"}
              <span className="visually-hidden"> the comment at {clock(c.at_s)}</span>
            </button>
          )}
        </p>
      )}
    </li>
  );
}
