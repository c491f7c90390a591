// `/config.json` decides the mode. The local server answers {"mode": "local", "apiBase": "/api/v1"};
// the AWS deployment writes one with the API and WebSocket URLs and the Cognito app client.
// No config (e.g. a static preview) means local mode against the same origin.

export interface CognitoConfig {
  /** Hosted-UI domain, e.g. https://omnigen.auth.us-east-1.amazoncognito.com */
  domain: string;
  clientId: string;
  /** Where Cognito sends the user back; defaults to this page's origin + path. */
  redirectUri?: string;
  scopes?: string[];
  /** Which token the API's authorizer checks: the ID token (audience = client id) by default. */
  tokenUse?: "id" | "access";
}

export interface AppConfig {
  mode: "local" | "aws";
  apiBase: string;
  wsUrl: string | null;
  cognito: CognitoConfig | null;
}

export const LOCAL_CONFIG: AppConfig = { mode: "local", apiBase: "/api/v1", wsUrl: null, cognito: null };

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() ? v.trim() : undefined;
}

export function parseConfig(raw: unknown): AppConfig {
  if (!raw || typeof raw !== "object") return LOCAL_CONFIG;
  const r = raw as Record<string, unknown>;
  const c = (r.cognito && typeof r.cognito === "object" ? r.cognito : null) as Record<string, unknown> | null;
  const domain = c ? str(c.domain) : undefined;
  const clientId = c ? (str(c.clientId) ?? str(c.client_id)) : undefined;
  const cognito: CognitoConfig | null =
    domain && clientId
      ? {
          domain: /^https?:\/\//.test(domain) ? domain.replace(/\/+$/, "") : `https://${domain.replace(/\/+$/, "")}`,
          clientId,
          redirectUri: c ? str(c.redirectUri) : undefined,
          scopes: Array.isArray(c?.scopes) ? (c!.scopes as unknown[]).filter((s): s is string => typeof s === "string") : undefined,
          tokenUse: c?.tokenUse === "access" ? "access" : "id",
        }
      : null;
  const wsUrl = str(r.wsUrl) ?? null;
  const mode = r.mode === "aws" || (r.mode !== "local" && (wsUrl || cognito)) ? "aws" : "local";
  return {
    mode,
    apiBase: (str(r.apiBase) ?? "/api/v1").replace(/\/+$/, ""),
    wsUrl,
    cognito,
  };
}

export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<AppConfig> {
  try {
    const res = await fetchImpl("/config.json", { cache: "no-store" });
    if (!res.ok || !(res.headers.get("content-type") ?? "").includes("json")) return LOCAL_CONFIG;
    return parseConfig(await res.json());
  } catch {
    return LOCAL_CONFIG;
  }
}
