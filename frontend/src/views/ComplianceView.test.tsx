import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { REPORT, fakeFetch, makeJob, problem, renderWithServices } from "../test/helpers";
import { ruleName } from "../lib/compliance";
import { ComplianceView } from "./ComplianceView";

describe("ComplianceView", () => {
  it("shows the counts and every finding, errors first, filterable", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<ComplianceView id="job1" />, {
      fetch: fakeFetch([
        ["GET", /\/jobs\/job1\/compliance$/, () => REPORT],
        ["GET", /\/jobs\/job1$/, () => makeJob({ status: "completed" })],
      ]),
    });
    expect(await screen.findByTestId("errors-count")).toHaveTextContent("1");
    const rows = within(screen.getByRole("table", { name: "Compliance findings" })).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent(/error.*MS-DISTRACTION.*Nothing competes.*Scene 3, 0:09.0–0:12.0.*a cut shorter than 3 s/);
    expect(rows[1]).toHaveTextContent(/whole ad/); // whole-ad findings lead their severity
    expect(rows[2]).toHaveTextContent(/0:04.5–0:06.0/);
    await user.selectOptions(screen.getByLabelText("Show"), "warning");
    expect(within(screen.getByRole("table", { name: "Compliance findings" })).getAllByRole("row")).toHaveLength(3);
    expect(screen.getByText(/For version 1/)).toBeInTheDocument();
  });

  it("shows the render QC beside the compliance report", async () => {
    const qc = {
      version: 2, made: true, passed: false, errors: 1, warnings: 0, allow_noncompliant: true,
      findings: [{ rule: "QC-TEXT-MISSING", severity: "error", scene: 6, start_s: 26.1, end_s: 28.4, message: 'The super "Call 1-800-555-0142" is not on screen whole at 27.25 s', source: "rendered frames" }],
      audio: { integrated_lufs: -24.1, true_peak_dbtp: -6.8, loudness_range_lu: 2.3, target_lufs: -24, ceiling_dbtp: -2 },
      tracks: { video_s: 30, audio_s: 30, timeline_s: 30, brief_s: 30 },
      texts: [],
    };
    renderWithServices(<ComplianceView id="job1" />, {
      fetch: fakeFetch([
        ["GET", /\/jobs\/job1\/compliance$/, () => REPORT],
        ["GET", /\/jobs\/job1\/qc$/, () => qc],
        ["GET", /\/jobs\/job1$/, () => makeJob({ status: "completed" })],
      ]),
    });
    expect(await screen.findByRole("heading", { name: /Render QC · version 2/ })).toBeInTheDocument();
    expect(screen.getByTestId("qc-verdict")).toHaveTextContent("fails 1 QC check");
    expect(screen.getByText(/QC errors allowed/)).toBeInTheDocument();
    expect(screen.getByText(/true peak -6.8 dBTP/)).toBeInTheDocument();
    const table = screen.getByRole("table", { name: "QC findings" });
    expect(within(table).getAllByRole("row")[1]).toHaveTextContent(/QC-TEXT-MISSING.*Text on screen whole.*Scene 6.*not on screen whole/);
  });

  it("explains a missing report", async () => {
    renderWithServices(<ComplianceView id="job1" />, { fetch: fakeFetch([["GET", /\/jobs\/job1\/compliance$/, () => problem(404, "job job1 has no compliance report yet")]]) });
    expect(await screen.findByText(/no compliance report yet/)).toBeInTheDocument();
  });

  it("names known rules and leaves others readable", () => {
    expect(ruleName("MS-DUAL-MODALITY")).toBe("Major statement shown while spoken");
    expect(ruleName("AP-SOMETHING-NEW")).toBe("Adequate provision");
    expect(ruleName("new_rule")).toBe("new rule");
  });
});
