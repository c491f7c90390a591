// Sign-in for a local server with named users: each person pastes the access token they were
// given (the server keeps only its hash). It is kept for this tab only.

import { useState } from "react";

interface Props {
  /** Why the last token was not taken, if one was tried. */
  problem: string | null;
  onToken(token: string): void;
}

export function SignIn({ problem, onToken }: Props) {
  const [token, setToken] = useState("");
  return (
    <main className="sign-in" id="main">
      <h1>Sign in to OmniGen</h1>
      <p>This server has named users. Paste the access token you were given; it is kept in this tab only.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onToken(token.trim());
        }}
      >
        <div className={`field ${problem ? "has-error" : ""}`}>
          <label htmlFor="sign-in-token">Access token</label>
          <input
            id="sign-in-token"
            type="password"
            autoComplete="current-password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? "sign-in-error" : undefined}
            required
          />
          {problem && (
            <p className="field-error" id="sign-in-error" role="alert">
              {problem}
            </p>
          )}
        </div>
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
