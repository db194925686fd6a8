// What every API route is given: the state store, the settings and the event bus, and the one way
// a new release is made (so config changes, rollbacks and deploys all announce it alike).
import type { Context } from "hono";
import type { Db, App, User, Release, NewRelease } from "../state/index.ts";
import { EventBus, insertRelease, appByNameOrId } from "../state/index.ts";
import type { Settings } from "../server/settings.ts";

export interface Platform {
  db: Db;
  settings: Settings;
  events: EventBus;
  /** Makes a release live (the server's version also runs the release phase); `say` hears its progress. */
  release(release: NewRelease, say?: (line: string) => void): Promise<Release>;
  /** Names of the stacks builds can use here. */
  installedStacks(): string[];
}

export type ApiEnv = { Variables: { user: User; platform: Platform } };
export type ApiContext = Context<ApiEnv>;

/** The plain way to make a release: record it and announce it. */
export async function createRelease(db: Db, events: EventBus, release: NewRelease): Promise<Release> {
  const created = insertRelease(db, release);
  if (created.status === "succeeded") {
    const app = appByNameOrId(db, release.appId) as App;
    await events.emit("released", { app, release: created });
  }
  return created;
}
