// Hash routes, so the static server needs no fallback and every view has an address to share.
// A view with work that would be lost (the workspace's unsaved edit) guards leaving it: the app
// asks before it follows a link away, and the browser asks before the page unloads.

import { useEffect, useState } from "react";

export type Route =
  | { name: "create"; from?: string }
  | { name: "library" }
  | { name: "progress"; id: string }
  | { name: "editor"; id: string }
  | { name: "compliance"; id: string }
  | { name: "review"; id: string; version?: number }
  | { name: "shared"; token: string }
  | { name: "notfound"; path: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?", 2);
  const q = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "create")) return { name: "create", from: q.get("from") ?? undefined };
  if (parts.length === 1 && parts[0] === "library") return { name: "library" };
  if (parts[0] === "jobs" && parts.length === 2) return { name: "progress", id: parts[1] };
  if (parts[0] === "jobs" && parts.length === 3 && parts[2] === "edit") return { name: "editor", id: parts[1] };
  if (parts[0] === "jobs" && parts.length === 3 && parts[2] === "compliance") return { name: "compliance", id: parts[1] };
  if (parts[0] === "jobs" && parts.length === 3 && parts[2] === "review") {
    const v = Number(q.get("v"));
    return { name: "review", id: parts[1], ...(Number.isInteger(v) && v > 0 ? { version: v } : {}) };
  }
  if (parts[0] === "shared" && parts.length === 2) return { name: "shared", token: parts[1] };
  return { name: "notfound", path };
}

export const href = {
  create: (from?: string) => (from ? `#/create?from=${encodeURIComponent(from)}` : "#/create"),
  library: () => "#/library",
  progress: (id: string) => `#/jobs/${encodeURIComponent(id)}`,
  editor: (id: string) => `#/jobs/${encodeURIComponent(id)}/edit`,
  compliance: (id: string) => `#/jobs/${encodeURIComponent(id)}/compliance`,
  review: (id: string, version?: number) => `#/jobs/${encodeURIComponent(id)}/review${version ? `?v=${version}` : ""}`,
  shared: (token: string) => `#/shared/${encodeURIComponent(token)}`,
};

export function navigate(to: string): void {
  location.hash = to.replace(/^#/, "");
}

/** The questions of the views that would lose work if left now (at most one view is open). */
const guards = new Set<{ question: string }>();

/** Whether leaving the current view is fine: nothing would be lost, or the person said so. */
export function confirmLeave(): boolean {
  for (const g of guards) if (!window.confirm(g.question)) return false;
  return true;
}

/** While `question` is set, leaving the view (a link, the back button, closing or reloading the
 *  page) asks it first; "Cancel" keeps the person where they are. */
export function useLeaveGuard(question: string | null): void {
  useEffect(() => {
    if (!question) return;
    const g = { question };
    guards.add(g);
    const unload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = question; // older browsers show (or need) a return value
    };
    window.addEventListener("beforeunload", unload);
    return () => {
      guards.delete(g);
      window.removeEventListener("beforeunload", unload);
    };
  }, [question]);
}

const pathOf = (hash: string) => hash.replace(/^#/, "").split("?", 1)[0];

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    let current = location.hash;
    const on = () => {
      const next = location.hash;
      if (next === current) return;
      if (pathOf(next) !== pathOf(current) && guards.size && !confirmLeave()) {
        // Stay: put the address back without a new history entry (no second hashchange).
        history.replaceState(history.state, "", `${location.pathname}${location.search}${current || "#"}`);
        return;
      }
      current = next;
      setRoute(parseRoute(next));
    };
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}
