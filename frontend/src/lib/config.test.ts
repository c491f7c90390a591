import { describe, expect, it } from "vitest";
import { json } from "../test/helpers";
import { LOCAL_CONFIG, loadConfig, parseConfig } from "./config";

describe("config", () => {
  it("reads the local server's config as local mode", async () => {
    const cfg = await loadConfig((async () => json({ mode: "local", apiBase: "/api/v1", wsUrl: null, cognito: null })) as unknown as typeof fetch);
    expect(cfg).toEqual(LOCAL_CONFIG);
  });

  it("reads an AWS config with Cognito and the WebSocket", () => {
    const cfg = parseConfig({
      mode: "aws",
      apiBase: "https://abc.execute-api.us-east-1.amazonaws.com/prod/api/v1/",
      wsUrl: "wss://ws.example/prod",
      cognito: { domain: "omnigen.auth.us-east-1.amazoncognito.com", client_id: "client123" },
    });
    expect(cfg.mode).toBe("aws");
    expect(cfg.apiBase).toBe("https://abc.execute-api.us-east-1.amazonaws.com/prod/api/v1");
    expect(cfg.cognito).toMatchObject({ domain: "https://omnigen.auth.us-east-1.amazoncognito.com", clientId: "client123", tokenUse: "id" });
  });

  it("falls back to local mode without a config (404, HTML, network error)", async () => {
    expect(await loadConfig((async () => new Response("nope", { status: 404 })) as unknown as typeof fetch)).toEqual(LOCAL_CONFIG);
    expect(await loadConfig((async () => new Response("<html>", { headers: { "content-type": "text/html" } })) as unknown as typeof fetch)).toEqual(LOCAL_CONFIG);
    expect(await loadConfig((async () => Promise.reject(new Error("down"))) as unknown as typeof fetch)).toEqual(LOCAL_CONFIG);
  });
});
