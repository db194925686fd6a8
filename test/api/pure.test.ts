import { describe, expect, test } from "bun:test";
import { appNameProblem, generateAppName, APP_NAME_PATTERN } from "../../src/api/app-names.ts";
import { parseRange, applyRange } from "../../src/api/range.ts";
import { applyConfigPatch, configChangeDescription, configPatchProblem } from "../../src/api/config-vars-change.ts";
import { oneOffRequest } from "../../src/api/run.ts";

describe("app names", () => {
  test("Heroku's rules", () => {
    expect(appNameProblem("myapp")).toBeNull();
    expect(appNameProblem("my-app-2")).toBeNull();
    for (const bad of ["a", "My-App", "1app", "my_app", "app-", "a".repeat(31), "", 42, null, "../etc"]) {
      expect(appNameProblem(bad)).not.toBeNull();
    }
  });
  test("generated names are adjective-noun-NNNN and valid", () => {
    for (let i = 0; i < 200; i++) {
      const name = generateAppName();
      expect(name).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
      expect(APP_NAME_PATTERN.test(name)).toBe(true);
    }
    expect(generateAppName(() => 0)).toBe("ancient-bay-1000");
  });
});

describe("Range header", () => {
  const items = Array.from({ length: 30 }, (_, i) => ({ version: i + 1 }));
  const key = (r: { version: number }) => r.version;
  test("default is the first field, ascending, max 200", () => {
    expect(parseRange(undefined, ["version"])).toEqual({ field: "version", startExclusive: false, max: 200, order: "asc" });
  });
  test("the official CLI's releases range", () => {
    const range = parseRange("version ..; max=15, order=desc", ["version", "id"]);
    if ("error" in range) throw new Error(range.error);
    const page = applyRange(items, range, key);
    expect(page.items.map(key)).toEqual([30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16]);
    expect(page.contentRange).toBe("version 30..16");
    expect(page.nextRange).toBe("version ]16..; max=15, order=desc");
    const next = parseRange(page.nextRange, ["version"]);
    if ("error" in next) throw new Error(next.error);
    expect(applyRange(items, next, key).items.map(key)).toEqual([15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });
  test("numbers compare as numbers, inclusive start and end", () => {
    const range = parseRange("version 9..11", ["version"]);
    if ("error" in range) throw new Error(range.error);
    expect(applyRange(items, range, key).items.map(key)).toEqual([9, 10, 11]);
  });
  test("bad headers are errors, not guesses", () => {
    expect(parseRange("nonsense", ["version"])).toHaveProperty("error");
    expect(parseRange("name ..", ["version"])).toHaveProperty("error");
    expect(parseRange("version ..; max=x", ["version"])).toHaveProperty("error");
  });
  test("max is capped at 1000", () => {
    const range = parseRange("version ..; max=99999", ["version"]);
    expect("error" in range ? 0 : range.max).toBe(1000);
  });
});

describe("config var changes", () => {
  test("Heroku's release descriptions", () => {
    expect(configChangeDescription({}, { GREETING: "hi" })).toBe("Set GREETING config vars");
    expect(configChangeDescription({ A: "1" }, { A: "2", B: "1" })).toBe("Set A, B config vars");
    expect(configChangeDescription({ A: "1", B: "2" }, { A: "1" })).toBe("Remove B config vars");
    expect(configChangeDescription({ A: "1" }, { B: "1" })).toBe("Set B config vars and Remove A config vars");
    expect(configChangeDescription({ A: "1" }, { A: "1" })).toBeNull();
  });
  test("null unsets, strings set", () => {
    expect(applyConfigPatch({ A: "1", B: "2" }, { A: null, C: "3" })).toEqual({ B: "2", C: "3" });
  });
  test("invalid keys and values are refused", () => {
    expect(configPatchProblem({ GOOD_1: "x", _ok: null })).toBeNull();
    for (const bad of [{ "1BAD": "x" }, { "A-B": "x" }, { A: "x\ny" }, { A: "x\0" }, { A: 5 }, { A: "x".repeat(40000) }, [], "str", null]) {
      expect(configPatchProblem(bad)).not.toBeNull();
    }
  });
});

describe("one-off dyno requests", () => {
  test("a TTY only for an attached client that sent its terminal's size, and not with force_no_tty", () => {
    // The official CLI sends COLUMNS and LINES as JSON numbers, and only when its stdout is a terminal.
    const env = { TERM: "xterm", COLUMNS: 120, LINES: 40 };
    expect(oneOffRequest({ command: "bash", attach: true, env }).terminal).toEqual({ cols: 120, rows: 40 });
    expect(oneOffRequest({ command: "bash", attach: true, env }).env).toEqual({ TERM: "xterm", COLUMNS: "120", LINES: "40" });
    expect(oneOffRequest({ command: "bash", attach: true, env, force_no_tty: true }).terminal).toBeUndefined();
    expect(oneOffRequest({ command: "bash", attach: false, env }).terminal).toBeUndefined();
    expect(oneOffRequest({ command: "cat", attach: true, env: { TERM: "xterm" } }).terminal).toBeUndefined();
    expect(oneOffRequest({ command: "cat", attach: true, env: { COLUMNS: 0, LINES: 40 } }).terminal).toBeUndefined();
  });
  test("bad env values are refused", () => {
    expect(() => oneOffRequest({ command: "x", env: { A: { nested: 1 } } })).toThrow(/must be a string/);
    expect(() => oneOffRequest({ command: "x", env: { A: null } })).toThrow();
    expect(() => oneOffRequest({ command: "x", env: ["A=1"] })).toThrow(/JSON object/);
  });
});
