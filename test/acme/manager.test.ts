// The ACM manager against a real state store, a fake CA and a fake clock: first issue, renewal within
// 30 days of expiry, failures turning into failing then failed, refresh, wildcards, disable.
import { afterEach, beforeEach, expect, test } from "bun:test";
import { AcmeManager } from "../../src/acme/manager.ts";
import { DEFAULT_ACM_POLICY, WILDCARD_REASON } from "../../src/acme/policy.ts";
import type { Issuer } from "../../src/acme/issue.ts";
import {
  acmDomainsOf, createUser, insertApp, insertDomain, openDb, resetAcmFailures, setAcmEnabled, type Db,
} from "../../src/state/index.ts";
import { selfSigned } from "./certificates.ts";

const DAY = 24 * 3600_000;
let db: Db;
let appId: string;
let clock: number;
let orders: string[];
let failWith: string | null;
let changes: number;
let manager: AcmeManager;

const issuer: Issuer = async (hostname, challenges) => {
  orders.push(hostname);
  challenges.add(hostname, "tok", "tok.thumb");
  challenges.remove(hostname, "tok");
  if (failWith !== null) throw new Error(failWith);
  return selfSigned(hostname, new Date(clock - 60_000), new Date(clock + 90 * DAY));
};

beforeEach(() => {
  db = openDb(":memory:");
  appId = insertApp(db, "acmapp", createUser(db, "a@example.test", "token"), "host").id;
  clock = Date.parse("2030-01-01T00:00:00Z");
  orders = [];
  failWith = null;
  changes = 0;
  manager = new AcmeManager({
    db, issuer: async () => issuer, policy: DEFAULT_ACM_POLICY, checkEveryMs: 3600_000,
    certificatesChanged: () => changes++, say: () => {}, now: () => clock,
  });
});
afterEach(async () => {
  await manager.stop();
  db.close();
});

const statusOf = (hostname: string) => acmDomainsOf(db, appId).find((d) => d.hostname === hostname);

test("nothing is ordered for an app without ACM", async () => {
  insertDomain(db, appId, "www.example.test");
  await manager.runDue();
  expect(orders).toEqual([]);
  expect(acmDomainsOf(db, appId)).toEqual([]);
});

test("issues once, serves the certificate, and renews only within 30 days of expiry", async () => {
  insertDomain(db, appId, "www.example.test");
  setAcmEnabled(db, appId, true);
  await manager.runDue();
  expect(orders).toEqual(["www.example.test"]);
  expect(statusOf("www.example.test")).toMatchObject({ status: "cert issued", reason: null, expiresAt: clock + 90 * DAY });
  expect(manager.certificates().map((c) => c.serverName)).toEqual(["www.example.test"]);
  expect(changes).toBe(1);
  expect(manager.challenges.size).toBe(0);

  clock += 59 * DAY; // 31 days left
  await manager.runDue();
  expect(orders).toHaveLength(1);
  clock += 2 * DAY; // 29 days left
  await manager.runDue();
  expect(orders).toHaveLength(2);
  expect(statusOf("www.example.test")!.expiresAt).toBeGreaterThan(clock + 89 * DAY);
  expect(changes).toBe(2);
});

test("a failing order is retried after its back-off, then failed until a refresh", async () => {
  insertDomain(db, appId, "bad.example.test");
  setAcmEnabled(db, appId, true);
  failWith = "Authorization not valid: 127.0.0.1: Fetching http://bad.example.test/.well-known/acme-challenge/x: Connection refused";
  await manager.runDue();
  expect(statusOf("bad.example.test")).toMatchObject({ status: "failing", failures: 1, reason: failWith });
  await manager.runDue();
  expect(orders).toHaveLength(1); // still backing off
  for (let i = 1; i < DEFAULT_ACM_POLICY.maxFailures; i++) {
    clock += DEFAULT_ACM_POLICY.retryMaxMs;
    await manager.runDue();
  }
  expect(orders).toHaveLength(DEFAULT_ACM_POLICY.maxFailures);
  expect(statusOf("bad.example.test")!.status).toBe("failed");
  clock += 30 * DAY;
  await manager.runDue();
  expect(orders).toHaveLength(DEFAULT_ACM_POLICY.maxFailures);

  failWith = null;
  resetAcmFailures(db, appId);
  await manager.runDue();
  expect(statusOf("bad.example.test")).toMatchObject({ status: "cert issued", failures: 0, reason: null });
});

test("a failed renewal keeps serving the current certificate", async () => {
  insertDomain(db, appId, "www.example.test");
  setAcmEnabled(db, appId, true);
  await manager.runDue();
  clock += 70 * DAY;
  failWith = "rate limited";
  await manager.runDue();
  expect(statusOf("www.example.test")).toMatchObject({ status: "failing", reason: "rate limited" });
  expect(manager.certificates().map((c) => c.serverName)).toEqual(["www.example.test"]);
});

test("wildcards are refused with a reason; disabling drops issued certificates", async () => {
  insertDomain(db, appId, "*.example.test");
  insertDomain(db, appId, "www.example.test");
  setAcmEnabled(db, appId, true);
  await manager.runDue();
  expect(orders).toEqual(["www.example.test"]);
  expect(statusOf("*.example.test")).toMatchObject({ status: "failed", reason: WILDCARD_REASON });
  setAcmEnabled(db, appId, false);
  expect(manager.certificates()).toEqual([]);
  expect(acmDomainsOf(db, appId)).toEqual([]);
});
