import { describe, expect, test } from "bun:test";
import { BuildError } from "../../src/build/build-error.ts";
import { parseProcfile } from "../../src/build/procfile.ts";
import { parseReleaseYaml } from "../../src/build/release-yaml.ts";
import { slugignoreMatcher } from "../../src/build/slugignore.ts";

describe("parseProcfile", () => {
  test("reads types and commands, skipping blank lines and comments", () => {
    const text = "# processes\nweb: bundle exec rails server -p $PORT\n\n  worker:   bundle exec rake jobs:work  \r\nclock_2-x: ./clock.sh\n";
    expect(parseProcfile(text)).toEqual({
      web: "bundle exec rails server -p $PORT",
      worker: "bundle exec rake jobs:work",
      "clock_2-x": "./clock.sh",
    });
  });

  test("keeps colons inside the command and lets a later line win", () => {
    expect(parseProcfile("web: node a.js --url=http://x:1\nweb: node b.js")).toEqual({ web: "node b.js" });
  });

  test("an empty Procfile declares nothing", () => {
    expect(parseProcfile("")).toEqual({});
  });

  test.each([["web node server.js"], ["we b: x"], ["web:"], ["web.1: x"], [": x"]])("rejects %j with the line number", (line) => {
    const attempt = () => parseProcfile(`worker: ok\n${line}\n`);
    expect(attempt).toThrow(BuildError);
    expect(attempt).toThrow(/Procfile line 2/);
  });
});

describe("parseReleaseYaml", () => {
  test("reads Heroku's example, where addons has no value", () => {
    const yaml = "---\naddons:\nconfig_vars:\n  PATH: $PATH:/app/vendor/mruby_bin\ndefault_process_types:\n  web: bundle exec rackup config.ru -p $PORT\n  console: bundle exec irb\n";
    expect(parseReleaseYaml(yaml)).toEqual({
      addons: [],
      config_vars: { PATH: "$PATH:/app/vendor/mruby_bin" },
      default_process_types: { web: "bundle exec rackup config.ru -p $PORT", console: "bundle exec irb" },
    });
  });

  test("empty output and an empty mapping mean no defaults", () => {
    const none = { addons: [], config_vars: {}, default_process_types: {} };
    expect(parseReleaseYaml("")).toEqual(none);
    expect(parseReleaseYaml("--- {}\n")).toEqual(none);
  });

  test("addons list and scalar values become strings", () => {
    const parsed = parseReleaseYaml("addons:\n  - heroku-postgresql:hobby-dev\nconfig_vars:\n  WEB_CONCURRENCY: 2\n");
    expect(parsed.addons).toEqual(["heroku-postgresql:hobby-dev"]);
    expect(parsed.config_vars).toEqual({ WEB_CONCURRENCY: "2" });
  });

  test.each([["default_process_types: [web]"], ["default_process_types:\n  web:\n    nested: x"], ["key: [unclosed"]])(
    "rejects %j",
    (yaml) => {
      expect(() => parseReleaseYaml(yaml)).toThrow(BuildError);
    },
  );
});

describe("slugignoreMatcher", () => {
  const ignored = slugignoreMatcher("# big files\n*.psd\ntest\n/spec\ndocs/*.pdf\nlog/\n**/tmp/cache\n!keep.psd\n");

  test.each([
    ["art.psd", true],
    ["assets/deep/art.psd", true], // no slash: matches at any depth
    ["keep.psd", true], // no negation in .slugignore
    ["test", true],
    ["test/unit/a_test.rb", true], // a directory match takes everything under it
    ["lib/test/helper.rb", true],
    ["spec/x_spec.rb", true],
    ["lib/spec/x.rb", false], // a leading slash anchors at the root
    ["docs/manual.pdf", true],
    ["docs/sub/manual.pdf", false], // * does not cross a slash
    ["log/production.log", true],
    ["a/b/tmp/cache/x", true],
    ["tmp/cache", true],
    ["art.psd.txt", false],
    ["testing/x", false],
    ["index.html", false],
  ])("%s → %p", (path, expected) => {
    expect(ignored(path)).toBe(expected);
  });

  test("? and character classes", () => {
    const m = slugignoreMatcher("file?.txt\n[ab]*.log\n");
    expect(m("file1.txt")).toBe(true);
    expect(m("file10.txt")).toBe(false);
    expect(m("a1.log")).toBe(true);
    expect(m("c1.log")).toBe(false);
  });

  test("an empty or comment-only file ignores nothing", () => {
    expect(slugignoreMatcher("\n# nothing\n")("anything")).toBe(false);
  });
});
