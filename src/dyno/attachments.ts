// Attached one-off dynos waiting for their client: a secret in the attach URL names the dyno. A dyno
// nobody attaches to within the grace period is stopped, so an abandoned `run` leaves nothing behind.
import type { Dyno } from "./dyno.ts";

const ATTACH_GRACE_MS = 60_000;

export class Attachments {
  private waiting = new Map<string, { dyno: Dyno; timer: ReturnType<typeof setTimeout> }>();

  /** Registers a started, attached dyno; returns the secret its client must present. */
  offer(dyno: Dyno): string {
    const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
    const timer = setTimeout(() => {
      this.waiting.delete(secret);
      void dyno.stop();
    }, ATTACH_GRACE_MS);
    // An exit before attach stays claimable until the grace ends: the client still gets output and status.
    this.waiting.set(secret, { dyno, timer });
    return secret;
  }

  /** Hands the dyno to the client presenting the secret, once. */
  claim(secret: string): Dyno | null {
    const entry = this.waiting.get(secret);
    if (!entry) return null;
    this.waiting.delete(secret);
    clearTimeout(entry.timer);
    return entry.dyno;
  }
}
