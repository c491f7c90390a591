import { afterEach, describe, expect, it, vi } from "vitest";
import { CognitoAuth, challengeFor } from "./auth";

const cfg = { domain: "https://omnigen.auth.us-east-1.amazoncognito.com", clientId: "client123", redirectUri: "https://app.example/" };

afterEach(() => {
  sessionStorage.clear();
  vi.unstubAllGlobals();
});

describe("PKCE with Cognito's hosted UI", () => {
  it("derives the S256 challenge of RFC 7636's example", async () => {
    expect(await challengeFor("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("sends the browser to /oauth2/authorize and trades the code for tokens with the verifier", async () => {
    const assign = vi.fn();
    vi.stubGlobal("location", { ...window.location, assign, search: "", pathname: "/", hash: "#/library", origin: "https://app.example" });
    const auth = new CognitoAuth(cfg as never);
    await auth.login();
    const url = new URL(assign.mock.calls[0][0] as string);
    expect(url.origin + url.pathname).toBe(`${cfg.domain}/oauth2/authorize`);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    const state = url.searchParams.get("state")!;
    const pending = JSON.parse(sessionStorage.getItem("omnigen.pkce")!);
    expect(url.searchParams.get("code_challenge")).toBe(await challengeFor(pending.verifier));

    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ id_token: "id.jwt", access_token: "acc.jwt", refresh_token: "r1", expires_in: 3600 })));
    vi.stubGlobal("fetch", fetchMock);
    vi.stubGlobal("location", { ...window.location, assign, search: `?code=abc&state=${state}`, pathname: "/", hash: "" });
    const replace = vi.spyOn(history, "replaceState").mockImplementation(() => undefined);
    expect(await auth.completeLogin()).toBe(true);
    const body = new URLSearchParams(String((fetchMock.mock.calls[0] as unknown[])[1] && ((fetchMock.mock.calls[0] as unknown[])[1] as RequestInit).body));
    expect(body.get("grant_type")).toBe("authorization_code");
    expect(body.get("code_verifier")).toBe(pending.verifier);
    expect(await auth.token()).toBe("id.jwt");
    expect(replace).toHaveBeenCalled();
  });

  it("refuses a return whose state does not match", async () => {
    sessionStorage.setItem("omnigen.pkce", JSON.stringify({ verifier: "v", state: "good", returnTo: "" }));
    vi.stubGlobal("location", { ...window.location, search: "?code=abc&state=forged", pathname: "/", hash: "" });
    vi.spyOn(history, "replaceState").mockImplementation(() => undefined);
    await expect(new CognitoAuth(cfg as never).completeLogin()).rejects.toThrow(/state does not match/);
  });
});
