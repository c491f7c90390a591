import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeFetch, problem, renderWithServices } from "../test/helpers";
import { CreateView } from "./CreateView";

function api(extra: Parameters<typeof fakeFetch>[0] = []) {
  return fakeFetch([
    [
      "POST",
      /\/estimate$/,
      () => ({
        providers: "replicate",
        duration_s: 30,
        scenes: 5,
        continuity: "auto",
        concurrency: 3,
        total_usd: 1.234,
        expected_seconds: 95,
        critical_path: "script → scenes 1→2 → compose",
        lines: [{ capability: "video", provider: "replicate", model: "kwaivgi/kling-v2.5-turbo-pro", quantity: 50, unit: "s", usd: 1.1, seconds: 80, detail: "" }],
        assumptions: [],
      }),
    ],
    ...extra,
  ]);
}

function fillMinimal() {
  const fill = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
  fill("Prompt", "A gardener gets back to her roses");
  fill("Brand name", "Veltrexa");
  fill("Generic name", "veltrexamab");
  fill("Indication", "plaque psoriasis in adults");
  fill("Side effect 1", "serious infections");
}

describe("CreateView", () => {
  it("fills every field from a preset, including the lists and the boxed warning", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<CreateView />, { fetch: api() });
    await user.click(screen.getByRole("button", { name: /Anticoagulant, 60 s/ }));
    expect(screen.getByLabelText("Brand name")).toHaveValue("Corvanta");
    expect(screen.getByRole("radio", { name: "60 s" })).toBeChecked();
    expect(screen.getByLabelText("Continuity")).toHaveValue("chain");
    expect(screen.getByLabelText("Side effect 3")).toHaveValue("bruising more easily");
    expect(screen.getByLabelText("Contraindication 2")).toHaveValue("an artificial heart valve");
    expect((screen.getByLabelText(/Boxed warning/) as HTMLTextAreaElement).value).toContain("paralysis");
    expect(screen.getByLabelText("Toll-free phone")).toHaveValue("1-800-555-0177");
  });

  it("edits the lists: add, reorder, remove", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<CreateView />, { fetch: api() });
    const list = screen.getByRole("group", { name: /Contraindications/ });
    await user.click(within(list).getByRole("button", { name: "Add contraindication" }));
    expect(screen.getByLabelText("Contraindication 1")).toHaveFocus();
    await user.keyboard("pregnancy{Enter}active bleeding");
    expect(screen.getByLabelText("Contraindication 2")).toHaveValue("active bleeding");
    await user.click(screen.getByRole("button", { name: "Move contraindication 2 up" }));
    expect(screen.getByLabelText("Contraindication 1")).toHaveValue("active bleeding");
    await user.click(screen.getByRole("button", { name: "Remove contraindication 1" }));
    expect(screen.getByLabelText("Contraindication 1")).toHaveValue("pregnancy");
    expect(screen.queryByLabelText("Contraindication 2")).toBeNull();
  });

  it("shows the cost and time estimate once the brief has what it needs", async () => {
    const f = api();
    renderWithServices(<CreateView />, { fetch: f });
    expect(screen.getByTestId("estimate")).toHaveTextContent(/Fill in the prompt/);
    fillMinimal();
    await waitFor(() => expect(screen.getByTestId("estimate-cost")).toHaveTextContent("$1.23"), { timeout: 3000 });
    expect(screen.getByTestId("estimate-time")).toHaveTextContent("about 1 min 35 s");
    expect(screen.getByTestId("estimate")).toHaveTextContent("5 scenes");
    expect(screen.getByTestId("estimate")).toHaveTextContent(/Video \$1\.10/);
    const sent = f.calls.filter((c) => c.path.endsWith("/estimate")).pop()!.body as { product: { side_effects: string[] } };
    expect(sent.product.side_effects).toEqual(["serious infections"]);
  });

  it("shows the API's validation errors at their fields and in a summary", async () => {
    const user = userEvent.setup({ delay: null });
    const f = api([
      [
        "POST",
        /\/generate$/,
        () =>
          problem(422, "the request is not valid", [
            { field: "prompt", message: "String should have at least 10 characters" },
            { field: "product.side_effects.0", message: "String should have at most 300 characters" },
            { field: "", message: "Value error, product.contraindications: must not repeat a side effect" },
          ]),
      ],
    ]);
    renderWithServices(<CreateView />, { fetch: f });
    fillMinimal();
    await user.click(screen.getByRole("button", { name: "Generate ad" }));

    const prompt = await screen.findByLabelText("Prompt");
    await waitFor(() => expect(prompt).toHaveAttribute("aria-invalid", "true"));
    expect(prompt).toHaveAccessibleDescription(expect.stringContaining("at least 10 characters"));
    expect(screen.getByLabelText("Side effect 1")).toHaveAccessibleDescription("is too long: keep it to 300 characters");
    expect(screen.getByRole("group", { name: /Contraindications/ })).toHaveTextContent("must not repeat a side effect");

    const summary = screen.getByRole("alert");
    expect(summary).toHaveTextContent("3 fixes");
    await waitFor(() => expect(summary).toHaveFocus());
    await user.click(within(summary).getByRole("button", { name: /Side effect 1/ }));
    expect(screen.getByLabelText("Side effect 1")).toHaveFocus();

    // editing a field clears its error
    await user.type(prompt, "!");
    expect(prompt).not.toHaveAttribute("aria-invalid");
  });

  it("submits the brief with an Idempotency-Key and opens the job's progress", async () => {
    const user = userEvent.setup({ delay: null });
    const f = api([["POST", /\/generate$/, () => new Response(JSON.stringify({ job_id: "abc123", status: "queued" }), { status: 202, headers: { "content-type": "application/json" } })]]);
    renderWithServices(<CreateView />, { fetch: f });
    fillMinimal();
    await user.click(screen.getByRole("radio", { name: "15 s" }));
    await user.click(screen.getByRole("radio", { name: /9:16/ }));
    await user.selectOptions(screen.getByLabelText("Resolution"), "360p");
    await user.click(screen.getByRole("button", { name: "Generate ad" }));
    await waitFor(() => expect(location.hash).toBe("#/jobs/abc123"));
    const call = f.calls.find((c) => c.path.endsWith("/generate"))!;
    expect(call.headers["Idempotency-Key"]).toMatch(/.{8,}/);
    expect(call.body).toMatchObject({
      prompt: "A gardener gets back to her roses",
      duration_s: 15,
      aspect_ratio: "9:16",
      resolution: "360p",
      product: { brand_name: "Veltrexa", side_effects: ["serious infections"], contraindications: [], image: null },
    });
  });

  it("takes a custom duration between the presets", async () => {
    const user = userEvent.setup({ delay: null });
    const f = api([["POST", /\/generate$/, () => ({ job_id: "j3", status: "queued" })]]);
    renderWithServices(<CreateView />, { fetch: f });
    fillMinimal();
    await user.click(screen.getByRole("radio", { name: "Custom" }));
    const input = screen.getByRole("spinbutton", { name: "Custom duration in seconds" });
    fireEvent.change(input, { target: { value: "45" } });
    await user.click(screen.getByRole("button", { name: "Generate ad" }));
    await waitFor(() => expect(f.calls.find((c) => c.path.endsWith("/generate"))?.body).toMatchObject({ duration_s: 45 }));
  });

  it("previews and uploads the product image, then sends its key", async () => {
    const user = userEvent.setup({ delay: null });
    const f = api([
      ["POST", /\/uploads$/, () => ({ key: "users/local/uploads/p.png", url: "/api/v1/uploads/users/local/uploads/p.png?exp=9&sig=s", method: "PUT", headers: { "Content-Type": "image/png" }, expires_at: "" })],
      ["PUT", /\/uploads\//, () => ({ key: "users/local/uploads/p.png", width: 640, height: 480, content_type: "image/png" })],
      ["POST", /\/generate$/, () => ({ job_id: "j2", status: "queued" })],
    ]);
    renderWithServices(<CreateView />, { fetch: f });
    fillMinimal();
    const png = new File([new Uint8Array(1000)], "pack.png", { type: "image/png" });
    await user.upload(screen.getByLabelText(/Product image/), png);
    expect(screen.getByAltText("Preview of the product image")).toBeInTheDocument();
    await screen.findByText(/Uploaded pack.png \(640×480\)/);
    await user.click(screen.getByRole("button", { name: "Generate ad" }));
    await waitFor(() => expect(f.calls.some((c) => c.path.endsWith("/generate"))).toBe(true));
    expect((f.calls.find((c) => c.path.endsWith("/generate"))!.body as { product: { image: string } }).product.image).toBe("users/local/uploads/p.png");
  });

  it("refuses a file that is not PNG or JPEG before uploading it", async () => {
    const f = api();
    renderWithServices(<CreateView />, { fetch: f });
    const gif = new File(["GIF89a"], "anim.gif", { type: "image/gif" });
    fireEvent.change(screen.getByLabelText(/Product image/), { target: { files: [gif] } });
    expect(await screen.findByText(/anim.gif is not a PNG or JPEG image/)).toBeInTheDocument();
    expect(f.calls.some((c) => c.path.endsWith("/uploads"))).toBe(false);
  });
});
