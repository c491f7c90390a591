// Hash routes, so the static server needs no fallback and every view has an address to share.

import { useEffect, useState } from "react";

export type Route =
  | { name: "create"; from?: string }
  | { name: "library" }
  | { name: "progress"; id: string }
  | { name: "editor"; id: string }
  | { name: "compliance"; id: string }
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
  return { name: "notfound", path };
}

export const href = {
  create: (from?: string) => (from ? `#/create?from=${encodeURIComponent(from)}` : "#/create"),
  library: () => "#/library",
  progress: (id: string) => `#/jobs/${encodeURIComponent(id)}`,
  editor: (id: string) => `#/jobs/${encodeURIComponent(id)}/edit`,
  compliance: (id: string) => `#/jobs/${encodeURIComponent(id)}/compliance`,
};

export function navigate(to: string): void {
  location.hash = to.replace(/^#/, "");
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}
