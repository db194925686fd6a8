import { describe, expect, test } from "bun:test";
import { formatLogLine, matchesFilter, parseLogLine, splitLogText, type LogLine } from "../../src/logs/line.ts";
import { outputOverflowNotice, tailOverflowNotice, LineBudget } from "../../src/logs/overflow.ts";
import { httpsDrainFrame, syslogDrainFrame } from "../../src/logs/syslog.ts";

const at = new Date("2026-11-23T10:00:00.123Z");

describe("formatLogLine", () => {
  test("Heroku's form: UTC, microseconds, +00:00, source[dyno]", () => {
    expect(formatLogLine({ at, micros: 456, source: "app", dyno: "web.1", text: "hello" })).toBe(
      "2026-11-23T10:00:00.123456+00:00 app[web.1]: hello",
    );
    expect(formatLogLine({ at, source: "heroku", dyno: "router", text: "at=info" })).toBe(
      "2026-11-23T10:00:00.123000+00:00 heroku[router]: at=info",
    );
    expect(formatLogLine({ at, micros: 7, source: "app", dyno: "api", text: "" })).toBe(
      "2026-11-23T10:00:00.123007+00:00 app[api]: ",
    );
  });

  test("parseLogLine reads back what formatLogLine wrote", () => {
    const line: LogLine = { at, micros: 9, source: "heroku", dyno: "scheduler.3", text: "a ]: b [x] c" };
    expect(parseLogLine(formatLogLine(line))).toEqual(line);
    expect(parseLogLine("garbage")).toBeUndefined();
    expect(parseLogLine("2026-11-23T10:00:00.123456+00:00 app[web.1")).toBeUndefined();
  });
});

describe("filters", () => {
  const line = (source: string, dyno: string): LogLine => ({ at, source, dyno, text: "" });
  test("a process type matches each of its dynos, a dyno name only itself", () => {
    expect(matchesFilter(line("app", "web.1"), { dyno: "web" })).toBe(true);
    expect(matchesFilter(line("app", "web.12"), { dyno: "web" })).toBe(true);
    expect(matchesFilter(line("app", "worker.1"), { dyno: "web" })).toBe(false);
    expect(matchesFilter(line("app", "webhook.1"), { dyno: "web" })).toBe(false);
    expect(matchesFilter(line("app", "web.1"), { dyno: "web.1" })).toBe(true);
    expect(matchesFilter(line("app", "web.10"), { dyno: "web.1" })).toBe(false);
    expect(matchesFilter(line("heroku", "router"), { dyno: "router" })).toBe(true);
  });
  test("source app or heroku, combined with dyno", () => {
    expect(matchesFilter(line("heroku", "web.1"), { source: "app" })).toBe(false);
    expect(matchesFilter(line("heroku", "web.1"), { source: "heroku", dyno: "web" })).toBe(true);
    expect(matchesFilter(line("app", "web.1"), { source: "heroku", dyno: "web" })).toBe(false);
    expect(matchesFilter(line("app", "web.1"), {})).toBe(true);
  });
});

