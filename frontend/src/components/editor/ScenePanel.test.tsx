import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { FakeTransport, event, fakeFetch, makeJob, makeTimeline, renderWithServices, track } from "../../test/helpers";
import type { TakeView } from "../../lib/types";
import { ScenePanel } from "./ScenePanel";

const take = (n: number, over: Partial<TakeView> = {}): TakeView => ({
  scene_index: 2, take: n, state: "done", shot: n === 1 ? "Medium shot in the garden" : "Close-up of roses at dusk", camera: "", mood: "",
  clip: `users/local/jobs/job1/takes/scene_2_take_${n}.mp4`, last_frame: "", clip_s: 5, seed: 0, start_image: null, reseed_following: false,
  select: false, cost_usd: n === 1 ? 0 : 0.35, model: n === 1 ? null : "kwaivgi/kling-v2.1", error: "", created_at: null, finished_at: null, in_draft: n === 1, urls: {}, ...over,
});

describe("ScenePanel", () => {
  it("shows the cost first, renders a new take over the stream, and puts the chosen take in the draft", async () => {
    const user = userEvent.setup({ delay: null });
    const transport = new FakeTransport();
    const job = makeJob({ status: "completed", seq: 30, tracks: { scene_2: track("done", 100, { finished_at: "2026-01-02T10:00:30Z" }) } });
    let takes = [take(1)];
    const draft = makeTimeline();
    const f = fakeFetch([
      ["GET", /\/jobs\/job1$/, () => job],
      ["GET", /\/scenes\/2\/takes$/, () => takes],
      ["POST", /\/scenes\/2\/regenerate\/estimate$/, () => ({ scenes: [2, 3], provider: "replicate", model: "kling", billed_seconds: 10, usd: 0.7, expected_seconds: 90, detail: "" })],
      ["POST", /\/scenes\/2\/regenerate$/, () => new Response(JSON.stringify({ job_id: "job1", scene: 2, take: 2, reseeds: [3], estimate: {} }), { status: 202, headers: { "content-type": "application/json" } })],
      ["POST", /\/timeline\/ops$/, () => ({ timeline: draft, check: { findings: [], errors: 0, warnings: 0, passed: true, duration_s: 15, revoice_lines: [] } })],
    ]);
    let chosen = false;
    renderWithServices(<ScenePanel job={job} scene={2} script={{ index: 2, duration_s: 5, purpose: "indication", shot: "Medium shot in the garden" }} chainedNext reload={async () => job} onDraft={() => (chosen = true)} />, { fetch: f, transport });
    expect(await screen.findByRole("list", { name: "Takes of scene 2" })).toHaveTextContent("in the draft");
    // no way to run it before its price is known
    expect(screen.queryByRole("button", { name: /Regenerate for/ })).toBeNull();
    await user.clear(screen.getByLabelText("Shot"));
    await user.type(screen.getByLabelText("Shot"), "Close-up of roses at dusk");
    await user.click(screen.getByRole("button", { name: "What will it cost?" }));
    expect(await screen.findByTestId("take-estimate")).toHaveTextContent("$0.70 · about 1 min 30 s · scenes 2, 3");
    await user.click(screen.getByRole("button", { name: "Regenerate for $0.70" }));
    const sent = f.calls.find((c) => c.path.endsWith("/regenerate"))!.body;
    expect(sent).toEqual({ shot: "Close-up of roses at dusk", camera: null, mood: null, reseed_following: true, select: false });
    const conn = await transport.opened();
    act(() => conn.h.onEvent(event(31, { status: "completed", tracks: { scene_2: track("running", 40, { started_at: "2026-01-02T10:10:00Z" }) } })));
    expect(screen.getByTestId("take-status")).toHaveTextContent("Rendering take 2 of scene 2… 40%");
    takes = [take(1), take(2, { in_draft: false })];
    act(() => conn.h.onEvent(event(32, { status: "completed", tracks: { scene_2: track("done", 100, { finished_at: "2026-01-02T10:11:00Z" }) } })));
    await waitFor(() => expect(screen.getByTestId("take-status")).toHaveTextContent("Take 2 is ready"));
    const list = await screen.findByRole("list", { name: "Takes of scene 2" });
    expect(list.querySelector('[data-take="2"]')).toHaveTextContent("$0.35 on kwaivgi/kling-v2.1"); // the model that rendered it
    await user.click(await within(list).findByRole("button", { name: "Use take 2" }));
    await waitFor(() => expect(chosen).toBe(true));
    expect(f.calls.find((c) => c.path.endsWith("/timeline/ops"))!.body).toEqual({ ops: [{ op: "select_take", scene: 2, take: 2 }] });
  });
});
