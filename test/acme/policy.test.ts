// ACM's pure decisions: when to order, renew and retry, what a failure becomes, which certificate wins.
import { describe, expect, test } from "bun:test";
import { afterFailure, DEFAULT_ACM_POLICY as policy, isDue, nextCheckAt, nextOrderAt, servedCertificates } from "../../src/acme/policy.ts";
import type { AcmState } from "../../src/acme/policy.ts";

const DAY = 24 * 3600_000;
const fresh: AcmState = { hostname: "www.example.test", status: null, failures: 0, nextAttemptAt: null, expiresAt: null };

describe("when a certificate is ordered", () => {
  test("a domain with none is due at once; a wildcard or a failed one never (until a refresh)", () => {
    expect(isDue(fresh, 1_000, policy)).toBe(true);
    expect(nextOrderAt({ ...fresh, hostname: "*.example.test" }, policy)).toBeNull();
    expect(nextOrderAt({ ...fresh, status: "failed", failures: 6 }, policy)).toBeNull();
  });

  test("an issued certificate is renewed once fewer than 30 days are left", () => {
    const now = 1_000 * DAY;
    const issued = { ...fresh, status: "cert issued" as const, expiresAt: now + 90 * DAY };
    expect(isDue(issued, now + 59 * DAY, policy)).toBe(false);
    expect(isDue(issued, now + 60 * DAY, policy)).toBe(true);
    expect(isDue(issued, now + 61 * DAY, { ...policy, renewBeforeMs: 7 * DAY })).toBe(false);
  });

  test("after a failure the retry waits, doubling each time up to a cap", () => {
    const first = afterFailure(fresh, 0, policy);
    expect(first).toEqual({ status: "failing", failures: 1, nextAttemptAt: policy.retryBaseMs });
    const second = afterFailure({ ...fresh, ...first }, 10_000, policy);
    expect(second.nextAttemptAt).toBe(10_000 + 2 * policy.retryBaseMs);
    expect(isDue({ ...fresh, ...second }, 10_000 + policy.retryBaseMs, policy)).toBe(false);
    expect(isDue({ ...fresh, ...second }, 10_000 + 2 * policy.retryBaseMs, policy)).toBe(true);
    expect(afterFailure({ ...fresh, status: "failing", failures: 3, expiresAt: 100 * DAY }, 0, { ...policy, retryMaxMs: 5 }).nextAttemptAt).toBe(5);
  });

  test("a first issue that keeps failing is failed; a renewal with a live certificate keeps retrying", () => {
    const spent = { ...fresh, status: "failing" as const, failures: policy.maxFailures - 1 };
    expect(afterFailure(spent, 0, policy)).toEqual({ status: "failed", failures: policy.maxFailures, nextAttemptAt: null });
    const renewing = { ...spent, expiresAt: 10 * DAY };
    expect(afterFailure(renewing, 0, policy).status).toBe("failing");
    expect(afterFailure(renewing, 11 * DAY, policy).status).toBe("failed");
  });

  test("the manager looks again at the earliest due order, at least every check interval", () => {
    const now = 50 * DAY;
    expect(nextCheckAt([], now, policy, 3600_000)).toBe(now + 3600_000);
    const retry = { ...fresh, status: "failing" as const, failures: 1, nextAttemptAt: now + 60_000 };
    expect(nextCheckAt([retry, { ...fresh, expiresAt: now + 365 * DAY }], now, policy, 3600_000)).toBe(now + 60_000);
    expect(nextCheckAt([fresh], now, policy, 3600_000)).toBe(now);
  });
});

test("an uploaded certificate wins over an issued one for the same hostname", () => {
  const uploaded = [{ serverName: "a.example.test", cert: "uploaded", key: "k" }];
  const issued = [{ serverName: "a.example.test", cert: "issued", key: "k" }, { serverName: "b.example.test", cert: "issued", key: "k" }];
  expect(servedCertificates(uploaded, issued).map((c) => `${c.serverName}:${c.cert}`)).toEqual(["a.example.test:uploaded", "b.example.test:issued"]);
});
