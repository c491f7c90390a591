import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { FakeTransport, event, fakeFetch, makeJob, renderWithServices, track } from "../test/helpers";
import type { Job } from "../lib/types";
import { ProgressView, reachedStage } from "./ProgressView";

const running = () =>
  makeJob({
    status: "generating_videos",
    stage: "generating_videos",
    percent: 15,
    seq: 5,
    tracks: { script: track("done", 100), scene_1: track("running", 40), scene_2: track("pending"), music: track("running", 10), voiceover: track("pending"), compose: track("pending") },
  });

/** The running job finished: every track done, its ad and captions signed. */
const completed = (over: Partial<Job> = {}) =>
  makeJob({
    status: "completed",
    stage: "completed",
    percent: 100,
    seq: 9,
    renders: 1,
    tracks: { ...running().tracks, scene_1: track("done", 100), scene_2: track("done", 100), music: track("done", 100), voiceover: track("done", 100), compose: track("done", 100) },
    urls: { output: "/api/v1/assets/x/final/output.mp4?exp=9999999999&sig=o", poster: "/api/v1/assets/x/final/poster.jpg?exp=9999999999&sig=p", captions: "/api/v1/assets/x/final/captions.vtt?exp=9999999999&sig=c" },
    ...over,
  });

function serve(jobs: Job[]) {
  let n = 0;
  const f = fakeFetch([
    ["GET", /\/jobs\/job1$/, () => jobs[Math.min(n++, jobs.length - 1)]],
    ["POST", /\/jobs\/job1\/cancel$/, () => ({ job_id: "job1", status: "cancelled" })],
  ]);
  return f;
}

/** The body rows of a usage table, each as its cells' text: row header first. */
function usageRows(table: HTMLElement): (string | null)[][] {
  return within(table)
    .getAllByRole("row")
    .slice(1)
    .map((r) => [within(r).getByRole("rowheader"), ...within(r).getAllByRole("cell")].map((c) => c.textContent));
}

