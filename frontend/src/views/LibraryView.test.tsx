import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { fakeFetch, person, renderWithServices } from "../test/helpers";
import type { JobSummary } from "../lib/types";
import { LibraryView } from "./LibraryView";

const summary = (id: string, over: Partial<JobSummary> = {}): JobSummary => ({
  job_id: id,
  status: "completed",
  percent: 100,
  title: "",
  campaign: "",
  versions: 1,
  message: "",
  brand_name: "Veltrexa",
  prompt: "A gardener with psoriasis",
  duration_s: 30,
  aspect_ratio: "16:9",
  cost_usd: 0,
  created_at: "2026-01-02T10:00:00Z",
  poster_url: `/api/v1/assets/${id}/poster.jpg?exp=${Math.floor(Date.now() / 1000) + 3600}&sig=p`,
  output_url: `/api/v1/assets/${id}/output.mp4?exp=${Math.floor(Date.now() / 1000) + 3600}&sig=o`,
  ...over,
});

const JOBS = [
  summary("a1"),
  summary("b2", { brand_name: "Corvanta", prompt: "A couple's bike rides", status: "failed", poster_url: null, output_url: null, duration_s: 60, cost_usd: 2.5 }),
  summary("c3", { brand_name: "Aerisol", prompt: "A walk in the park", status: "cancelled", poster_url: null, output_url: null, aspect_ratio: "9:16" }),
];

afterEach(() => vi.useRealTimers());

describe("LibraryView", () => {
  it("lists jobs with status, poster, length, cost and date", async () => {
    renderWithServices(<LibraryView />, { fetch: fakeFetch([["GET", /\/jobs$/, () => ({ items: JOBS, next_cursor: null })]]) });
    const cards = await screen.findAllByRole("listitem");
    expect(cards).toHaveLength(3);
    const first = cards[0];
    expect(within(first).getByRole("img", { name: /Poster frame of the Veltrexa ad/ })).toHaveAttribute("src", expect.stringContaining("poster.jpg"));
    expect(within(first).getByText("Completed")).toBeInTheDocument();
    expect(within(first).getByText("30 s · 16:9")).toBeInTheDocument();
    expect(within(first).getByRole("link", { name: /Download/ })).toHaveAttribute("download");
    expect(within(cards[1]).getByText("$2.50")).toBeInTheDocument();
    expect(within(cards[1]).queryByRole("button", { name: /Play/ })).toBeNull();
  });

  it("filters by status and searches brand and prompt", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<LibraryView />, { fetch: fakeFetch([["GET", /\/jobs$/, () => ({ items: JOBS, next_cursor: null })]]) });
    await screen.findByText("Corvanta");
    await user.selectOptions(screen.getByLabelText("Status"), "failed");
    expect(screen.getAllByRole("listitem")).toHaveLength(1);
    expect(screen.getByText("Corvanta")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Status"), "all");
    await user.type(screen.getByLabelText("Search"), "park");
    expect(screen.getAllByRole("listitem")).toHaveLength(1);
    expect(screen.getByText("Aerisol")).toBeInTheDocument();
    expect(screen.getByText("1 of 3 ads")).toBeInTheDocument();
  });

  it("plays an ad in place", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<LibraryView />, { fetch: fakeFetch([["GET", /\/jobs$/, () => ({ items: JOBS, next_cursor: null })]]) });
    await user.click(await screen.findByRole("button", { name: "Play Veltrexa ad" }));
    expect(screen.getByLabelText("Veltrexa ad")).toHaveAttribute("src", expect.stringContaining("output.mp4"));
    expect(screen.getByRole("button", { name: "Stop Veltrexa ad" })).toHaveAttribute("aria-pressed", "true");
  });

  it("loads more pages with the cursor", async () => {
    const user = userEvent.setup({ delay: null });
    const f = fakeFetch([["GET", /\/jobs$/, (req) => (req.url.includes("cursor=a1") ? { items: [JOBS[1]], next_cursor: null } : { items: [JOBS[0]], next_cursor: "a1" })]]);
    renderWithServices(<LibraryView />, { fetch: f });
    await user.click(await screen.findByRole("button", { name: "Load more" }));
    await screen.findByText("Corvanta");
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("fetches fresh URLs five minutes before they expire", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const now = Date.now();
    const soon = summary("a1", { poster_url: `/p?exp=${Math.floor(now / 1000) + 600}&sig=p` });
    const f = fakeFetch([["GET", /\/jobs$/, () => ({ items: [soon], next_cursor: null })]]);
    renderWithServices(<LibraryView />, { fetch: f });
    await screen.findByText("Veltrexa");
    const before = f.calls.length;
    await act(() => vi.advanceTimersByTimeAsync(4 * 60_000));
    expect(f.calls.length).toBe(before);
    await act(() => vi.advanceTimersByTimeAsync(2 * 60_000));
    await waitFor(() => expect(f.calls.length).toBeGreaterThan(before));
  });
});

