import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { FakeTransport, REPORT, event, fakeFetch, layered, makeJob, makeTimeline, person, problem, renderWithServices, track } from "../test/helpers";
import type { ComplianceReport, Job, Timeline } from "../lib/types";
import { EditorView } from "./EditorView";

const exp = () => Math.floor(Date.now() / 1000) + 3600;
const RECOMPOSE_START = "2026-01-02T10:09:00Z";
const REFUSED = "the timeline breaks 1 compliance rule(s); fix it or re-compose with --allow-noncompliant (recorded in the report)";

function completed(renders: number, extra: Partial<Job> = {}): Job {
  return makeJob({
    status: "completed",
    stage: "completed",
    percent: 100,
    renders,
    seq: 20 + renders,
    tracks: { script: track("done"), scene_1: track("done"), scene_2: track("done"), scene_3: track("done"), music: track("done"), voiceover: track("done"), compose: track("done", 100, { started_at: `2026-01-02T10:0${renders}:00Z`, finished_at: `2026-01-02T10:0${renders}:30Z` }) },
    urls: {
      output: `/api/v1/assets/users/local/jobs/job1/final/${renders > 1 ? `v${renders}` : "output"}.mp4?exp=${exp()}&sig=v${renders}`,
      poster: `/api/v1/assets/users/local/jobs/job1/final/poster.jpg?exp=${exp()}&sig=p`,
      "track:scene_1": `/api/v1/assets/f1.jpg?exp=${exp()}&sig=1`,
    },
    ...extra,
  });
}

/** The API of a finished job; a re-compose runs until the test calls `finish()`, and the test
 *  sends its progress events over the view's transport, as the server would. */
function server(opts: { putStatus?: number } = {}) {
  let saved: Timeline = makeTimeline();
  let job = completed(1);
  const report: ComplianceReport = REPORT;
  const f = fakeFetch([
    ["GET", /\/jobs\/job1$/, () => job],
    ["GET", /\/jobs\/job1\/timeline$/, () => saved],
    [
      "PUT",
      /\/jobs\/job1\/timeline$/,
      (req) => {
        if (opts.putStatus) return problem(opts.putStatus, "the timeline names assets this job does not have", [{ field: "clips.0.asset", message: "not an asset of job job1" }]);
        saved = req.body as Timeline;
        return saved;
      },
    ],
    [
      "POST",
      /\/jobs\/job1\/compose$/,
      () => {
        job = { ...job, seq: job.seq + 1, tracks: { ...job.tracks, compose: track("running", 0, { started_at: RECOMPOSE_START }) } };
        return new Response(JSON.stringify({ job_id: "job1", version: 2, output_key: "users/local/jobs/job1/final/v2.mp4" }), { status: 202, headers: { "content-type": "application/json" } });
      },
    ],
    ["GET", /\/jobs\/job1\/compliance$/, () => report],
  ]);
  /** The render is done: the job has version 2; returns the event that says so. */
  const finish = () => {
    job = completed(2, { seq: job.seq + 2 });
    return event(job.seq, { status: "completed", stage: "completed", percent: 100, tracks: job.tracks });
  };
  /** The render was refused (the edit breaks a rule): no version 2, and its report says so. */
  const refuse = () => {
    const compose = track("failed", 0, { started_at: RECOMPOSE_START, finished_at: "2026-01-02T10:09:05Z", message: REFUSED });
    const findings = REPORT.findings.filter((f) => f.severity === "error").map((f) => ({ ...f, fix: "" }));
    const refusal = { version: 2, at: "2026-01-02T10:09:05Z", check: "compliance" as const, message: REFUSED, findings, timeline_sha256: "x" };
    job = { ...job, seq: job.seq + 2, tracks: { ...job.tracks, compose }, refusal };
    return event(job.seq, { status: "completed", stage: "completed", percent: 100, tracks: job.tracks });
  };
  return { f, saved: () => saved, finish, refuse };
}

const order = () =>
  within(screen.getByTestId("clip-order"))
    .getAllByRole("listitem")
    .map((li) => li.getAttribute("data-scene"));

