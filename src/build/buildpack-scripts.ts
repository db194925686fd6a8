import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { BuildError } from "./build-error.ts";
import { timeoutMessage } from "./build-output.ts";
import { buildpackHostDir, buildpackStep, type BuildpackScript, type StepContext } from "./build-steps.ts";
import { parseReleaseYaml, type ReleaseInfo } from "./release-yaml.ts";
import type { StepRunner } from "./step-runner.ts";

const OUTPUT_TAIL_LINES = 100;
const ignoreOutput = () => {};

// Runs the bin/ scripts of this build's buildpacks through the step runner, all under one deadline.
export class BuildpackScripts {
  private readonly deadline: number;

  constructor(
    private readonly ctx: StepContext,
    private readonly run: StepRunner,
    private readonly timeoutMs: number,
  ) {
    this.deadline = Date.now() + timeoutMs;
  }

  has(n: number, script: BuildpackScript): Promise<boolean> {
    return lstat(join(buildpackHostDir(this.ctx.layout, n), "bin", script)).then(
      () => true,
      () => false,
    );
  }

  // The app name bin/detect printed ("Node.js"), or null when the buildpack does not apply.
  async detect(n: number): Promise<string | null> {
    const { exitCode, stdout } = await this.step("detect", n, "the", ignoreOutput, []);
    return exitCode === 0 ? (stdout.split("\n")[0]?.trim() ?? "") : null;
  }

  // Streams compile output to say; only the last lines are kept, for the error.
  async compile(n: number, appName: string, say: (line: string) => void): Promise<void> {
    const tail: string[] = [];
    const { exitCode } = await this.step(
      "compile",
      n,
      appName,
      (line) => {
        say(line);
        tail.push(line);
        if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
      },
      tail,
    );
    if (exitCode !== 0) throw new BuildError(`Push rejected, failed to compile ${appName} app.`, tail);
  }

  async release(n: number, appName: string): Promise<ReleaseInfo> {
    const { exitCode, stdout } = await this.step("release", n, appName, ignoreOutput, []);
    if (exitCode !== 0) throw new BuildError(`Push rejected, bin/release of the ${appName} buildpack failed.`);
    return parseReleaseYaml(stdout);
  }

  private async step(script: BuildpackScript, n: number, appName: string, onLine: (line: string) => void, tail: string[]) {
    const remaining = this.deadline - Date.now();
    if (remaining <= 0) throw new BuildError(timeoutMessage(appName, this.timeoutMs), tail);
    const result = await this.run(buildpackStep(this.ctx, script, n, remaining), onLine);
    if (Date.now() >= this.deadline) throw new BuildError(timeoutMessage(appName, this.timeoutMs), tail);
    return result;
  }
}
