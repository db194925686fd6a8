import { afterEach, describe, expect, test } from "bun:test";
import { Command } from "commander";
import { registerCronCommands, parseTimeoutFlag } from "../../src/cli/commands/cron.ts";
import { createContext } from "../../src/cli/context.ts";
import { CliError } from "../../src/cli/output.ts";
import { cronJobsOf } from "../../src/state/cron-jobs.ts";
import { schedulerFixture, waitFor } from "./helpers.ts";

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** The API on a real loopback port, and `slipway cron…` run against it with its stdout captured. */
function setUp() {
  const { store, runner, api } = schedulerFixture(cleanups);
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (request) => api.fetch(request) });
  cleanups.push(() => server.stop(true));
  const stdout: string[] = [];
  const cli = async (...argv: string[]) => {
    const ctx = createContext({ SLIPWAY_URL: `http://127.0.0.1:${server.port}`, SLIPWAY_TOKEN: store.token, NO_COLOR: "1" }, "test");
    ctx.output = { color: false, out: (text = "") => stdout.push(text), err: () => {} };
    const program = new Command("slipway").exitOverride();
    registerCronCommands(program, ctx);
    await program.parseAsync(argv, { from: "user" });
  };
  return { store, runner, cli, stdout };
}

describe("slipway cron", () => {
  test("cron:add, cron, cron:run, cron:remove", async () => {
    const { store, runner, cli, stdout } = setUp();
    const app = store.app.name;
    await cli("cron:add", "*/10 * * * *", "rake", "cleanup", "-a", app, "--timezone", "Europe/Paris", "--timeout", "300");
    const [job] = cronJobsOf(store.db, store.app.id);
    expect(job).toMatchObject({ command: "rake cleanup", schedule: "*/10 * * * *", timezone: "Europe/Paris", timeoutSeconds: 300 });

    stdout.length = 0;
    await cli("cron", "-a", app);
    expect(stdout[0]).toBe(`=== ${app} Scheduled Jobs`);
    expect(stdout.at(-1)).toContain(job!.id);
    expect(stdout.at(-1)).toContain("rake cleanup");

    await cli("cron:run", job!.id, "-a", app);
    await waitFor(() => runner.exits.length === 1, 5000);
    expect(runner.starts[0]?.command).toBe("rake cleanup");

    await cli("cron:remove", job!.id, "-a", app);
    expect(cronJobsOf(store.db, store.app.id)).toEqual([]);
    stdout.length = 0;
    await cli("cron", "-a", app);
    expect(stdout).toEqual([`${app} has no scheduled jobs.`]);
  });

  test("the API's reason reaches the user", async () => {
    const { store, cli } = setUp();
    await expect(cli("cron:add", "every day", "true", "-a", store.app.name)).rejects.toThrow('Invalid schedule "every day"');
    expect(() => parseTimeoutFlag("5m")).toThrow(CliError);
    expect(parseTimeoutFlag("300")).toBe(300);
  });
});
