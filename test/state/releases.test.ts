import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb, createUser, insertApp, insertRelease, currentRelease, setReleaseStatus, listReleases, releaseByIdOrVersion } from "../../src/state/index.ts";

describe("releases", () => {
  test("versions count up per app; the current release is the newest that succeeded", () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-state-"));
    try {
      const db = openDb(join(dir, "state.db"));
      const user = createUser(db, "a@example.com", "tok");
      const one = insertApp(db, "one", user, "host");
      const two = insertApp(db, "two", user, "host");
      const base = { slugId: null, config: {}, user, status: "succeeded" as const };
      expect(insertRelease(db, { ...base, appId: one.id, description: "Initial release" }).version).toBe(1);
      expect(insertRelease(db, { ...base, appId: two.id, description: "Initial release" }).version).toBe(1);
      const v2 = insertRelease(db, { ...base, appId: one.id, description: "Set A config vars", config: { A: "1" } });
      expect(v2.version).toBe(2);
      const v3 = insertRelease(db, { ...base, appId: one.id, description: "Deploy", status: "pending" });
      expect(currentRelease(db, one.id)?.version).toBe(2);
      setReleaseStatus(db, v3.id, "failed");
      expect(currentRelease(db, one.id)?.version).toBe(2);
      expect(insertRelease(db, { ...base, appId: one.id, description: "x" }).version).toBe(4);
      expect(listReleases(db, one.id).map((r) => r.version)).toEqual([1, 2, 3, 4]);
      expect(releaseByIdOrVersion(db, one.id, "v2")?.config).toEqual({ A: "1" });
      expect(releaseByIdOrVersion(db, one.id, v2.id)?.version).toBe(2);
      expect(releaseByIdOrVersion(db, two.id, v2.id)).toBeNull();
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
