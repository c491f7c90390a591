import { act, screen, within } from "@testing-library/react";
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

function serve(jobs: Job[]) {
  let n = 0;
  const f = fakeFetch([
    ["GET", /\/jobs\/job1$/, () => jobs[Math.min(n++, jobs.length - 1)]],
    ["POST", /\/jobs\/job1\/cancel$/, () => ({ job_id: "job1", status: "cancelled" })],
  ]);
  return f;
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
    const done = makeJob({
      status: "completed",
      stage: "completed",
      percent: 100,
      seq: 9,
      renders: 1,
      compliance: { errors: 0, warnings: 2 },
      tracks: { ...running().tracks, scene_1: track("done", 100), scene_2: track("done", 100), music: track("done", 100), voiceover: track("done", 100), compose: track("done", 100) },
      urls: { output: "/api/v1/assets/x/final/output.mp4?exp=9999999999&sig=o", poster: "/api/v1/assets/x/final/poster.jpg?exp=9999999999&sig=p", captions: "/api/v1/assets/x/final/captions.vtt?exp=9999999999&sig=c" },
    });
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
