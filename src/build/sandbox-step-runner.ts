// Runs buildpack steps in the same sandbox dynos use: the stack read-only, the build's directories
// mounted where Heroku has them, as the app's own user, with memory and process limits.
import { startSandbox, type Stack } from "../sandbox/index.ts";
import type { BuildLayout } from "./layout.ts";
import { forEachLine, type StepRunner } from "./step-runner.ts";

export interface BuildSandbox { stack: Stack; uid: number; gid: number; memoryBytes: number; namePrefix: string }

export function sandboxStepRunner(layout: BuildLayout, box: BuildSandbox): StepRunner {
  let steps = 0;
  return async (step, onLine) => {
    const mounts = [layout.build, layout.cache, layout.env, layout.buildpacks]
      .map((dir) => ({ hostPath: dir.host, sandboxPath: dir.sandbox, readOnly: false }));
    const sandbox = await startSandbox({
      name: `${box.namePrefix}-${++steps}`, stack: box.stack, appDir: layout.home.host, mounts, uid: box.uid, gid: box.gid,
      env: step.env, cwd: step.cwd, argv: step.argv,
      limits: { memoryBytes: box.memoryBytes, pids: 4096, tmpBytes: 2 * 1024 * 1024 * 1024 },
    });
    const timer = setTimeout(() => sandbox.signal("SIGKILL"), Math.max(0, step.timeoutMs));
    const reading = Promise.all([
      forEachLine(sandbox.stdout, onLine, step.captureStdout),
      forEachLine(sandbox.stderr, onLine, false),
    ]);
    try {
      const exitCode = await sandbox.exited;
      // Anything the step left running would hold the pipes open: end it before reading to the end.
      await sandbox.destroy();
      const [stdout] = await reading;
      return { exitCode, stdout };
    } finally {
      clearTimeout(timer);
      await sandbox.destroy();
    }
  };
}
