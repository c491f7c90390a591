import { describe, expect, it } from "vitest";
import { fieldName, plainMessage, plainProblem } from "./plain";

describe("plain words", () => {
  it("names brief and timeline fields as a producer calls them", () => {
    expect(fieldName("product.brand_name")).toBe("The brand name");
    expect(fieldName("product.side_effects.0")).toBe("Side effect 1");
    expect(fieldName("clips.2.out_s")).toBe("Clip 3's out point");
    expect(fieldName("texts.0.text")).toBe("Text item 1's words");
    expect(fieldName("voice.1")).toBe("Voice line 2");
    expect(fieldName("music.gain_db")).toBe("The music gain");
    expect(fieldName("")).toBe("");
  });

  it("never shows a model's validation wording", () => {
    for (const raw of [
      "String should have at least 1 character",
      "String should have at least 10 characters",
      "String should have at most 300 characters",
      "Input should be greater than or equal to 0.25",
      "Input should be less than or equal to 120",
      "Input should be a valid number, unable to parse string as a number",
      "Input should be '16:9', '9:16' or '1:1'",
      "Field required",
      "List should have at least 1 item after validation, not 0",
      "Extra inputs are not permitted",
    ]) {
      const said = plainMessage(raw);
      expect(said).not.toMatch(/should|Input|String|Field required|validation|permitted/);
    }
    expect(plainMessage("String should have at least 1 character")).toBe("cannot be empty: write something here");
    expect(plainMessage("Input should be '16:9', '9:16' or '1:1'")).toBe("must be one of 16:9, 9:16 or 1:1");
    expect(plainMessage("Input should be greater than or equal to 0.25")).toBe("is too small: make it 0.25 or more");
  });

  it("drops command-line flags and says what to do in the app instead", () => {
    const said = plainMessage("the timeline breaks 2 compliance rule(s); fix it or re-compose with --allow-noncompliant (recorded in the report)");
    expect(said).toBe("the timeline breaks 2 compliance rule(s); fix the findings marked on the timeline, then save and re-compose");
    expect(plainMessage("pass --brief to check names")).not.toContain("--");
  });

  it("makes one field's problem a sentence", () => {
    expect(plainProblem("texts.1.text", "String should have at least 1 character")).toBe("Text item 2's words cannot be empty: write something here.");
    expect(plainProblem("clips.0.asset", "not an asset of job job1")).toBe("Clip 1's media file: not an asset of job job1.");
    expect(plainProblem("", "the server cannot be reached")).toBe("The server cannot be reached.");
  });

  it("says the timeline's kinds of text as the workspace shows them", () => {
    expect(plainMessage("Add a major_statement text item with this line, from its first word to its last.")).toBe("Add a major-statement text item with this line, from its first word to its last.");
    expect(plainMessage("the end_card is shown too briefly")).toBe("the end-card is shown too briefly");
  });
});