describe("EditorView", () => {
  it("draws the clips, voice, music, text and the compliance findings at their times", async () => {
    renderWithServices(<EditorView id="job1" />, { fetch: server().f });
    await screen.findByText(/Timeline 15 s/);
    const video = screen.getByRole("list", { name: "Video" });
    expect(within(video).getAllByRole("listitem").map((li) => li.style.left)).toEqual(["0%", `${(4 / 15) * 100}%`, "60%"]);
    expect(within(screen.getByRole("list", { name: "Voice" })).getAllByRole("listitem")[1]).toHaveClass("major");
    expect(within(screen.getByRole("list", { name: "Text" })).getByRole("button", { name: /Major statement, 0:09.5 to 0:13.5/ })).toBeInTheDocument();
    const findings = screen.getByTestId("findings-lane");
    const e = within(findings).getByRole("button", { name: /error MS-DISTRACTION, 9.0–12.0 s/ });
    expect(e.closest("li")).toHaveStyle({ left: "60%", width: "20%" });
    expect(e.closest("li")).toHaveClass("sev-error");
    expect(screen.getByText("1 finding about the whole ad")).toBeInTheDocument();
    expect(screen.getByText(/-12 dB, ducks 15 dB/)).toBeInTheDocument();
    await userEvent.click(e);
    expect(screen.getByRole("heading", { name: /Error · rule MS-DISTRACTION/ })).toBeInTheDocument();
  });

  it("reorders clips with the keyboard buttons, and undoes", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<EditorView id="job1" />, { fetch: server().f });
    await screen.findByText(/Timeline 15 s/);
    expect(order()).toEqual(["1", "2", "3"]);
    await user.click(screen.getByRole("button", { name: "Move scene 1 later" }));
    expect(order()).toEqual(["2", "1", "3"]);
    expect(screen.getByText(/unsaved changes/)).toBeInTheDocument();
    expect(screen.getByText("Scene 1 moved to position 2 of 3, with its voice and supers.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Undo" }));
    expect(order()).toEqual(["1", "2", "3"]);
    await user.click(screen.getByRole("button", { name: "Redo" }));
    expect(order()).toEqual(["2", "1", "3"]);
  });

  it("reorders clips by drag and drop on the timeline, and with Alt+arrows", async () => {
    renderWithServices(<EditorView id="job1" />, { fetch: server().f });
    await screen.findByText(/Timeline 15 s/);
    const data = new Map<string, string>();
    const dataTransfer = { setData: (k: string, v: string) => data.set(k, v), getData: (k: string) => data.get(k) ?? "", effectAllowed: "", dropEffect: "" };
    fireEvent.dragStart(screen.getByTestId("clip-2"), { dataTransfer });
    fireEvent.dragOver(screen.getByTestId("clip-0"), { dataTransfer });
    fireEvent.drop(screen.getByTestId("clip-0"), { dataTransfer });
    expect(order()).toEqual(["3", "1", "2"]);
    const btn = within(screen.getByTestId("clip-0")).getByRole("button");
    fireEvent.keyDown(btn, { key: "ArrowRight", altKey: true });
    expect(order()).toEqual(["1", "3", "2"]);
  });

  it("trims the selected clip within its source", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<EditorView id="job1" />, { fetch: server().f });
    await screen.findByText(/Timeline 15 s/);
    await user.click(screen.getByRole("button", { name: "Trim scene 2" }));
    const inspector = screen.getByTestId("clip-inspector");
    fireEvent.change(within(inspector).getByLabelText("In (s)"), { target: { value: "1" } });
    expect(screen.getByText(/Timeline 14 s/)).toBeInTheDocument();
    fireEvent.change(within(inspector).getByLabelText("Out (s)"), { target: { value: "99" } });
    expect(within(inspector).getByLabelText("Out (s)")).toHaveValue(5);
  });

  it("saves, re-composes, and shows the new version beside the old", async () => {
    const user = userEvent.setup({ delay: null });
    const s = server();
    const transport = new FakeTransport();
    renderWithServices(<EditorView id="job1" />, { fetch: s.f, transport });
    await screen.findByText(/Timeline 15 s/);
    expect(screen.getByTestId("preview-video")).toHaveAttribute("src", expect.stringContaining("output.mp4"));
    await user.click(screen.getByRole("button", { name: "Move scene 2 earlier" }));
    await user.click(screen.getByRole("button", { name: "Save and re-compose" }));
    // The render's progress arrives over the progress transport (the server's SSE/WebSocket).
    const conn = await transport.opened();
    act(() => {
      conn.h.onOpen();
      conn.h.onEvent(event(conn.lastSeq + 1, { status: "completed", stage: "completed", percent: 100, tracks: { ...completed(1).tracks, compose: track("running", 50, { started_at: RECOMPOSE_START }) } }));
    });
    act(() => conn.h.onEvent(s.finish()));
    await waitFor(() => expect(screen.getByTestId("editor-status")).toHaveTextContent("Version 2 is ready."), { timeout: 8000 });
    expect(s.saved().clips.map((c) => c.scene_index)).toEqual([2, 1, 3]);
    const versions = within(screen.getByRole("region", { name: "Versions" })).getAllByRole("listitem");
    expect(versions.map((v) => v.getAttribute("data-version"))).toEqual(["2", "1"]);
    expect(screen.getByTestId("preview-video")).toHaveAttribute("src", expect.stringContaining("v2.mp4"));
    expect(screen.getByTestId("version-video-1")).toHaveAttribute("src", expect.stringContaining("output.mp4"));
    expect(screen.queryByText(/unsaved changes/)).toBeNull();
  });

  it("shows why the API refused an edit", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<EditorView id="job1" />, { fetch: server({ putStatus: 422 }).f });
    await screen.findByText(/Timeline 15 s/);
    await user.click(screen.getByRole("button", { name: "Move scene 1 later" }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Clip 1's media file: not an asset of job job1.");
    expect(alert).toHaveTextContent("Nothing was lost");
    expect(alert).not.toHaveTextContent("clips.0");
    expect(screen.getByText(/unsaved changes/)).toBeInTheDocument();
  });

  it("sets the music bed's gain and duck depth", async () => {
    renderWithServices(<EditorView id="job1" />, { fetch: server().f });
    await screen.findByText(/Timeline 15 s/);
    fireEvent.change(screen.getByRole("slider", { name: /^Gain/ }), { target: { value: "-20" } });
    fireEvent.change(screen.getByRole("slider", { name: /^Duck under speech/ }), { target: { value: "24" } });
    expect(screen.getByText(/-20 dB, ducks 24 dB/)).toBeInTheDocument();
  });

  it("moves the playhead with the keyboard", async () => {
    renderWithServices(<EditorView id="job1" />, { fetch: server().f });
    await screen.findByText(/Timeline 15 s/);
    const slider = screen.getByRole("slider", { name: "Playhead" });
    act(() => slider.focus());
    fireEvent.keyDown(slider, { key: "End" });
    expect(slider).toHaveAttribute("aria-valuenow", "15");
    fireEvent.keyDown(slider, { key: "ArrowLeft" });
    expect(slider).toHaveAttribute("aria-valuetext", "0:14.0");
  });

  it("keeps focus on a clip moved with the keyboard, and moves its voice and supers with it", async () => {
    const user = userEvent.setup({ delay: null });
    const s = server();
    renderWithServices(<EditorView id="job1" />, { fetch: s.f });
    await screen.findByText(/Timeline 15 s/);
    expect(screen.getByRole("checkbox", { name: /voice and supers with its picture/ })).toBeChecked();
    await user.click(screen.getByRole("button", { name: "Move scene 3 earlier" }));
    expect(order()).toEqual(["1", "3", "2"]);
    expect(document.activeElement).toHaveAccessibleName("Move scene 3 earlier");
    await user.keyboard("{Enter}");
    expect(order()).toEqual(["3", "1", "2"]);
    // first now, its "earlier" is disabled: focus stays on the clip, on its "later"
    expect(document.activeElement).toHaveAccessibleName("Move scene 3 later");
    // on the timeline, Alt+arrows: focus follows the clip to its new place
    act(() => within(screen.getByTestId("clip-0")).getByRole("button").focus());
    await user.keyboard("{Alt>}{ArrowRight}{/Alt}");
    expect(order()).toEqual(["1", "3", "2"]);
    expect(document.activeElement).toBe(within(screen.getByTestId("clip-1")).getByRole("button"));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(s.saved().clips.map((c) => c.scene_index)).toEqual([1, 3, 2]));
    // scene 3 now starts at 4 s instead of 9 s: its line and its major-statement text moved by -5 s
    expect(s.saved().voice.map((v) => v.start_s)).toEqual([0.5, 4.5]);
    expect(s.saved().texts.map((t) => [t.start_s, t.end_s])).toEqual([
      [0.5, 3.5],
      [4.5, 8.5],
    ]);
  });

  it("offers Save and re-compose only when there is something to render", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<EditorView id="job1" />, { fetch: server().f });
    await screen.findByText(/Timeline 15 s/);
    const compose = screen.getByRole("button", { name: "Save and re-compose" });
    expect(compose).toBeDisabled();
    expect(compose).toHaveAccessibleDescription("No changes to render since version 1: edit the timeline first.");
    await user.click(screen.getByRole("button", { name: "Move scene 1 later" }));
    expect(compose).toBeEnabled();
    await user.click(screen.getByRole("button", { name: "Undo" }));
    expect(compose).toBeDisabled();
    // saved but not rendered yet: still something to render
    await user.click(screen.getByRole("button", { name: "Move scene 1 later" }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved.");
    expect(compose).toBeEnabled();
  });

  it("asks before the page is left with unsaved edits, and not without", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<EditorView id="job1" />, { fetch: server().f });
    await screen.findByText(/Timeline 15 s/);
    const unload = () => {
      const e = new Event("beforeunload", { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    };
    expect(unload()).toBe(false);
    await user.click(screen.getByRole("button", { name: "Move scene 1 later" }));
    expect(unload()).toBe(true);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await screen.findByText("Saved.");
    expect(unload()).toBe(false);
  });

  it("says in plain words why a re-compose was refused, naming each rule, and keeps version 1", async () => {
    const user = userEvent.setup({ delay: null });
    const s = server();
    const transport = new FakeTransport();
    renderWithServices(<EditorView id="job1" />, { fetch: s.f, transport });
    await screen.findByText(/Timeline 15 s/);
    await user.click(screen.getByRole("button", { name: "Move scene 3 earlier" }));
    await user.click(screen.getByRole("button", { name: "Save and re-compose" }));
    const conn = await transport.opened();
    act(() => conn.h.onEvent(s.refuse()));
    const status = screen.getByTestId("editor-status");
    await waitFor(() => expect(status).toHaveTextContent("Version 2 was not made"), { timeout: 8000 });
    await waitFor(() => expect(status).toHaveTextContent("Nothing competes with the major statement (MS-DISTRACTION) at 0:09.0–0:12.0: a cut shorter than 3 s"));
    expect(status).toHaveTextContent("fix the findings marked on the timeline, then save and re-compose");
    expect(status).toHaveTextContent("Version 1 is unchanged.");
    expect(status).not.toHaveTextContent("--");
    const versions = within(screen.getByRole("region", { name: "Versions" })).getAllByRole("listitem");
    expect(versions.map((v) => v.getAttribute("data-version"))).toEqual(["1"]);
    // the saved edit was not rendered: it can be tried again once fixed
    expect(screen.getByRole("button", { name: "Save and re-compose" })).toBeEnabled();
  });

  it("checks the draft as it is edited, restores an earlier version, and compares two side by side", async () => {
    const user = userEvent.setup({ delay: null });
    const s = server();
    const v = (k: number) => ({ version: k, created_at: "", duration_s: 15, assets: {}, compliance: {}, qc: {}, urls: { output: `/api/v1/assets/users/local/jobs/job1/final/v${k}.mp4?exp=9999999999&sig=${k}` } });
    const restored = makeTimeline();
    restored.clips = [restored.clips[2], restored.clips[0], restored.clips[1]];
    const extra = fakeFetch([
      ["GET", /\/jobs\/job1\/versions$/, () => [v(1), v(2)]],
      [
        "POST",
        /\/jobs\/job1\/timeline\/check$/,
        (req) => {
          const first = (req.body as Timeline).clips[0].scene_index;
          return first === 3
            ? { findings: [{ rule: "MS-DISTRACTION", severity: "error", scene: 3, start_s: 0, end_s: 6, message: "a cut during the major statement", source: "x" }], errors: 1, warnings: 0, passed: false, duration_s: 15, revoice_lines: [] }
            : { findings: [], errors: 0, warnings: 0, passed: true, duration_s: 15, revoice_lines: [1] };
        },
      ],
      ["POST", /\/jobs\/job1\/versions\/1\/restore$/, () => restored],
    ]);
    const both = layered(extra, s.f);
    renderWithServices(<EditorView id="job1" />, { fetch: both });
    await screen.findByText(/Timeline 15 s/);
    expect(await screen.findByTestId("draft-check", {}, { timeout: 3000 })).toHaveTextContent("no rule broken");
    expect(screen.getByTestId("draft-check")).toHaveTextContent("Line 2 will be re-voiced");
    // every version made, earlier sessions' too
    await waitFor(() => expect(within(screen.getByRole("region", { name: "Versions" })).getAllByRole("listitem").map((li) => li.getAttribute("data-version"))).toEqual(["2", "1"]));
    await user.click(screen.getByRole("button", { name: /Restore into the draft \(version 1\)/ }));
    await waitFor(() => expect(order()).toEqual(["3", "1", "2"]));
    expect(screen.getByTestId("editor-status")).toHaveTextContent("Version 1's edit is now the draft");
    await waitFor(() => expect(screen.getByTestId("draft-check")).toHaveTextContent("breaks 1 rule; compose would refuse it"), { timeout: 3000 });
    expect(within(screen.getByTestId("findings-lane")).getByRole("button", { name: /error MS-DISTRACTION, 0.0–6.0 s/ })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: /Compare with version 2 \(version 1\)/ }));
    const cmp = screen.getByTestId("compare");
    expect(within(cmp).getByTestId("compare-a")).toHaveAttribute("src", expect.stringContaining("v1.mp4"));
    expect(within(cmp).getByTestId("compare-b")).toHaveAttribute("src", expect.stringContaining("v2.mp4"));
    // the right player follows the left one's seek
    const a = within(cmp).getByTestId("compare-a") as HTMLVideoElement;
    const b = within(cmp).getByTestId("compare-b") as HTMLVideoElement;
    a.currentTime = 7;
    fireEvent.seeked(a);
    expect(b.currentTime).toBe(7);
  });

  it("re-voices a line: its words change in the draft and are saved", async () => {
    const user = userEvent.setup({ delay: null });
    const s = server();
    renderWithServices(<EditorView id="job1" />, { fetch: s.f });
    await screen.findByText(/Timeline 15 s/);
    await user.click(within(screen.getByRole("list", { name: "Voice" })).getByRole("button", { name: /Voice line 1/ }));
    const words = screen.getByLabelText("Words spoken");
    await user.clear(words);
    await user.type(words, "Back to her roses.");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(s.saved().voice[0].text).toBe("Back to her roses."));
    expect(s.saved().voice[1].text).toBe("Serious infections can happen.");
  });

  it("adds and deletes a super, duplicates and deletes a clip, changes a scene's length; checks each draft and undoes", async () => {
    const user = userEvent.setup({ delay: null });
    const s = server();
    const checked: Timeline[] = [];
    // The draft check as the API answers it: a draft with no major-statement text breaks MS-DUAL-MODALITY.
    const check = fakeFetch([
      [
        "POST",
        /\/jobs\/job1\/timeline\/check$/,
        (req) => {
          const t = req.body as Timeline;
          checked.push(t);
          return t.texts.some((x) => x.kind === "major_statement")
            ? { findings: [], errors: 0, warnings: 0, passed: true, duration_s: 15, revoice_lines: [] }
            : {
                findings: [{ rule: "MS-DUAL-MODALITY", severity: "error", scene: 3, start_s: 9.5, end_s: 13.5, message: "the major statement is spoken but not shown", source: "21 CFR 202.1(e)(1)", fix: "show the spoken words as a major_statement text while they are spoken" }],
                errors: 1,
                warnings: 0,
                passed: false,
                duration_s: 15,
                revoice_lines: [],
              };
        },
      ],
    ]);
    const both = layered(check, s.f);
    renderWithServices(<EditorView id="job1" />, { fetch: both });
    await screen.findByText(/Timeline 15 s/);
    expect(await screen.findByTestId("draft-check", {}, { timeout: 3000 })).toHaveTextContent("no rule broken");
    const texts = () => within(screen.getByRole("list", { name: "Text" })).getAllByRole("button");

    // add a super at the playhead: selected, its words focused for typing
    await user.click(screen.getByRole("button", { name: "Add a super" }));
    expect(texts()).toHaveLength(3);
    const body = screen.getByRole("textbox", { name: "Text" });
    expect(body).toHaveFocus();
    await user.clear(body);
    await user.type(body, "Ask your doctor");
    expect(texts()[2]).toHaveAccessibleName(/^Super, 0:00.0 to 0:03.0: Ask your doctor/);

    // delete the major statement's text: the draft check says what breaks, in plain words, then undo
    await user.click(within(screen.getByRole("list", { name: "Text" })).getByRole("button", { name: /^Major statement/ }));
    await user.click(screen.getByRole("button", { name: "Delete this text" }));
    expect(texts()).toHaveLength(2);
    expect(screen.getByRole("button", { name: "Add a super" })).toHaveFocus();
    await waitFor(() => expect(screen.getByTestId("draft-check")).toHaveTextContent("breaks 1 rule; compose would refuse it"), { timeout: 3000 });
    const found = screen.getByTestId("draft-findings");
    expect(found).toHaveTextContent("Must fix: Major statement shown while spoken (MS-DUAL-MODALITY) at 0:09.5–0:13.5: the major statement is spoken but not shown. Show the spoken words");
    expect(checked[checked.length - 1].texts.map((x) => x.kind)).toEqual(["super", "super"]);
    await user.click(screen.getByRole("button", { name: "Undo" }));
    expect(texts()).toHaveLength(3);
    await waitFor(() => expect(screen.getByTestId("draft-check")).toHaveTextContent("no rule broken"), { timeout: 3000 });
    expect(screen.queryByTestId("draft-findings")).toBeNull();

    // duplicate scene 1: the copy follows it and is selected; what followed moves 4 s later
    await user.click(screen.getByRole("button", { name: /^Scene 1, position 1/ }));
    await user.click(screen.getByRole("button", { name: "Duplicate clip" }));
    expect(order()).toEqual(["1", "1", "2", "3"]);
    expect(screen.getByText(/Timeline 19 s/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: /^Scene 1, position 2/ })).toHaveFocus();
    expect(screen.getByText(/Scene 1 duplicated: the copy plays at position 2\. The ad is now 19 s; what followed moved later 4 s\./)).toBeInTheDocument();
    expect(within(screen.getByRole("list", { name: "Voice" })).getByRole("button", { name: /Voice line 2, 0:13.5/ })).toBeInTheDocument();

    // delete the copy: back where it was; focus stays on the delete control for the next clip
    await user.click(screen.getByRole("button", { name: "Delete clip" }));
    expect(order()).toEqual(["1", "2", "3"]);
    expect(screen.getByText(/Timeline 15 s/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Delete clip" })).toHaveFocus();
    expect(within(screen.getByRole("list", { name: "Voice" })).getByRole("button", { name: /Voice line 2, 0:09.5/ })).toBeInTheDocument();

    // scene 2 two seconds shorter: the major statement after it moves up with its end
    await user.click(screen.getByRole("button", { name: /^Scene 2, position 2/ }));
    const length = screen.getByLabelText("Scene length (s)");
    expect(length).toHaveValue(5);
    await user.clear(length);
    await user.type(length, "3{Enter}");
    expect(screen.getByText(/Timeline 13 s/)).toBeInTheDocument();
    expect(within(screen.getByRole("list", { name: "Voice" })).getByRole("button", { name: /Voice line 2, 0:07.5/ })).toBeInTheDocument();
    expect(within(screen.getByRole("list", { name: "Text" })).getByRole("button", { name: /^Major statement, 0:07.5 to 0:11.5/ })).toBeInTheDocument();
    // a length the rules refuse changes nothing and says why, at the field
    await user.clear(length);
    await user.type(length, "0.1{Enter}");
    expect(screen.getByRole("alert")).toHaveTextContent("A clip must be at least 0.25 s long.");
    expect(screen.getByText(/Timeline 13 s/)).toBeInTheDocument();

    // the edits are saved as one draft
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(s.saved().clips.map((c) => c.out_s - c.in_s)).toEqual([4, 3, 6]));
    expect(s.saved().texts.map((x) => [x.kind, x.text])).toEqual([
      ["super", "Veltrexa (veltrexamab)"],
      ["major_statement", "Serious infections can happen."],
      ["super", "Ask your doctor"],
    ]);
    expect(s.saved().voice.map((v) => v.start_s)).toEqual([0.5, 7.5]);
  });

  it("gives a reviewer of someone else's ad no edit controls, and checks no draft for them", async () => {
    const s = server();
    renderWithServices(<EditorView id="job1" />, { fetch: s.f, me: person("rita", ["reviewer"], "Rita (MLR)") });
    expect(await screen.findByText(/You review this ad; only the person who made it can edit it/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Review" })).toHaveAttribute("href", "#/jobs/job1/review");
    for (const name of ["Save and re-compose", "Save", "Undo", "Add a super"]) expect(screen.queryByRole("button", { name })).toBeNull();
    expect(screen.queryByTestId("clip-order")).toBeNull();
    await new Promise((r) => setTimeout(r, 700)); // past the draft check's debounce
    expect(s.f.calls.some((c) => c.method !== "GET")).toBe(false);
  });

  it("gives the owner, a creator, the workspace", async () => {
    renderWithServices(<EditorView id="job1" />, { fetch: server().f, me: person("local", ["creator", "reviewer"]) });
    expect(await screen.findByRole("button", { name: "Save and re-compose" })).toBeInTheDocument();
  });

  it("saves only over the draft it read (If-Match); a draft changed elsewhere is loaded, and Undo brings the edit back to save over it", async () => {
    const user = userEvent.setup({ delay: null });
    // The draft as the API keeps it: each save a new revision, its ETag "r<n>"; a save naming
    // another revision in If-Match is refused with 412 and the current one (omnigen/api/draft_tags.py).
    let saved = makeTimeline();
    let rev = 1;
    const tagged = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ETag: `"r${rev}"` } });
    const puts: { ifMatch: string | undefined; body: Timeline }[] = [];
    const f = fakeFetch([
      ["GET", /\/jobs\/job1$/, () => completed(1)],
      ["GET", /\/jobs\/job1\/timeline$/, () => tagged(saved)],
      [
        "PUT",
        /\/jobs\/job1\/timeline$/,
        (req) => {
          puts.push({ ifMatch: req.headers["If-Match"], body: req.body as Timeline });
          if (req.headers["If-Match"] && req.headers["If-Match"] !== `"r${rev}"`)
            return new Response(JSON.stringify({ title: "Precondition Failed", status: 412, detail: `the draft of job job1 has changed since you read it (it is revision ${rev} now)`, revision: rev, etag: `"r${rev}"` }), { status: 412, headers: { "content-type": "application/problem+json", ETag: `"r${rev}"` } });
          saved = req.body as Timeline;
          rev += 1;
          return tagged(saved);
        },
      ],
      ["GET", /\/jobs\/job1\/compliance$/, () => REPORT],
    ]);
    renderWithServices(<EditorView id="job1" />, { fetch: f });
    await screen.findByText(/Timeline 15 s/);
    // meanwhile a regenerated take of scene 2 puts itself in the draft (revision 2)
    saved = { ...saved, clips: saved.clips.map((c) => (c.scene_index === 2 ? { ...c, asset: c.asset.replace("scene_2.mp4", "scene_2.take2.mp4") } : c)) };
    rev = 2;
    await user.click(screen.getByRole("button", { name: "Move scene 1 later" }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    const status = await screen.findByText(/Your edit was not saved: this ad's draft was changed elsewhere since you opened it/);
    expect(status).toHaveTextContent("press Undo and save again");
    expect(puts[0].ifMatch).toBe('"r1"');
    expect(saved.clips.map((c) => c.scene_index)).toEqual([1, 2, 3]); // nothing overwritten
    // the workspace shows the draft as it is now (the take is in), with nothing unsaved
    expect(order()).toEqual(["1", "2", "3"]);
    expect(screen.queryByText(/unsaved changes/)).toBeNull();
    // Undo brings back the edit; saved now, it names the revision it was shown
    await user.click(screen.getByRole("button", { name: "Undo" }));
    expect(order()).toEqual(["2", "1", "3"]);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(saved.clips.map((c) => c.scene_index)).toEqual([2, 1, 3]));
    expect(puts.map((p) => p.ifMatch)).toEqual(['"r1"', '"r2"']);
    expect(screen.getByTestId("editor-status")).toHaveTextContent("Saved.");
  });

  it("sends no If-Match to a server that tags no draft", async () => {
    const user = userEvent.setup({ delay: null });
    const s = server();
    renderWithServices(<EditorView id="job1" />, { fetch: s.f });
    await screen.findByText(/Timeline 15 s/);
    await user.click(screen.getByRole("button", { name: "Move scene 1 later" }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(s.saved().clips[0].scene_index).toBe(2));
    expect(s.f.calls.find((c) => c.method === "PUT")!.headers["If-Match"]).toBeUndefined();
  });
});
