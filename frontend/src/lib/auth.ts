// Cognito hosted-UI login with the authorization-code flow and PKCE (AWS mode only).
// Tokens live in sessionStorage: they go when the tab does, and no secret is ever in the app.

import type { CognitoConfig } from "./config";

const TOKENS = "omnigen.tokens";
const PENDING = "omnigen.pkce";
const EARLY_S = 60; // refresh this long before expiry

interface Tokens {
  id_token: string;
  access_token: string;
  refresh_token?: string;
  expires_at: number; // epoch seconds
}

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomString(bytes = 32): string {
  const a = new Uint8Array(bytes);
  crypto.getRandomValues(a);
  return b64url(a);
}

export async function challengeFor(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return b64url(new Uint8Array(digest));
}

function redirectUri(cfg: CognitoConfig): string {
  return cfg.redirectUri ?? `${location.origin}${location.pathname}`;
}

export class CognitoAuth {
  private readonly cfg: CognitoConfig;
  private refreshing: Promise<Tokens | null> | null = null;

  constructor(cfg: CognitoConfig) {
    this.cfg = cfg;
  }

  private load(): Tokens | null {
    try {
      return JSON.parse(sessionStorage.getItem(TOKENS) ?? "null") as Tokens | null;
    } catch {
      return null;
    }
  }

  private save(t: Tokens | null): void {
    if (t) sessionStorage.setItem(TOKENS, JSON.stringify(t));
    else sessionStorage.removeItem(TOKENS);
  }

  /** Send the browser to the hosted UI; it comes back with ?code=...&state=... */
  async login(returnTo = location.hash): Promise<void> {
    const verifier = randomString(48);
    const state = randomString(16);
    sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, returnTo }));
    const q = new URLSearchParams({
      response_type: "code",
      client_id: this.cfg.clientId,
      redirect_uri: redirectUri(this.cfg),
      scope: (this.cfg.scopes ?? ["openid", "email", "profile"]).join(" "),
      state,
      code_challenge_method: "S256",
      code_challenge: await challengeFor(verifier),
    });
    location.assign(`${this.cfg.domain}/oauth2/authorize?${q}`);
  }

  /** On return from the hosted UI: exchange the code for tokens and clean the address bar. */
  async completeLogin(): Promise<boolean> {
    const params = new URLSearchParams(location.search);
    const code = params.get("code");
    const error = params.get("error_description") ?? params.get("error");
    if (!code && !error) return false;
    const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null") as
      | { verifier: string; state: string; returnTo: string }
      | null;
    sessionStorage.removeItem(PENDING);
    history.replaceState(null, "", `${location.pathname}${pending?.returnTo ?? ""}`);
    if (error) throw new Error(`sign-in failed: ${error}`);
    if (!pending || params.get("state") !== pending.state) throw new Error("sign-in failed: the login state does not match; try again");
    const tokens = await this.tokenRequest({
      grant_type: "authorization_code",
      client_id: this.cfg.clientId,
      code: code!,
      redirect_uri: redirectUri(this.cfg),
      code_verifier: pending.verifier,
    });
    this.save(tokens);
    return true;
  }

  private async tokenRequest(form: Record<string, string>, refreshToken?: string): Promise<Tokens> {
    const res = await fetch(`${this.cfg.domain}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form),
    });
    if (!res.ok) throw new Error(`sign-in failed: the token endpoint answered ${res.status}`);
    const body = (await res.json()) as { id_token: string; access_token: string; refresh_token?: string; expires_in: number };
    return {
      id_token: body.id_token,
      access_token: body.access_token,
      refresh_token: body.refresh_token ?? refreshToken,
      expires_at: Math.floor(Date.now() / 1000) + (body.expires_in || 3600),
    };
  }

  get signedIn(): boolean {
    return this.load() !== null;
  }

  /** A token valid for at least another minute, refreshed when needed; null means sign in. */
  async token(): Promise<string | null> {
    let t = this.load();
    if (!t) return null;
    if (t.expires_at - EARLY_S <= Date.now() / 1000) {
      if (!t.refresh_token) {
        this.save(null);
        return null;
      }
      const rt = t.refresh_token;
      this.refreshing ??= this.tokenRequest({ grant_type: "refresh_token", client_id: this.cfg.clientId, refresh_token: rt }, rt)
        .then((fresh) => (this.save(fresh), fresh))
        .catch(() => (this.save(null), null))
        .finally(() => (this.refreshing = null));
      t = await this.refreshing;
      if (!t) return null;
    }
    return this.cfg.tokenUse === "access" ? t.access_token : t.id_token;
  }

  logout(): void {
    this.save(null);
    const q = new URLSearchParams({ client_id: this.cfg.clientId, logout_uri: redirectUri(this.cfg) });
    location.assign(`${this.cfg.domain}/logout?${q}`);
  }
}
