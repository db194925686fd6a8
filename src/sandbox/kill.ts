// Emptying a sandbox: SIGKILL whatever is still listed, again and again, since a fork bomb refills.
const KILL_ROUNDS = 400;
const KILL_ROUND_MS = 5;

export async function killUntilEmpty(pids: () => number[], what: string): Promise<void> {
  for (let round = 0; round < KILL_ROUNDS; round++) {
    const listed = pids();
    if (listed.length === 0) return;
    for (const pid of listed) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await Bun.sleep(KILL_ROUND_MS);
  }
  throw new Error(`processes still running in ${what} after SIGKILL`);
}
