// The router's public types: what the rest of Slipway tells the router, and what it hears back.
import type { AccessRecord } from "./access-log.ts";
import type { AcmeChallenges } from "./acme-challenge.ts";

export interface Backend { dyno: string; host: string; port: number }

export interface AppRoute {
  appId: string;
  appName: string;
  maintenance: boolean;
  /** Up web dynos of the current release; the caller keeps this current. */
  backends: Backend[];
  /** Why `backends` is empty: "crashed" → H10 App crashed, "none" → H14 No web dynos running. */
  state: "ok" | "crashed" | "none";
  errorPageUrl?: string;
  maintenancePageUrl?: string;
  /** The `https-only` lab: plain HTTP requests get a 301 to the HTTPS listener. */
  httpsOnly?: boolean;
  /** The `http-least-connections` lab: each request goes to a dyno with the fewest in flight, not to any at random. */
  leastConnections?: boolean;
}

/**
 * Receives each request's access record, for the app's `heroku[router]` line (`accessLine` writes it)
 * and for request metrics. Called synchronously on every request: keep it cheap, format only when read.
 */
export type LogSink = (appId: string, record: AccessRecord) => void;

export interface RouterTimeouts {
  /** Opening a connection to a dyno (Heroku: 5 s, then H19). */
  connectMs?: number;
  /** Dispatch to the first response byte (Heroku: 30 s, then H12). */
  firstByteMs?: number;
  /** Rolling silence window once the response has started, and for idle keep-alive clients (Heroku: 55 s, H15). */
  idleMs?: number;
  /** A request head must be complete within this (slowloris guard). */
  headerReadMs?: number;
}

export interface RouterOptions {
  port: number;
  hostname?: string;
  /** Host header without port, lowercased; null → 404 "no such app". */
  routeFor(host: string): AppRoute | null;
  log: LogSink;
  timeouts?: RouterTimeouts;
  /** HTTPS: the listener's port and its certificates, one per hostname, chosen by SNI. */
  tls?: { port: number; certificates: TlsCertificate[] };
  /** HTTP-01 answers the router gives itself while ACME orders are open (see acme-challenge.ts). */
  acmeChallenges?: AcmeChallenges;
}

export interface TlsCertificate { serverName: string; cert: string; key: string }
