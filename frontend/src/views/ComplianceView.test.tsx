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
    const rows = within(screen.getByRole("table")).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent(/error.*MS-DISTRACTION.*Nothing competes.*Scene 3, 0:09.0–0:12.0.*a cut shorter than 3 s/);
    expect(rows[1]).toHaveTextContent(/whole ad/); // whole-ad findings lead their severity
    expect(rows[2]).toHaveTextContent(/0:04.5–0:06.0/);
    await user.selectOptions(screen.getByLabelText("Show"), "warning");
    expect(within(screen.getByRole("table")).getAllByRole("row")).toHaveLength(3);
    expect(screen.getByText(/For version 1/)).toBeInTheDocument();
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
