import type { Socket } from "bun";

/**
 * What the router writes: bytes, or ASCII text such as a head, which Bun copies out without a Buffer
 * in between. Only ASCII: Bun sends strings as UTF-8.
 */
export type Outgoing = Uint8Array | string;

const bytesOf = (data: Outgoing): Uint8Array => (typeof data === "string" ? Buffer.from(data, "latin1") : data);

/**
 * Writes to a Bun socket without losing bytes. Bun's `write` is unbuffered: what the kernel does not
 * take now waits here until `drain`. While bytes wait, the side that produced them is paused, so this
 * queue stays at about one read's worth per direction.
 */
export class SocketWriter {
  private pending: Uint8Array[] = [];
  private socket: Socket<unknown> | null;

  constructor(socket: Socket<unknown> | null) {
    this.socket = socket;
  }

  /** True while bytes wait (or the socket is not connected yet). */
  get backlogged(): boolean {
    return this.pending.length > 0 || this.socket === null;
  }

  /** Writes now or queues; returns false when bytes were queued. */
  write(data: Outgoing): boolean {
    if (this.backlogged) {
      this.pending.push(bytesOf(data));
      return false;
    }
    const written = this.socket!.write(data);
    if (written >= data.length) return true;
    this.pending.push(bytesOf(data).subarray(Math.max(written, 0)));
    return false;
  }

  /** Sends what waits (on `drain`, or once connected); true when nothing is left. */
  flush(): boolean {
    const socket = this.socket;
    if (socket === null) return false;
    while (this.pending.length > 0) {
      const bytes = this.pending[0]!;
      const written = socket.write(bytes);
      if (written < bytes.length) {
        this.pending[0] = bytes.subarray(Math.max(written, 0));
        return false;
      }
      this.pending.shift();
    }
    return true;
  }

  attach(socket: Socket<unknown>): boolean {
    this.socket = socket;
    return this.flush();
  }

  /** Hands the unsent bytes over, for a retry on another connection. */
  takePending(): Uint8Array[] {
    const taken = this.pending;
    this.pending = [];
    return taken;
  }
}
