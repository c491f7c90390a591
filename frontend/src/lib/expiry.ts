// Signed asset URLs expire (one hour). Views that show them fetch fresh ones a little before.

export const REFRESH_MARGIN_MS = 5 * 60_000;
export const MIN_REFRESH_MS = 15_000;
/** Timers longer than 2^31 ms fire at once; nothing needs refreshing later than a day ahead. */
export const MAX_REFRESH_MS = 24 * 3600_000;

/** When a signed URL stops working (epoch ms), or null when it does not say. Knows the local
 *  server's `exp` (epoch seconds) and S3's `X-Amz-Date` + `X-Amz-Expires`. */
export function urlExpiry(url: string | null | undefined): number | null {
  if (!url) return null;
  let q: URLSearchParams;
  try {
    q = new URL(url, "http://x").searchParams;
  } catch {
    return null;
  }
  const exp = q.get("exp") ?? q.get("Expires");
  if (exp && /^\d+$/.test(exp)) return Number(exp) * 1000;
  const date = q.get("X-Amz-Date");
  const ttl = q.get("X-Amz-Expires");
  if (date && ttl && /^\d{8}T\d{6}Z$/.test(date)) {
    const iso = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`;
    return Date.parse(iso) + Number(ttl) * 1000;
  }
  return null;
}

/** How long to wait before fetching fresh URLs: the earliest expiry minus a margin. */
export function refreshDelay(urls: Iterable<string | null | undefined>, now = Date.now()): number | null {
  let earliest: number | null = null;
  for (const u of urls) {
    const e = urlExpiry(u);
    if (e !== null && (earliest === null || e < earliest)) earliest = e;
  }
  if (earliest === null) return null;
  return Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, earliest - REFRESH_MARGIN_MS - now));
}

/** A media element failed: worth fetching fresh URLs only if this one has (nearly) expired —
 *  otherwise the asset is missing and a refresh would only fail again, in a loop. */
export function expiredOrSoon(url: string | null | undefined, now = Date.now()): boolean {
  const e = urlExpiry(url);
  return e !== null && e - 60_000 <= now;
}
