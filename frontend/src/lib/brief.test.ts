import { describe, expect, it } from "vitest";
import { PRESETS, emptyForm, formFieldErrors, fromBrief, toBrief } from "./brief";

describe("brief form model", () => {
  it("sends trimmed values, drops blank list rows and optional blanks", () => {
    const f = emptyForm();
    f.prompt = "  A calm spot in a garden  ";
    f.product.brand_name = "Veltrexa ";
    f.product.side_effects = ["", " infections ", "", "headache"];
    const { brief, indexMap } = toBrief(f);
    expect(brief.prompt).toBe("A calm spot in a garden");
    expect(brief.product.brand_name).toBe("Veltrexa");
    expect(brief.product.side_effects).toEqual(["infections", "headache"]);
    expect(brief.product.boxed_warning).toBeNull();
    expect(brief.music_mood).toBeNull();
    expect(indexMap.side_effects).toEqual([1, 3]);
  });

  it("maps the API's list indices back to the rows the user sees", () => {
    const f = emptyForm();
    f.product.side_effects = ["", "x", "y"];
    const { indexMap } = toBrief(f);
    expect(formFieldErrors({ "product.side_effects.1": "too long", prompt: "required" }, indexMap)).toEqual({
      "product.side_effects.2": "too long",
      prompt: "required",
    });
  });

  it("every preset makes a valid-looking brief", () => {
    for (const p of PRESETS) {
      const { brief } = toBrief(fromBrief(p.brief));
      expect(brief.prompt.length).toBeGreaterThanOrEqual(10);
      expect(brief.product.side_effects.length).toBeGreaterThan(0);
      expect([15, 30, 60]).toContain(brief.duration_s);
    }
    expect(toBrief(fromBrief(PRESETS[1].brief)).brief.product.boxed_warning).toMatch(/Corvanta/);
  });
});
