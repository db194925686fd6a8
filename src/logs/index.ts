// The log stream: one time-ordered stream per app of its dynos' output, platform events and router
// lines; retained on disk, followed live by `heroku logs --tail`, forwarded to drains.
export { formatLogLine, type LogFilter, type LogLine } from "./line.ts";
export { openLogStore, type LogStore, type LogStoreOptions } from "./store.ts";
export type { Drain } from "./drains.ts";
export { logSessionResponse, type LogSessionOptions } from "./session.ts";
export { pipeOutputToLog } from "./pipe.ts";
