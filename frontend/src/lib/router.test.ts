import { act, renderHook } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useLeaveGuard, useRoute } from "./router";

function go(hash: string) {
  const oldURL = location.href;
  history.pushState(null, "", hash);
  window.dispatchEvent(new HashChangeEvent("hashchange", { oldURL, newURL: location.href }));
}

describe("leaving a view with unsaved work", () => {
  afterEach(() => vi.restoreAllMocks());

  it("asks first, and stays when the answer is no", () => {
    history.replaceState(null, "", "#/jobs/j1/edit");
    const route = renderHook(() => useRoute());
    const guard = renderHook(({ q }: { q: string | null }) => useLeaveGuard(q), { initialProps: { q: "Lose the edit?" as string | null } });
    const confirm = vi.spyOn(window, "confirm").mockReturnValue(false);
    act(() => go("#/library"));
    expect(confirm).toHaveBeenCalledWith("Lose the edit?");
    expect(route.result.current).toEqual({ name: "editor", id: "j1" });
    expect(location.hash).toBe("#/jobs/j1/edit");

    confirm.mockReturnValue(true);
    act(() => go("#/library"));
    expect(route.result.current).toEqual({ name: "library" });

    // nothing to lose: no question
    guard.rerender({ q: null });
    confirm.mockClear();
    act(() => go("#/create"));
    expect(confirm).not.toHaveBeenCalled();
    expect(route.result.current.name).toBe("create");
    route.unmount();
    guard.unmount();
  });

  it("asks the browser before the page unloads", () => {
    const guard = renderHook(() => useLeaveGuard("Lose the edit?"));
    const e = new Event("beforeunload", { cancelable: true });
    window.dispatchEvent(e);
    expect(e.defaultPrevented).toBe(true);
    guard.unmount();
    const after = new Event("beforeunload", { cancelable: true });
    window.dispatchEvent(after);
    expect(after.defaultPrevented).toBe(false);
  });
});
