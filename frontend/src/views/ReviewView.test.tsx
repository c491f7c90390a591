import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeFetch, layered, makeJob, person, problem, renderWithServices } from "../test/helpers";
import type { Comment, CommentRequest, VersionReview } from "../lib/types";
import { ReviewView } from "./ReviewView";
import { SharedView } from "./SharedView";

const V = (k: number) => ({
  version: k,
  created_at: "2026-01-02T10:05:00Z",
  duration_s: 15,
  assets: {},
  compliance: { errors: 0, warnings: 0 },
  qc: {},
  urls: { output: `/api/v1/assets/users/local/jobs/job1/final/v${k}.mp4?exp=9999999999&sig=o`, poster: "/api/v1/assets/p.jpg?exp=9999999999&sig=p" },
});

const comment = (over: Partial<Comment>): Comment => ({
  comment_id: "c00000000001",
  version: 2,
  author: "rita",
  author_name: "Rita (MLR)",
  at: "2026-01-02T10:06:00Z",
  at_s: 12,
  end_s: null,
  item: null,
  text: "The risk text is hard to read here",
  parent_id: null,
  resolved: false,
  resolved_by: null,
  via_share_link: false,
  carried_from: null,
  outdated: false,
  outdated_in: null,
  outdated_reason: null,
  replies: [],
  ...over,
});

function server() {
  const comments: Comment[] = [comment({})];
  let reviewers: string[] = ["rita"];
  const review: VersionReview = {
    job_id: "job1", version: 2, status: "pending", content_hash: "abcdef0123456789", recorded_hash: "abcdef0123456789",
    approval: null, decisions: [], compliance_errors: 0, qc_errors: 0, override_recorded: false, open_comments: 1,
  };
  const f = fakeFetch([
    ["GET", /\/jobs\/job1$/, () => makeJob({ status: "completed", renders: 2 })],
    ["GET", /\/jobs\/job1\/versions$/, () => [V(1), V(2)]],
    ["GET", /\/versions\/2\/comments$/, () => ({ job_id: "job1", version: 2, open: 1, items: comments })],
    ["POST", /\/versions\/2\/comments$/, (req) => {
      const c = comment({ ...(req.body as CommentRequest), comment_id: "c00000000002", author_name: "Local user" });
      comments.push(c);
      return new Response(JSON.stringify(c), { status: 201, headers: { "content-type": "application/json" } });
    }],
    ["GET", /\/versions\/2\/review$/, () => review],
    ["POST", /\/versions\/2\/decision$/, () => problem(403, "a creator cannot approve their own version")],
    ["GET", /\/versions\/2\/rules$/, () => ({
      version: 2, ad_type: "product_claim", errors: 0, warnings: 0, allow_noncompliant: false,
      spoken_major_statement: [{ kind: "spoken", text: "Serious infections can happen.", start_s: 9.5, end_s: 13.5 }],
      shown_major_statement: [{ kind: "shown", text: "Serious infections can happen.", start_s: 9.5, end_s: 13.5 }],
      rules: [{ rule: "MS-DUAL-MODALITY", title: "Major statement shown while spoken", severity: "error", source: "21 CFR 202.1(e)(1)(ii)(C)", status: "pass", findings: [], evidence: [{ kind: "shown", text: "Serious infections can happen.", start_s: 9.5, end_s: 13.5 }] }],
    })],
    ["GET", /\/versions\/2\/share$/, () => []],
    ["POST", /\/versions\/2\/share$/, () => new Response(JSON.stringify({ link_id: "l1l1l1l1", version: 2, url: "/api/v1/shared/tok123", token: "tok123", expires_at: "2099-01-01T00:00:00Z", revoked: false }), { status: 201, headers: { "content-type": "application/json" } })],
    ["GET", /\/jobs\/job1\/reviewers$/, () => ({ job_id: "job1", reviewers })],
    ["POST", /\/jobs\/job1\/reviewers$/, (req) => {
      reviewers = [...reviewers, (req.body as { user_id: string }).user_id].sort();
      return new Response(JSON.stringify({ job_id: "job1", reviewers }), { status: 201, headers: { "content-type": "application/json" } });
    }],
    ["DELETE", /\/jobs\/job1\/reviewers\/([^/]+)$/, (_req, m) => {
      reviewers = reviewers.filter((r) => r !== decodeURIComponent(m[1]));
      return { job_id: "job1", reviewers };
    }],
    ["GET", /\/jobs\/job1\/audit$/, () => ({ job_id: "job1", items: [{ stream: "job:job1", actor: "local", actor_name: "Local user", action: "version.rendered", version: 2, content_hash: "abcdef0123456789", detail: {}, seq: 1, at: "2026-01-02T10:05:00Z" }] })],
  ]);
  return { f, comments };
}

