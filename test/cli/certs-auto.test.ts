// certs:auto's wording: Heroku's status labels and "Last Updated" ages.
import { expect, test } from "bun:test";
import { acmStatusLabel, timeAgo } from "../../src/cli/commands/certs.ts";

test("acm_status values read as Heroku's CLI prints them", () => {
  expect([null, "pending", "cert issued", "failing", "failed"].map(acmStatusLabel)).toEqual(["Waiting", "Pending", "Cert issued", "Failing", "Failed"]);
});

test("ages read like Heroku's Last Updated column", () => {
  const now = Date.parse("2030-01-02T00:00:00Z");
  const ago = (ms: number) => timeAgo(new Date(now - ms).toISOString(), now);
  expect([ago(10_000), ago(60_000), ago(25 * 60_000), ago(3 * 3600_000), ago(26 * 3600_000), ago(5 * 86400_000)])
    .toEqual(["less than a minute", "1 minute", "25 minutes", "about 3 hours", "1 day", "5 days"]);
});