describe("ProgressView", () => {
  it("shows every track and resumes live progress after the job's seq", async () => {
    const transport = new FakeTransport();
    renderWithServices(<ProgressView id="job1" />, { fetch: serve([running()]), transport });
    await screen.findByRole("heading", { name: /Veltrexa · 15 s ad/ });
    expect((await transport.opened()).lastSeq).toBe(5);
    expect(transport.connections).toHaveLength(1);
    for (const name of ["Script", "Scene 1", "Scene 2", "Music", "Voiceover", "Compose"]) {
      expect(screen.getByRole("heading", { name })).toBeInTheDocument();
    }
    expect(screen.getByRole("progressbar", { name: "Scene 1 progress" })).toHaveAttribute("aria-valuenow", "40");
    const stages = screen.getByRole("list", { name: "Stages" });
    expect(within(stages).getByText("Scenes").closest("li")).toHaveAttribute("aria-current", "step");
  });

  it("draws a scene's thumbnail as soon as it exists", async () => {
    const transport = new FakeTransport();
    const withThumb = { ...running(), seq: 6, urls: { "track:scene_1": "/api/v1/assets/users/local/jobs/job1/frames/scene_1_last.jpg?exp=9999999999&sig=a" } };
    const f = serve([running(), withThumb]);
    renderWithServices(<ProgressView id="job1" />, { fetch: f, transport });
    await screen.findByRole("heading", { name: "Scene 1" });
    expect(screen.queryByAltText("Last frame of scene 1")).toBeNull();
    const conn = await transport.opened();
    act(() => {
      conn.h.onOpen();
      conn.h.onEvent(
        event(6, { tracks: { ...running().tracks, scene_1: track("done", 100, { asset: "users/local/jobs/job1/frames/scene_1_last.jpg" }) } }),
      );
    });
    expect(await screen.findByAltText("Last frame of scene 1")).toHaveAttribute("src", expect.stringContaining("scene_1_last.jpg"));
    expect(screen.getByTestId("connection")).toHaveTextContent("Live");
  });

  it("says when it is reconnecting", async () => {
    const transport = new FakeTransport();
    renderWithServices(<ProgressView id="job1" />, { fetch: serve([running()]), transport });
    await screen.findByRole("heading", { name: "Scene 1" });
    const conn = await transport.opened();
    act(() => conn.h.onClose(new Error("network down")));
    expect(screen.getByTestId("connection")).toHaveTextContent("Reconnecting in 1 s");
    await userEvent.click(screen.getByRole("button", { name: "Retry now" }));
    expect(transport.connections).toHaveLength(2);
  });

  it("shows the finished ad with its player when the job completes", async () => {
    const transport = new FakeTransport();
    const done = completed({ compliance: { errors: 0, warnings: 2 } });
    renderWithServices(<ProgressView id="job1" />, { fetch: serve([running(), done]), transport });
    await screen.findByRole("heading", { name: "Scene 1" });
    const conn = await transport.opened();
    act(() => conn.h.onEvent(event(9, { status: "completed", percent: 100, tracks: done.tracks })));
    const video = await screen.findByTestId("output-video");
    expect(video).toHaveAttribute("src", expect.stringContaining("output.mp4"));
    // captions are offered but off until the viewer turns them on: the burned-in text carries the risks
    const captions = video.querySelector("track");
    expect(captions).toHaveAttribute("kind", "captions");
    expect(captions).toHaveAttribute("src", expect.stringContaining("captions.vtt"));
    expect(captions).not.toHaveAttribute("default");
    expect(screen.getByRole("link", { name: "Edit in the workspace" })).toHaveAttribute("href", "#/jobs/job1/edit");
    expect(screen.getByRole("link", { name: /Compliance report \(0 errors, 2 warnings\)/ })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Cancel job" })).toBeNull();
    expect(conn.closed).toBe(true);
  });

  it("cancels after a confirmation", async () => {
    const user = userEvent.setup({ delay: null });
    const transport = new FakeTransport();
    const cancelled = { ...running(), status: "cancelled" as const, seq: 7 };
    const f = serve([running(), cancelled]);
    renderWithServices(<ProgressView id="job1" />, { fetch: f, transport });
    await user.click(await screen.findByRole("button", { name: "Cancel job" }));
    await user.click(screen.getByRole("button", { name: "Yes, cancel it" }));
    await screen.findByText(/This job was cancelled/);
    expect(f.calls.some((c) => c.method === "POST" && c.path.endsWith("/cancel"))).toBe(true);
  });

  it("does not open a stream for a job that has already finished, and says why a job failed", async () => {
    const transport = new FakeTransport();
    const failed = makeJob({ status: "failed", stage: "failed", seq: 4, error: { step: "write_script", message: "the script still breaks 2 compliance rule(s)", detail: "rule C", fix: "", brief_changes: {} }, assets: { compliance: "k" }, tracks: { script: track("failed") } });
    renderWithServices(<ProgressView id="job1" />, { fetch: serve([failed]), transport });
    expect(await screen.findByText(/the script still breaks 2 compliance rule/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Read the compliance report" })).toHaveAttribute("href", "#/jobs/job1/compliance");
    expect(transport.connections).toHaveLength(0);
  });

  it("shows the cost of a finished job per model, one line for each video model", async () => {
    const done = completed({
      cost_usd: 2.4213,
      usage: [
        { capability: "script", model: "anthropic/claude-4-sonnet", calls: 1, cost_usd: 0.0213 },
        { capability: "video", model: "kwaivgi/kling-v2.5-turbo-pro", calls: 2, cost_usd: 1.05 },
        { capability: "video", model: "kwaivgi/kling-v2.1", calls: 2, cost_usd: 1.35 },
      ],
    });
    renderWithServices(<ProgressView id="job1" />, { fetch: serve([done]), transport: new FakeTransport() });
    const table = await screen.findByRole("table", { name: /Cost by model \(total \$2\.42\)/ });
    expect(usageRows(table)).toEqual([
      ["Script", "anthropic/claude-4-sonnet", "1", "$0.02"],
      ["Video", "kwaivgi/kling-v2.5-turbo-pro", "2", "$1.05"],
      ["Video", "kwaivgi/kling-v2.1", "2", "$1.35"],
    ]);
    expect(within(table).getAllByRole("columnheader").map((c) => c.textContent)).toEqual(["For", "Model", "Calls", "Cost"]);
    expect(screen.getByText("Cost $2.42")).toBeInTheDocument();
  });

  it("shows what a stopped job spent per model, and no usage table for a job that made no calls", async () => {
    const usage = [{ capability: "video", model: "kwaivgi/kling-v2.1", calls: 1, cost_usd: 0.45 }];
    const failed = makeJob({ status: "failed", stage: "failed", seq: 4, cost_usd: 0.45, usage, tracks: { script: track("done", 100), scene_1: track("failed") } });
    const view = renderWithServices(<ProgressView id="job1" />, { fetch: serve([failed]), transport: new FakeTransport() });
    const table = await screen.findByRole("table", { name: /Spent before it stopped, by model \(total \$0\.45\)/ });
    expect(usageRows(table)).toEqual([["Video", "kwaivgi/kling-v2.1", "1", "$0.45"]]);
    view.unmount();

    const queued = makeJob({ status: "cancelled", stage: "cancelled", seq: 2 });
    renderWithServices(<ProgressView id="job1" />, { fetch: serve([queued]), transport: new FakeTransport() });
    await screen.findByText(/This job was cancelled/);
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("shows what a running job has spent so far, read again as each track ends", async () => {
    const transport = new FakeTransport();
    const script = [{ capability: "script", model: "openai/gpt-4o", calls: 1, cost_usd: 0.01 }];
    const before = { ...running(), cost_usd: 0.01, usage: script, urls: { script: "/api/v1/assets/x/script.json?exp=9999999999&sig=s" } };
    const take = { capability: "video", model: "kwaivgi/kling-v2.5-turbo-pro", calls: 1, cost_usd: 0.35 };
    const after = { ...before, seq: 6, cost_usd: 0.36, usage: [...script, take], tracks: { ...before.tracks, scene_1: track("done", 100) } };
    const f = serve([before, after]);
    renderWithServices(<ProgressView id="job1" />, { fetch: f, transport });
    const table = await screen.findByRole("table", { name: /Spent so far, by model \(total \$0\.01\)/ });
    expect(usageRows(table)).toEqual([["Script", "openai/gpt-4o", "1", "$0.01"]]);
    const conn = await transport.opened();
    // a track that ends with no new asset still has its cost read: the take was billed
    act(() => conn.h.onEvent(event(6, { tracks: after.tracks })));
    const grown = await screen.findByRole("table", { name: /Spent so far, by model \(total \$0\.36\)/ });
    expect(usageRows(grown)).toEqual([
      ["Script", "openai/gpt-4o", "1", "$0.01"],
      ["Video", "kwaivgi/kling-v2.5-turbo-pro", "1", "$0.35"],
    ]);
    expect(f.calls.filter((c) => c.method === "GET" && c.path.endsWith("/jobs/job1"))).toHaveLength(2);
  });

  it("answers a missing job plainly", async () => {
    renderWithServices(<ProgressView id="nope" />, { fetch: fakeFetch([]) });
    expect(await screen.findByText(/There is no job nope/)).toBeInTheDocument();
  });
});

describe("reachedStage", () => {
  it("follows the status, or the tracks once the job failed", () => {
    expect(reachedStage({ status: "composing", tracks: {} })).toBe(4);
    expect(reachedStage({ status: "failed", tracks: { script: track("done"), scene_1: track("failed") } })).toBe(2);
    expect(reachedStage({ status: "failed", tracks: { script: track("failed") } })).toBe(1);
  });
});

describe("ProgressView in a producer's words", () => {
  const SCRIPT_URL = "/api/v1/assets/users/local/jobs/job1/script.json?exp=9999999999&sig=s";
  const script = {
    title: "Back to the roses",
    scenes: [
      { index: 1, duration_s: 5, purpose: "hook", shot: "A gardener kneels among roses at dawn", voiceover: "Back to the roses." },
      { index: 2, duration_s: 10, purpose: "major_statement", shot: "She walks the garden path", voiceover: "Serious infections can happen." },
    ],
  };

  it("shows each scene's shot and line, its frame once done, and a plain status line", async () => {
    const transport = new FakeTransport();
    const job = {
      ...running(),
      message: "scene_1: rendering hook",
      urls: { script: SCRIPT_URL, "track:scene_2": "/api/v1/assets/users/local/jobs/job1/frames/scene_2_last.jpg?exp=9999999999&sig=f" },
      tracks: { ...running().tracks, scene_2: track("done", 100, { message: "rendered", asset: "users/local/jobs/job1/frames/scene_2_last.jpg" }) },
    };
    const f = fakeFetch([
      ["GET", /\/jobs\/job1$/, () => job],
      ["GET", /\/assets\/users\/local\/jobs\/job1\/script\.json$/, () => script],
    ]);
    renderWithServices(<ProgressView id="job1" />, { fetch: f, transport });
    const card1 = (await screen.findByRole("heading", { name: "Scene 1" })).closest("li")!;
    await within(card1).findByText("A gardener kneels among roses at dawn");
    expect(card1).toHaveTextContent("“Back to the roses.”");
    expect(card1).toHaveTextContent("rendering…");
    const card2 = screen.getByRole("heading", { name: "Scene 2" }).closest("li")!;
    expect(card2).toHaveTextContent("She walks the garden path");
    expect(within(card2).getByAltText("Last frame of scene 2")).toHaveAttribute("src", expect.stringContaining("scene_2_last.jpg"));
    expect(screen.getByTestId("job-message")).toHaveTextContent("Scene 1: rendering hook.");
    const conn = await transport.opened();
    act(() => conn.h.onEvent(event(6, { message: "compose: version 2 rendered, QC passed", tracks: job.tracks })));
    expect(screen.getByTestId("job-message")).toHaveTextContent(/^Version 2 rendered, QC passed\.$/);
    expect(document.body.textContent).not.toMatch(/scene_\d/);
  });

  it("titles the ad by the length of its newest version, not the brief's", async () => {
    const done = makeJob({ status: "completed", stage: "completed", renders: 2, versions: [
      { version: 1, created_at: "2026-01-02T10:01:00Z", duration_s: 15, assets: {}, compliance: {}, qc: {} },
      { version: 2, created_at: "2026-01-02T10:05:00Z", duration_s: 12.5, assets: {}, compliance: {}, qc: {} },
    ] });
    renderWithServices(<ProgressView id="job1" />, { fetch: serve([done]) });
    expect(await screen.findByRole("heading", { name: "Veltrexa · 12.5 s ad" })).toBeInTheDocument();
  });

  it("puts what to do first when a job failed, and marks the tracks that did not run as skipped", async () => {
    const failed = makeJob({
      status: "failed",
      stage: "failed",
      seq: 4,
      error: { step: "write_script", message: "the major statement needs 29.6 s, the ad has 8.8 s: make it 30 s", detail: "FIT-DURATION", fix: "", brief_changes: {} },
      tracks: { script: track("failed"), scene_1: track("pending"), music: track("running", 30), voiceover: track("pending"), compose: track("pending") },
    });
    renderWithServices(<ProgressView id="job1" />, { fetch: serve([failed]) });
    const fix = await screen.findByTestId("job-fix");
    expect(fix).toHaveTextContent("make it 30 s");
    // the fix comes before the details
    const alert = fix.closest("[role=alert]")!;
    expect(alert.textContent!.indexOf("make it 30 s")).toBeLessThan(alert.textContent!.indexOf("Details"));
    for (const name of ["scene_1", "voiceover", "compose"]) expect(document.querySelector(`[data-track=${name}]`)).toHaveAttribute("data-state", "skipped");
    expect(document.querySelector("[data-track=music]")).toHaveAttribute("data-state", "stopped");
  });

  it("starts again with the change the error names, in one click", async () => {
    const user = userEvent.setup({ delay: null });
    const failed = makeJob({
      status: "failed",
      stage: "failed",
      seq: 4,
      error: { step: "write_script", message: "the major statement does not fit", detail: "", fix: "needs 29.6 s, has 8.8 s: make it 30 s", brief_changes: { duration_s: 30 } },
      tracks: { script: track("failed") },
    });
    const f = fakeFetch([
      ["GET", /\/jobs\/job1$/, () => failed],
      ["POST", /\/jobs\/job1\/duplicate$/, () => new Response(JSON.stringify({ job_id: "job2", status: "queued" }), { status: 202, headers: { "content-type": "application/json" } })],
    ]);
    renderWithServices(<ProgressView id="job1" />, { fetch: f });
    expect(await screen.findByTestId("job-fix")).toHaveTextContent("needs 29.6 s, has 8.8 s: make it 30 s");
    expect(screen.getByText("(length 30 s)")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Start again with this change" }));
    await waitFor(() => expect(location.hash).toBe("#/jobs/job2"));
    expect(f.calls.find((c) => c.method === "POST")!.body).toEqual({ changes: { duration_s: 30 } });
  });
});
