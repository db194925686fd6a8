// HTTP-01 answers served by the router itself: while an ACME order is open, a request on the plain HTTP
// listener for `http://HOST/.well-known/acme-challenge/TOKEN` gets the key authorization, not the app.

export const ACME_CHALLENGE_PATH = "/.well-known/acme-challenge/";

/** Pending answers, keyed by `challengeKey`; the ACME side writes, the router only reads. */
export type AcmeChallenges = ReadonlyMap<string, string>;

/** The key of a request for `path` on `host`, so one Map lookup decides the request. */
export const challengeKey = (host: string, path: string): string => `${host}${path}`;
