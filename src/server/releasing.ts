// How a release goes live: the release phase (a `release` process type runs as a one-off dyno first;
// if it fails, the release is marked failed and the previous one keeps running), then the announcement.
import type { LogStore } from "../logs/index.ts";
import type { DynoManager } from "../dyno/manager.ts";
import { appByNameOrId, insertRelease, setReleaseStatus, slugById, releaseByIdOrVersion, type Db, type EventBus, type NewRelease, type Release } from "../state/index.ts";
import { createRelease } from "../api/index.ts";

export function releaser(db: Db, events: EventBus, dynos: DynoManager, logs: LogStore) {
  return async (release: NewRelease, say: (line: string) => void = () => undefined): Promise<Release> => {
    const command = release.slugId ? slugById(db, release.slugId)?.processTypes.release : undefined;
    if (!command) return createRelease(db, events, release);
    const app = appByNameOrId(db, release.appId)!;
    const pending = insertRelease(db, { ...release, status: "pending" });
    say("-----> Running release command...");
    let status = 1;
    try {
      const dyno = await dynos.runOneOff(app, { command, type: "release", release: pending });
      const unfollow = logs.follow(app.id, { dyno: dyno.name, source: "app" }, (line) => say(`       ${line.text}`));
      status = await dyno.exited;
      unfollow();
    } catch (error) {
      say(`       ${(error as Error).message}`);
    }
    setReleaseStatus(db, pending.id, status === 0 ? "succeeded" : "failed");
    const final = releaseByIdOrVersion(db, app.id, pending.id)!;
    if (final.status === "succeeded") await events.emit("released", { app, release: final });
    else logs.append(app.id, "app", "api", `Release v${final.version} command failed by user ${final.userEmail}`);
    return final;
  };
}