describe("LibraryView tools", () => {
  function lib() {
    let items = [summary("a1", { versions: 3, campaign: "Spring" }), summary("b2", { brand_name: "Corvanta", title: "Bike rides", versions: 1 })];
    const f = fakeFetch([
      ["GET", /\/jobs$/, (req) => ({ items: req.url.includes("campaign=Spring") ? items.filter((j) => j.campaign === "Spring") : items, next_cursor: null })],
      ["GET", /\/campaigns$/, () => [{ name: "Spring", jobs: 1 }]],
      ["PATCH", /\/jobs\/(\w+)$/, (req, m) => {
        items = items.map((j) => (j.job_id === m[1] ? { ...j, ...(req.body as object) } : j));
        return items.find((j) => j.job_id === m[1]);
      }],
      ["DELETE", /\/jobs\/(\w+)$/, (_req, m) => {
        items = items.filter((j) => j.job_id !== m[1]);
        return new Response(null, { status: 204 });
      }],
    ]);
    return f;
  }

  it("shows names, campaigns and version counts; renames; filters by campaign", async () => {
    const user = userEvent.setup({ delay: null });
    const f = lib();
    renderWithServices(<LibraryView />, { fetch: f });
    await screen.findByRole("link", { name: "Bike rides" });
    const first = screen.getByRole("link", { name: "Veltrexa" }).closest("li")!;
    expect(within(first).getByTestId("version-count")).toHaveTextContent("3");
    expect(first).toHaveTextContent("Campaign: Spring");
    await user.click(within(first).getByRole("button", { name: "Rename the ad Veltrexa" }));
    const input = within(first).getByLabelText("New name");
    await user.clear(input);
    await user.type(input, "Roses, 30 s cut");
    await user.click(within(first).getByRole("button", { name: "Save" }));
    await screen.findByRole("link", { name: "Roses, 30 s cut" });
    expect(f.calls.find((c) => c.method === "PATCH")!.body).toEqual({ title: "Roses, 30 s cut" });
    await user.selectOptions(await screen.findByLabelText("Campaign"), "Spring");
    await waitFor(() => expect(screen.queryByRole("link", { name: "Bike rides" })).toBeNull());
  });

  it("deletes only after a confirmation that says what goes", async () => {
    const user = userEvent.setup({ delay: null });
    const f = lib();
    renderWithServices(<LibraryView />, { fetch: f });
    const card = (await screen.findByRole("link", { name: "Bike rides" })).closest("li")!;
    await user.click(within(card).getByRole("button", { name: "Delete the ad Bike rides" }));
    const ask = within(card).getByRole("alertdialog", { name: "Delete Bike rides?" });
    expect(ask).toHaveTextContent("every version");
    await user.click(within(ask).getByRole("button", { name: "Keep it" }));
    expect(f.calls.some((c) => c.method === "DELETE")).toBe(false);
    await user.click(within(card).getByRole("button", { name: "Delete the ad Bike rides" }));
    await user.click(within(card).getByRole("button", { name: "Yes, delete it" }));
    await waitFor(() => expect(screen.queryByRole("link", { name: "Bike rides" })).toBeNull());
    expect(f.calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/api/v1/jobs/b2"]);
  });

  it("shows a reviewer the ads shared with them, to review, and nothing that changes one", async () => {
    renderWithServices(<LibraryView />, { fetch: fakeFetch([["GET", /\/jobs$/, () => ({ items: [JOBS[0]], next_cursor: null })]]), me: person("rita", ["reviewer"]) });
    const card = (await screen.findAllByRole("listitem"))[0];
    expect(screen.getByRole("heading", { name: "Shared with you" })).toBeInTheDocument();
    expect(within(card).getByRole("link", { name: "Veltrexa" })).toHaveAttribute("href", "#/jobs/a1/review");
    for (const name of [/Rename/, /Delete/, /Campaign/, /Duplicate brief/]) expect(within(card).queryByRole("button", { name })).toBeNull();
    expect(within(card).queryByRole("link", { name: /Duplicate brief/ })).toBeNull();
    expect(screen.queryByRole("link", { name: "New ad" })).toBeNull();
  });
});
