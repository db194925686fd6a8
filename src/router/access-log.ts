// The `heroku[router]` line, field for field in Heroku's order:
// at [code desc] method path host request_id fwd dyno connect service status bytes protocol.

/** Router incidents the router can log, with Heroku's exact descriptions. */
export const ROUTER_ERRORS = {
  H10: "App crashed",
  H12: "Request timeout",
  H13: "Connection closed without response",
  H14: "No web dynos running",
  H15: "Idle connection",
  H17: "Poorly formatted HTTP response",
  H18: "Server Request Interrupted",
  H19: "Backend connection timeout",
  H27: "Client Request Interrupted",
  H80: "Maintenance mode",
} as const;
export type RouterErrorCode = keyof typeof ROUTER_ERRORS;

export interface AccessRecord {
  code: RouterErrorCode | null;
  method: string;
  path: string;
  host: string;
  requestId: string;
  fwd: string;
  /** null when the request never reached a dyno: dyno=, connect= and service= are then left empty. */
  dyno: string | null;
  connectMs: number;
  serviceMs: number;
  status: number;
  /** null leaves bytes= empty, as Heroku does for requests that never reached a dyno. */
  bytes: number | null;
  protocol: "http" | "https";
}

// indexOf rather than a regex test: one line per request, and almost none need escaping.
const quote = (s: string): string =>
  s.indexOf('"') === -1 && s.indexOf("\\") === -1 ? `"${s}"` : `"${s.replace(/["\\]/g, "\\$&")}"`;

export function accessLine(r: AccessRecord): string {
  // H80 is informational in Heroku's logs; every other code is an error.
  const at = r.code === null ? "at=info" : `at=${r.code === "H80" ? "info" : "error"} code=${r.code} desc="${ROUTER_ERRORS[r.code]}"`;
  const upstream = r.dyno === null ? "dyno= connect= service="
    : `dyno=${r.dyno} connect=${Math.round(r.connectMs)}ms service=${Math.round(r.serviceMs)}ms`;
  return `${at} method=${r.method} path=${quote(r.path)} host=${r.host} request_id=${r.requestId} fwd=${quote(r.fwd)} ` +
    `${upstream} status=${r.status} bytes=${r.bytes ?? ""} protocol=${r.protocol}`;
}
