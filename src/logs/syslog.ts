// RFC 5424 frames as Logplex writes them to drains, with RFC 6587 octet counting. Pure.
import { formatTimestamp, type LogLine } from "./line.ts";

/**
 * PRI (facility*8 + severity) as seen in Heroku drain traffic: app output local7.info (190), router
 * local3.info (158), Logplex's own notices local5.warning (172), other platform events (dyno states,
 * api) syslog.notice (45). Heroku documents only "local0, local3 and local7 ... subject to change".
 */
export function syslogPriority(line: Pick<LogLine, "source" | "dyno">): number {
  if (line.source === "app" && line.dyno !== "api") return 190;
  if (line.dyno === "router") return 158;
  if (line.dyno === "logplex") return 172;
  return 45;
}

/**
 * HTTPS drain frame: `<190>1 TIMESTAMP HOST app web.1 - text` — Logplex puts no STRUCTURED-DATA field here
 * (its HOST is the constant "host"; we put the app's name there so one receiver can tell apps apart).
 */
export function httpsDrainFrame(line: LogLine, host: string): string {
  return octetCounted(`<${syslogPriority(line)}>1 ${formatTimestamp(line.at, line.micros)} ${host} ${line.source} ${line.dyno} - ${line.text}\n`);
}

/** Syslog drain frame: `<190>1 TIMESTAMP d.TOKEN app web.1 - - text` — the drain token in HOST, as Logplex does. */
export function syslogDrainFrame(line: LogLine, token: string): string {
  return octetCounted(`<${syslogPriority(line)}>1 ${formatTimestamp(line.at, line.micros)} ${token} ${line.source} ${line.dyno} - - ${line.text}\n`);
}

/** "LEN SP MSG", LEN in bytes; Logplex ends MSG with \n and counts it. */
function octetCounted(message: string): string {
  return `${Buffer.byteLength(message)} ${message}`;
}
