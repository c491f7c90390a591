import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError } from "./api";
import { refreshDelay } from "./expiry";
import { useServices } from "./services";
import type { Job } from "./types";

/** Call `refresh` shortly before the earliest of these signed URLs expires. */
export function useRefreshBeforeExpiry(urls: (string | null | undefined)[], refresh: () => void): void {
  const key = urls.filter(Boolean).join("\n");
  const cb = useRef(refresh);
  cb.current = refresh;
  useEffect(() => {
    const delay = refreshDelay(key ? key.split("\n") : []);
    if (delay === null) return;
    const t = setTimeout(() => cb.current(), delay);
    return () => clearTimeout(t);
  }, [key]);
}

export interface JobState {
  job: Job | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => Promise<Job | null>;
  setJob: (update: (j: Job) => Job) => void;
}

/** One job, fetched and re-fetched (fresh signed URLs) before its URLs expire. */
export function useJob(id: string): JobState {
  const { api } = useServices();
  const [job, setJobState] = useState<Job | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const current = useRef(id);
  current.current = id;

  const reload = useCallback(async () => {
    try {
      const j = await api.getJob(id);
      if (current.current !== id) return null;
      setJobState((old) => (old && old.job_id === j.job_id && old.seq > j.seq ? { ...old, urls: j.urls, assets: j.assets } : j));
      setError(null);
      return j;
    } catch (e) {
      if (current.current === id) setError(e instanceof ApiError ? e : new ApiError(0, "Error", String(e)));
      return null;
    } finally {
      if (current.current === id) setLoading(false);
    }
  }, [api, id]);

  useEffect(() => {
    setJobState(null);
    setLoading(true);
    setError(null);
    void reload();
  }, [reload]);

  useRefreshBeforeExpiry(Object.values(job?.urls ?? {}), () => void reload());

  const setJob = useCallback((update: (j: Job) => Job) => setJobState((j) => (j ? update(j) : j)), []);
  return { job, error, loading, reload, setJob };
}

/** A media query's current answer, kept up to date. */
export function useMediaQuery(query: string): boolean {
  const get = () => typeof window !== "undefined" && !!window.matchMedia && window.matchMedia(query).matches;
  const [matches, setMatches] = useState(get);
  useEffect(() => {
    if (!window.matchMedia) return;
    const mq = window.matchMedia(query);
    const on = () => setMatches(mq.matches);
    on();
    mq.addEventListener?.("change", on);
    return () => mq.removeEventListener?.("change", on);
  }, [query]);
  return matches;
}
