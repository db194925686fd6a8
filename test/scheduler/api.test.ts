import { afterEach, describe, expect, test } from "bun:test";
import { syncAppJsonJobs } from "../../src/scheduler/app-json.ts";
import { createUser } from "../../src/state/index.ts";
import { schedulerFixture, waitFor } from "./helpers.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function setUp() {
  const { store, runner, scheduler, api } = schedulerFixture(cleanups);
  scheduler.start();
  const call = async (method: string, path: string, body?: unknown, token = store.token) => {
    const response = await api.fetch(new Request(`http://slipway.test${path}`, {
      method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }));
    return { status: response.status, body: await response.json() as any };
  };
  return { store, runner, call };
}

describe("cron-jobs API", () => {
  test("add, list, run now, remove", async () => {
    const { store, runner, call } = setUp();
    const base = `/apps/${store.app.name}/cron-jobs`;
    const created = await call("POST", base, { command: "echo hi", schedule: "*/10 * * * *", timezone: "Europe/Paris", timeout_seconds: 300 });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual([
      "command", "created_at", "id", "last_run_at", "next_run_at", "origin", "schedule", "timeout_seconds", "timezone", "updated_at",
    ]);
    expect(created.body).toMatchObject({ command: "echo hi", schedule: "*/10 * * * *", timezone: "Europe/Paris", origin: "api", timeout_seconds: 300, last_run_at: null });
    const next = new Date(created.body.next_run_at);
    expect(next.getUTCMinutes() % 10).toBe(0);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(600_000);

    const listed = await call("GET", base);
    expect(listed.body.map((j: { id: string }) => j.id)).toEqual([created.body.id]);

    const run = await call("POST", `${base}/${created.body.id}/actions/run`);
    expect(run).toEqual({ status: 202, body: { id: created.body.id, command: "echo hi", dyno: "scheduler.1" } });
    expect(runner.starts[0]).toMatchObject({ command: "echo hi", timeoutMs: 300_000 });
    await waitFor(() => runner.exits.length === 1, 5000);
    expect((await call("GET", base)).body[0].last_run_at).not.toBeNull();

    const removed = await call("DELETE", `${base}/${created.body.id}`);
    expect(removed.status).toBe(200);
    expect((await call("DELETE", `${base}/${created.body.id}`)).status).toBe(404);
    expect((await call("GET", base)).body).toEqual([]);
  });

  test("invalid schedules, time zones and timeouts are 422 invalid_params with the reason", async () => {
    const { store, call } = setUp();
    const base = `/apps/${store.app.name}/cron-jobs`;
    const cases: [Record<string, unknown>, string][] = [
      [{ command: "x", schedule: "every day" }, "Invalid schedule"],
      [{ command: "x", schedule: "0 25 * * *" }, "hour"],
      [{ command: "x", schedule: "@daily", timezone: "Europe/Pariss" }, "Unknown time zone"],
      [{ command: "x", schedule: "@daily", timeout_seconds: -5 }, "timeout_seconds"],
      [{ schedule: "@daily" }, "command is required"],
    ];
    for (const [body, reason] of cases) {
      const response = await call("POST", base, body);
      expect(response.status).toBe(422);
      expect(response.body.id).toBe("invalid_params");
      expect(response.body.message).toContain(reason);
    }
    expect((await call("GET", base)).body).toEqual([]);
  });

  test("app.json jobs are listed but removed only through app.json; strangers see nothing", async () => {
    const { store, call } = setUp();
    const base = `/apps/${store.app.name}/cron-jobs`;
    const synced = syncAppJsonJobs(store.db, store.app.id, JSON.stringify({ cron: [{ command: "rake cleanup", schedule: "@hourly" }] }));
    if ("error" in synced) throw new Error(synced.error);
    const [fromAppJson] = (await call("GET", base)).body;
    expect(fromAppJson).toMatchObject({ command: "rake cleanup", origin: "app.json", timezone: "UTC" });
    const refused = await call("DELETE", `${base}/${fromAppJson.id}`);
    expect(refused.status).toBe(422);
    expect(refused.body.message).toContain("app.json");

    createUser(store.db, "stranger@example.com", "stranger-token");
    expect((await call("GET", base, undefined, "stranger-token")).status).toBe(403);
    expect((await call("POST", `${base}/${fromAppJson.id}/actions/run`, undefined, "stranger-token")).status).toBe(403);
    expect((await call("POST", `/apps/${store.app.name}/cron-jobs/not-a-job/actions/run`)).status).toBe(404);
  });
});
