// The state store's public surface: the only way the rest of Slipway reads or writes state.
export { openDb, type Db } from "./db.ts";
export * from "./users.ts";
export * from "./apps.ts";
export * from "./releases.ts";
export { EventBus, type PlatformEvents } from "./events.ts";
export * from "./formation.ts";
export * from "./builds.ts";
export * from "./domains.ts";
export * from "./drains.ts";
export * from "./features.ts";
export * from "./sni-endpoints.ts";
export * from "./cron-jobs.ts";
export * from "./acm.ts";