describe("splitLogText", () => {
  test("splits on \\n; a trailing newline ends the last line; empty lines inside stay", () => {
    expect(splitLogText("one\ntwo\n")).toEqual(["one", "two"]);
    expect(splitLogText("one\n\nthree")).toEqual(["one", "", "three"]);
    expect(splitLogText("plain")).toEqual(["plain"]);
  });
  test("drops \\r (CRLF output, progress bars)", () => {
    expect(splitLogText("dos line\r\nnext\r\n")).toEqual(["dos line", "next"]);
    expect(splitLogText("10%\r50%\r100%")).toEqual(["10%50%100%"]);
  });
  test("removes terminal escape sequences: colours, cursor moves, titles", () => {
    expect(splitLogText("\x1b[31mred\x1b[0m and \x1b[1;32mgreen\x1b[m")).toEqual(["red and green"]);
    expect(splitLogText("\x1b]0;title\x07after\x1b[2K\x1b[1A")).toEqual(["after"]);
    expect(splitLogText("c1 \x9b31mcsi")).toEqual(["c1 csi"]);
    for (const l of splitLogText("\x1b[31mx\x1bc\x1b")) expect(l).not.toContain("\x1b");
  });
  test("control and binary bytes become U+FFFD; the result is valid UTF-8; tabs stay", () => {
    const [l] = splitLogText("a\x00b\x07c\td\x7f");
    expect(l).toBe("a\ufffdb\ufffdc\td\ufffd");
    const [broken] = splitLogText("lone \ud800 surrogate");
    expect(broken).toBe("lone \ufffd surrogate");
    expect(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(broken!))).toBe(broken!);
  });
  test("lines over 10,000 bytes are split at character boundaries", () => {
    const ascii = splitLogText("x".repeat(20_000));
    expect(ascii.map((l) => l.length)).toEqual([10_000, 10_000]);
    const wide = splitLogText("é".repeat(6_000)); // 12,000 bytes
    expect(wide.map((l) => Buffer.byteLength(l))).toEqual([10_000, 2_000]);
    const emoji = splitLogText("😀".repeat(3_000)); // 4 bytes each: a cut may not split a pair
    expect(emoji.join("")).toBe("😀".repeat(3_000));
    for (const l of emoji) {
      expect(Buffer.byteLength(l)).toBeLessThanOrEqual(10_000);
      expect(l.isWellFormed()).toBe(true);
    }
  });
});

describe("overflow notices and the line budget", () => {
  test("Logplex's wording", () => {
    expect(outputOverflowNotice(500, new Date("2013-04-17T19:04:46.789Z"))).toBe(
      "Error L10 (output buffer overflow): 500 messages dropped since 2013-04-17T19:04:46+00:00.",
    );
    expect(tailOverflowNotice(1101, new Date("2011-12-12T09:32:13Z"))).toBe(
      "Error L11 (Tail buffer overflow) -> This tail session dropped 1101 messages since 2011-12-12T09:32:13+00:00.",
    );
  });
  test("burst then rate", () => {
    const budget = new LineBudget({ linesPerSecond: 10, burst: 3 }, 0);
    expect([budget.take(0), budget.take(0), budget.take(0), budget.take(0)]).toEqual([true, true, true, false]);
    expect(budget.take(50)).toBe(false); // half a token
    expect(budget.take(100)).toBe(true);
    expect(budget.take(10_000) && budget.take(10_000) && budget.take(10_000)).toBe(true);
    expect(budget.take(10_000)).toBe(false); // refills up to the burst, no further
  });
});

describe("drain frames", () => {
  const line: LogLine = { at, micros: 456, source: "app", dyno: "web.1", text: "héllo" };
  test("HTTPS: octet count in bytes, no structured data, app name as host", () => {
    const msg = "<190>1 2026-11-23T10:00:00.123456+00:00 myapp app web.1 - héllo\n";
    expect(httpsDrainFrame(line, "myapp")).toBe(`${Buffer.byteLength(msg)} ${msg}`);
    expect(Buffer.byteLength(msg)).toBe(msg.length + 1);
  });
  test("syslog: token as host, NILVALUE msgid and structured data; PRI by source", () => {
    expect(syslogDrainFrame({ at, source: "heroku", dyno: "router", text: "at=info" }, "d.1")).toBe(
      "70 <158>1 2026-11-23T10:00:00.123000+00:00 d.1 heroku router - - at=info\n",
    );
    const counted = (frame: string) => {
      const [, len, msg] = /^(\d+) (.*)$/s.exec(frame)!;
      expect(Number(len)).toBe(Buffer.byteLength(msg!));
      return msg!;
    };
    expect(counted(syslogDrainFrame({ at, source: "heroku", dyno: "web.1", text: "x" }, "d.1"))).toStartWith("<45>1 ");
    expect(counted(syslogDrainFrame({ at, source: "heroku", dyno: "logplex", text: "x" }, "d.1"))).toStartWith("<172>1 ");
    expect(counted(syslogDrainFrame({ at, source: "app", dyno: "web.1", text: "x" }, "d.1"))).toStartWith("<190>1 ");
  });
});
