import { describe, expect, it, vi } from "vitest";
import { fakeFetch, problem } from "../test/helpers";
import { Api, ApiError, normalizeProblem } from "./api";

describe("Api", () => {
  it("reads problem+json into an ApiError with its fields", async () => {
    const f = fakeFetch([
      ["POST", /\/generate$/, () => problem(422, "the request is not valid", [
        { field: "prompt", message: "String should have at least 10 characters" },
        { field: "", message: "Value error, product.side_effects: a product_claim ad must list at least one major risk" },
      ])],
    ]);
    const api = new Api("/api/v1", async () => "tok", f);
    const err = await api.generate({} as never, "key-1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(422);
    expect(e.retryable).toBe(false);
    expect(e.fields).toEqual({
      prompt: "needs at least 10 characters",
      "product.side_effects": "a product_claim ad must list at least one major risk",
    });
    expect(f.calls[0].headers).toMatchObject({ Authorization: "Bearer tok", "Idempotency-Key": "key-1", "Content-Type": "application/json" });
  });

  it("makes a network failure a retryable ApiError", async () => {
    const api = new Api("/api/v1", async () => null, (async () => {
      throw new TypeError("Failed to fetch");
    }) as unknown as typeof fetch);
    const err = (await api.listJobs().catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(0);
    expect(err.retryable).toBe(true);
  });

  it("uploads through the signed URL and returns the key for product.image", async () => {
    const f = fakeFetch([
      ["POST", /\/uploads$/, () => ({ key: "users/local/uploads/ab.png", url: "/api/v1/uploads/users/local/uploads/ab.png?exp=1&sig=s", method: "PUT", headers: { "Content-Type": "image/png" }, expires_at: "" })],
      ["PUT", /\/uploads\/users\/local\/uploads\/ab\.png$/, () => ({ key: "users/local/uploads/ab.png", width: 400, height: 300, content_type: "image/png" })],
    ]);
    const api = new Api("/api/v1", async () => null, f);
    const file = new File([new Uint8Array([137, 80, 78, 71])], "pack.png", { type: "image/png" });
    const done = await api.upload(file);
    expect(done).toMatchObject({ key: "users/local/uploads/ab.png", width: 400 });
    expect(f.calls[0].body).toEqual({ filename: "pack.png", content_type: "image/png", size_bytes: 4 });
    expect(f.calls[1].headers).toMatchObject({ "Content-Type": "image/png" });
    expect(f.calls[1].url).toContain("sig=s");
  });

  it("downloads a package still building by polling its build's status, then its signed link", async () => {
    const build = { build_id: "b1", state: "building", status_url: "/api/v1/jobs/j1/versions/2/package/builds/b1", url: null };
    let polls = 0;
    const f = fakeFetch([
      ["GET", /\/jobs\/j1\/versions\/2\/package$/, () => new Response(JSON.stringify(build), { status: 202, headers: { "content-type": "application/json" } })],
      ["GET", /\/package\/builds\/b1$/, () => (++polls < 2 ? build : { ...build, state: "ready", url: "/api/v1/assets/users/u/jobs/j1/final/v2.package.b1.zip?exp=1&sig=s" })],
      ["GET", /\/assets\/users\/u\/jobs\/j1\/final\/v2\.package\.b1\.zip$/, () => new Response(new Uint8Array([80, 75, 3, 4]), { status: 200 })],
    ]);
    const saved: string[] = [];
    const create = URL.createObjectURL;
    URL.createObjectURL = ((blob: Blob) => { saved.push(String(blob.size)); return "blob:x"; }) as typeof URL.createObjectURL;
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});  // jsdom cannot navigate
    try {
      await new Api("/api/v1", async () => "tok", f).download("/jobs/j1/versions/2/package", "a.zip");
    } finally {
      URL.createObjectURL = create;
      click.mockRestore();
    }
    expect(polls).toBe(2);
    expect(saved).toEqual(["4"]);  // the zip's bytes, not the status JSON
    expect(f.calls.find((c) => c.path.endsWith("/builds/b1"))?.headers).toMatchObject({ Authorization: "Bearer tok" });
  }, 10_000);

  it("says why when a package build fails", async () => {
    const f = fakeFetch([
      ["GET", /\/package$/, () => new Response(JSON.stringify({ state: "failed", status_url: "/api/v1/x", url: null, error: "building the package failed at zipping: disk full" }), { status: 202 })],
    ]);
    const api = new Api("/api/v1", async () => null, f);
    const err = (await api.download("/jobs/j1/versions/2/package", "a.zip").catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toContain("disk full");
  });

  it("resolves asset paths against an absolute API base and leaves S3 URLs alone", () => {
    const aws = new Api("https://api.example.com/prod/api/v1");
    expect(aws.assetUrl("/api/v1/assets/k?exp=1")).toBe("https://api.example.com/api/v1/assets/k?exp=1");
    expect(aws.assetUrl("https://bucket.s3.amazonaws.com/k?X-Amz-Date=1")).toBe("https://bucket.s3.amazonaws.com/k?X-Amz-Date=1");
    expect(new Api("/api/v1").assetUrl("/api/v1/assets/k")).toBe("/api/v1/assets/k");
    expect(new Api("/api/v1").assetUrl(null)).toBeUndefined();
  });
});

describe("normalizeProblem", () => {
  it("keeps a field it is given and finds one in a model-level message", () => {
    expect(normalizeProblem({ field: "duration_s", message: "too short" })).toEqual({ field: "duration_s", message: "too short" });
    expect(normalizeProblem({ field: "", message: "Value error, clips[0].transition: nope" })).toEqual({ field: "", message: "clips[0].transition: nope" });
    expect(normalizeProblem({ field: "", message: "something general" })).toEqual({ field: "", message: "something general" });
  });
});