describe("ReviewView", () => {
  it("pins comments on the scrubber, adds one at the playhead, shows every rule with evidence and the audit", async () => {
    const user = userEvent.setup({ delay: null });
    const s = server();
    renderWithServices(<ReviewView id="job1" />, { fetch: s.f });
    await screen.findByRole("heading", { name: /Review · Veltrexa · version 2/ });
    const marks = await screen.findByRole("list", { name: "Comments on the scrubber" });
    const mark = await within(marks).findByRole("button", { name: /Comment at 0:12.0 by Rita \(MLR\)/ });
    expect(mark.closest("li")).toHaveStyle({ left: "80%" });
    await user.click(mark);
    expect(screen.getByRole("slider", { name: "Position in the ad" })).toHaveAttribute("aria-valuenow", "12");
    await user.type(screen.getByLabelText("Comment at 0:12.0"), "Hold the end card longer");
    await user.click(screen.getByRole("button", { name: "Add comment" }));
    await screen.findByText("Hold the end card longer");
    const sent = s.f.calls.find((c) => c.method === "POST" && c.path.endsWith("/comments"))!.body;
    expect(sent).toMatchObject({ at_s: 12, text: "Hold the end card longer", parent_id: null });
    const rules = screen.getByTestId("rules-table");
    expect(within(rules).getByText("Major statement shown while spoken").closest("tr")).toHaveTextContent(/Pass.*Shown 0:09.5–0:13.5 “Serious infections can happen.”/);
    expect(screen.getByTestId("audit-table")).toHaveTextContent("rendered a version");
  });

  it("says in plain words why a decision was refused, and makes a share link to copy", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<ReviewView id="job1" />, { fetch: server().f });
    await screen.findByTestId("review-status");
    await user.click(screen.getByRole("radio", { name: "Approve" }));
    await user.type(screen.getByLabelText("Reason"), "Ready to air");
    await user.click(screen.getByRole("button", { name: "Record the decision" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("A creator cannot approve their own version.");
    await user.click(screen.getByRole("button", { name: "Make a share link" }));
    await waitFor(() => expect(screen.getByTestId("share-url")).toHaveValue(`${location.origin}${location.pathname}#/shared/tok123`));
  });
});

describe("ReviewView: comments carried from an earlier version, and outdated ones", () => {
  it("says a carried comment came from version 1 and where it sat there when the edit moved it", async () => {
    const s = server();
    s.comments.splice(0, 1,
      comment({ comment_id: "cmoved000001", version: 1, at_s: 13.5, carried_from: 1, text: "Hold the risk text longer" }),
      comment({ comment_id: "cstill000001", version: 1, at_s: 4, carried_from: 1, text: "Warmer colours in the kitchen" }),
      comment({ comment_id: "cnew00000001", version: 2, at_s: 2, text: "New on this one" }),
    );
    const v1 = fakeFetch([["GET", /\/versions\/1\/comments$/, () => ({ job_id: "job1", version: 1, open: 2, items: [
      comment({ comment_id: "cmoved000001", version: 1, at_s: 12, text: "Hold the risk text longer" }),
      comment({ comment_id: "cstill000001", version: 1, at_s: 4, text: "Warmer colours in the kitchen" }),
    ] })]]);
    renderWithServices(<ReviewView id="job1" />, { fetch: layered(v1, s.f) });
    const threads = await screen.findByTestId("comment-threads");
    const moved = await within(threads).findByText("Carried from version 1, where it was at 0:12.0");
    expect(moved.closest("li")).toHaveTextContent(/^0:13.5.*Hold the risk text longer/);
    // not moved: it says where it came from, and no time
    const still = within(threads).getByText("Warmer colours in the kitchen").closest("li")!;
    expect(within(still).getByTestId("comment-carried")).toHaveTextContent(/^Carried from version 1$/);
    // made on this version: no note
    expect(within(within(threads).getByText("New on this one").closest("li")!).queryByTestId("comment-carried")).toBeNull();
    expect(screen.queryByTestId("outdated-threads")).toBeNull();
  });

  it("lists an outdated comment apart, saying which version dropped its scene and why", async () => {
    const s = server();
    s.comments.push(comment({
      comment_id: "cgone0000001", at_s: 6, text: "The pharmacist shot feels staged",
      outdated: true, outdated_in: 3, outdated_reason: "scene 2, where the comment sits, is not in the new version",
    }));
    renderWithServices(<ReviewView id="job1" />, { fetch: s.f });
    const apart = await screen.findByTestId("outdated-threads");
    expect(screen.getByRole("heading", { name: "Outdated comments" })).toBeInTheDocument();
    const gone = within(apart).getByText("The pharmacist shot feels staged").closest("li")!;
    expect(within(gone).getByTestId("comment-outdated")).toHaveTextContent("Not carried onto version 3: scene 2, where the comment sits, is not in the new version.");
    // the current threads hold only the comment that still applies
    const current = screen.getByTestId("comment-threads");
    expect(within(current).queryByText("The pharmacist shot feels staged")).toBeNull();
    expect(within(current).getByText("The risk text is hard to read here")).toBeInTheDocument();
  });
});

describe("ReviewView: people and roles", () => {
  it("lets the owner share the job with a named reviewer, see who has it, and stop sharing", async () => {
    const user = userEvent.setup({ delay: null });
    const s = server();
    renderWithServices(<ReviewView id="job1" />, { fetch: s.f, me: person("local", ["creator"], "Local user") });
    const list = await screen.findByTestId("reviewer-list");
    expect(within(list).getAllByRole("listitem").map((li) => li.firstChild?.textContent)).toEqual(["rita"]);
    // a user id the API would refuse is said at the field, and nothing is sent
    await user.type(screen.getByLabelText("Reviewer's user id"), "-bad id");
    await user.click(screen.getByRole("button", { name: "Share with reviewer" }));
    expect(screen.getByRole("alert")).toHaveTextContent("Write the reviewer's user id");
    expect(s.f.calls.some((c) => c.method === "POST" && c.path.endsWith("/reviewers"))).toBe(false);
    await user.clear(screen.getByLabelText("Reviewer's user id"));
    await user.type(screen.getByLabelText("Reviewer's user id"), "larry@legal{Enter}");
    await waitFor(() => expect(within(screen.getByTestId("reviewer-list")).getAllByRole("listitem")).toHaveLength(2));
    expect(s.f.calls.find((c) => c.method === "POST" && c.path.endsWith("/reviewers"))!.body).toEqual({ user_id: "larry@legal" });
    expect(screen.getByText("Shared with larry@legal: they can now review this ad.")).toBeInTheDocument();
    expect(screen.getByLabelText("Reviewer's user id")).toHaveValue("");
    await user.click(screen.getByRole("button", { name: "Stop sharing with rita" }));
    await waitFor(() => expect(within(screen.getByTestId("reviewer-list")).getAllByRole("listitem").map((li) => li.firstChild?.textContent)).toEqual(["larry@legal"]));
    expect(s.f.calls.some((c) => c.method === "DELETE" && c.path.endsWith("/reviewers/rita"))).toBe(true);
    expect(screen.getByRole("heading", { name: "Share for review" })).toBeInTheDocument();
    // a creator who is no reviewer is told who decides, and offered no decision to record
    expect(screen.getByTestId("decision-who")).toHaveTextContent("Only reviewers decide on a version");
    expect(screen.queryByRole("button", { name: "Record the decision" })).toBeNull();
  });

  it("does not offer the maker of an ad its approval (unless self-approval is allowed)", async () => {
    const a = renderWithServices(<ReviewView id="job1" />, { fetch: server().f, me: person("local", ["creator", "reviewer"]) });
    await screen.findByTestId("review-status");
    expect(screen.getByRole("radio", { name: "Approve" })).toBeDisabled();
    expect(screen.getByRole("radio", { name: "Approve" })).toHaveAccessibleDescription(/You made this ad, so another reviewer approves it/);
    expect(screen.getByRole("radio", { name: "Request changes" })).toBeEnabled();
    a.unmount();
    renderWithServices(<ReviewView id="job1" />, { fetch: server().f, me: { ...person("local", ["creator", "reviewer"]), allow_self_approval: true } });
    await screen.findByTestId("review-status");
    expect(screen.getByRole("radio", { name: "Approve" })).toBeEnabled();
  });

  it("shows a reviewer the version to comment on and decide, without the owner's controls", async () => {
    const user = userEvent.setup({ delay: null });
    const s = server();
    renderWithServices(<ReviewView id="job1" />, { fetch: s.f, me: person("rita", ["reviewer"], "Rita (MLR)") });
    await screen.findByTestId("review-status");
    expect(screen.getByTestId("reviewing-as")).toHaveTextContent("You are reviewing as Rita (MLR)");
    expect(screen.queryByRole("heading", { name: "Reviewers" })).toBeNull();
    expect(screen.queryByRole("heading", { name: "Share for review" })).toBeNull();
    expect(screen.queryByRole("link", { name: "Workspace" })).toBeNull();
    expect(s.f.calls.some((c) => c.path.endsWith("/reviewers") || c.path.endsWith("/share"))).toBe(false);
    // commenting and deciding stay theirs
    expect(screen.getByRole("button", { name: "Add comment" })).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "Approve" })).toBeEnabled(); // not her ad
    await user.click(screen.getByRole("radio", { name: "Request changes" }));
    expect(screen.getByRole("button", { name: "Record the decision" })).toBeInTheDocument();
  });
});

describe("SharedView", () => {
  it("answers an expired or revoked link plainly", async () => {
    const f = fakeFetch([
      ["GET", /\/shared\/old$/, () => problem(410, "this share link expired")],
      ["GET", /\/shared\/gone$/, () => problem(404, "no such link")],
    ]);
    const a = renderWithServices(<SharedView token="old" />, { fetch: f });
    expect(await screen.findByText(/This review link has expired/)).toBeInTheDocument();
    a.unmount();
    renderWithServices(<SharedView token="gone" />, { fetch: f });
    expect(await screen.findByText(/does not exist or was revoked/)).toBeInTheDocument();
  });
});
