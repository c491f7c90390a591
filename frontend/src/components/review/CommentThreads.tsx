// Review comments: a form that pins a new one to the playhead (or a range), and the threads in
// the order of their place on the ad's clock, with replies, resolve and reopen.

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
}

const round1 = (s: number) => Math.round(s * 10) / 10;

export function CommentThreads({ comments, playhead, askName, readOnly, onAdd, onResolve, onSeek }: Props) {
  const [text, setText] = useState("");
  const [name, setName] = useState("");
  const [range, setRange] = useState("");
  const [replyTo, setReplyTo] = useState<Comment | null>(null);
  const at = replyTo ? replyTo.at_s : round1(playhead);
  const end = range.trim() === "" ? null : Number(range);

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
      {comments.length === 0 ? (
        <p className="muted">No comments on this version yet.</p>
      ) : (
        <ol className="threads plain" data-testid="comment-threads">
          {comments.map((c) => (
            <Thread key={c.comment_id} c={c} readOnly={readOnly} onReply={setReplyTo} onResolve={onResolve} onSeek={onSeek} />
          ))}
        </ol>
      )}
    </section>
  );
}

function Thread({ c, readOnly, onReply, onResolve, onSeek }: { c: Comment; readOnly?: boolean; onReply(c: Comment): void; onResolve?: Props["onResolve"]; onSeek(s: number): void }) {
  return (
    <li className={`thread ${c.resolved ? "resolved" : ""}`} data-comment={c.comment_id}>
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
