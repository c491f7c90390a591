// The people a job is shared with for review (medical, legal, regulatory): the owner adds one by
// their user id and stops sharing with one. A reviewer sees the job in their library, comments
// and decides on its versions, and can change nothing.

import { useState } from "react";
import { fieldId } from "../ui";

interface Props {
  /** The reviewers' user ids (null while loading, undefined when they cannot be read). */
  reviewers: string[] | null | undefined;
  /** Share with `userId`; resolves true once it is done (the field is cleared). */
  onAdd(userId: string): Promise<boolean>;
  onRemove(userId: string): void;
}

/** The API's pattern for a user id (omnigen/review/people.py USER_ID). */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export function ReviewersPanel({ reviewers, onAdd, onRemove }: Props) {
  const [who, setWho] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const path = "reviewer-id";
  const add = async () => {
    const id = who.trim();
    if (!USER_ID.test(id)) {
      setProblem("Write the reviewer's user id: letters, digits and . _ @ + -, starting with a letter or digit (their sign-in name or email).");
      return;
    }
    if (reviewers?.includes(id)) {
      setProblem(`The job is already shared with ${id}.`);
      return;
    }
    setProblem(null);
    if (await onAdd(id)) setWho("");
  };
  return (
    <section aria-labelledby="reviewers-h" className="card reviewers">
      <h2 id="reviewers-h">Reviewers</h2>
      <p className="muted small">Share the job with a named reviewer: they see it, comment and decide on its versions, and cannot change it.</p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <div className={`field grow ${problem ? "has-error" : ""}`}>
          <label htmlFor={fieldId(path)}>Reviewer's user id</label>
          <input
            id={fieldId(path)}
            value={who}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setWho(e.target.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${fieldId(path)}-error` : undefined}
          />
          {problem && (
            <p className="field-error" id={`${fieldId(path)}-error`} role="alert">
              {problem}
            </p>
          )}
        </div>
        <button type="submit" className="secondary">
          Share with reviewer
        </button>
      </form>
      {reviewers === null ? (
        <p className="muted small">Loading who it is shared with…</p>
      ) : reviewers === undefined ? (
        <p className="muted small">Who it is shared with cannot be read right now; reload the page to try again.</p>
      ) : reviewers.length === 0 ? (
        <p className="muted small" data-testid="reviewers-empty">
          Not shared with any reviewer yet.
        </p>
      ) : (
        <ul className="plain reviewer-list" aria-label="Shared with" data-testid="reviewer-list">
          {reviewers.map((r) => (
            <li key={r}>
              <span>{r}</span>{" "}
              <button type="button" className="secondary small" onClick={() => onRemove(r)}>
                Stop sharing<span className="visually-hidden"> with {r}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
