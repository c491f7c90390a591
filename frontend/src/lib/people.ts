// Who is using the app and what they may do (GET /me): a creator makes and edits their own ads;
// a reviewer reads, comments on and decides on the ads shared with them, and is shown no control
// that changes one. The server enforces all of it (403/404); the app only hides what would fail.
//
// Locally, named users sign in with the bearer token `omnigen users add` printed for them
// (kept in this tab's sessionStorage, like the Cognito tokens); the loopback single user needs none.

import { useServices } from "./services";
import type { Job, Me } from "./types";

const LOCAL_TOKEN = "omnigen.localToken";

export function localToken(): string | null {
  try {
    return sessionStorage.getItem(LOCAL_TOKEN);
  } catch {
    return null;
  }
}

export function setLocalToken(token: string | null): void {
  if (token) sessionStorage.setItem(LOCAL_TOKEN, token.trim());
  else sessionStorage.removeItem(LOCAL_TOKEN);
}

/** Who the server takes the user for; undefined when it cannot say (an older server): then
 *  every control shows and the server refuses what is not theirs. */
export function useMe(): Me | undefined {
  return useServices().me ?? undefined;
}

export const isCreator = (me: Me | undefined): boolean => !me || me.roles.includes("creator");

/** The user may change this job (edit, render, cancel, share): it is theirs and they create. */
export function mayEdit(me: Me | undefined, job: Pick<Job, "user_id"> | null | undefined): boolean {
  if (!me) return true;
  return isCreator(me) && (!job || job.user_id === me.user_id);
}

/** "Rita Reviewer (reviewer)", "local user (creator, reviewer)". */
export function whoLine(me: Me): string {
  return `${me.name || me.user_id} (${me.roles.join(", ")})`;
}
