import { describe, expect, it } from "vitest";
import { MAX_REFRESH_MS, MIN_REFRESH_MS, REFRESH_MARGIN_MS, expiredOrSoon, refreshDelay, urlExpiry } from "./expiry";

describe("signed URL expiry", () => {
  it("reads the local server's exp and S3's X-Amz-Date + X-Amz-Expires", () => {
    expect(urlExpiry("/api/v1/assets/k?exp=1700000000&sig=x")).toBe(1_700_000_000_000);
    expect(urlExpiry("https://b.s3.amazonaws.com/k?X-Amz-Date=20260102T100000Z&X-Amz-Expires=3600&X-Amz-Signature=s")).toBe(Date.parse("2026-01-02T11:00:00Z"));
    expect(urlExpiry("/no/expiry")).toBeNull();
    expect(urlExpiry(null)).toBeNull();
  });

  it("refreshes five minutes before the earliest expiry, never in a tight loop", () => {
    const now = 1_000_000_000_000;
    const inAnHour = `/a?exp=${(now + 3_600_000) / 1000}`;
    const inTenMin = `/b?exp=${(now + 600_000) / 1000}`;
    expect(refreshDelay([inAnHour, inTenMin, null], now)).toBe(600_000 - REFRESH_MARGIN_MS);
    expect(refreshDelay([`/c?exp=${now / 1000}`], now)).toBe(MIN_REFRESH_MS);
    expect(refreshDelay([], now)).toBeNull();
    expect(refreshDelay([`/d?exp=${now / 1000 + 10 ** 9}`], now)).toBe(MAX_REFRESH_MS);
  });

  it("tells an expired link (refresh it) from a missing asset (do not loop)", () => {
    const now = 1_000_000_000_000;
    expect(expiredOrSoon(`/a?exp=${now / 1000 - 10}`, now)).toBe(true);
    expect(expiredOrSoon(`/a?exp=${now / 1000 + 30}`, now)).toBe(true);
    expect(expiredOrSoon(`/a?exp=${now / 1000 + 3600}`, now)).toBe(false);
    expect(expiredOrSoon("/unsigned.jpg", now)).toBe(false);
  });
});
