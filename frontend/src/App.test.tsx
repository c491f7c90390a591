import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { App } from "./App";
import { parseRoute } from "./lib/router";
import { fakeFetch, renderWithServices } from "./test/helpers";

describe("App shell", () => {
  it("routes by hash and marks the current page in the navigation", async () => {
    renderWithServices(<App />, { fetch: fakeFetch([["GET", /\/jobs$/, () => ({ items: [], next_cursor: null })]]) });
    expect(screen.getByRole("heading", { level: 1, name: "Create an ad" })).toHaveFocus();
    expect(screen.getByRole("link", { name: "Create" })).toHaveAttribute("aria-current", "page");
    act(() => {
      location.hash = "#/library";
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    });
    expect(await screen.findByRole("heading", { level: 1, name: "Library" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Library" })).toHaveAttribute("aria-current", "page");
    expect(document.title).toBe("Library · OmniGen");
  });

  it("switches between system, light and dark themes and remembers the choice", async () => {
    const user = userEvent.setup({ delay: null });
    renderWithServices(<App />, { fetch: fakeFetch([]) });
    expect(document.documentElement.dataset.theme).toBe("light"); // the system (jsdom) prefers light
    await user.selectOptions(screen.getByRole("combobox", { name: "Colour theme" }), "dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(localStorage.getItem("omnigen.theme")).toBe("dark");
    await user.selectOptions(screen.getByRole("combobox", { name: "Colour theme" }), "system");
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(localStorage.getItem("omnigen.theme")).toBeNull();
  });

  it("parses every route", () => {
    expect(parseRoute("")).toEqual({ name: "create", from: undefined });
    expect(parseRoute("#/create?from=j9")).toEqual({ name: "create", from: "j9" });
    expect(parseRoute("#/jobs/j1")).toEqual({ name: "progress", id: "j1" });
    expect(parseRoute("#/jobs/j1/edit")).toEqual({ name: "editor", id: "j1" });
    expect(parseRoute("#/jobs/j1/compliance")).toEqual({ name: "compliance", id: "j1" });
    expect(parseRoute("#/nope")).toEqual({ name: "notfound", path: "/nope" });
  });
});
