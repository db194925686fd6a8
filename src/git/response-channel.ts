// A streamed git response body. With side-band, data goes on band 1 and progress on band 2, each chunk sent as soon as
// it is written (so "remote:" lines reach the user while a deploy runs); without side-band, progress is dropped.

import { FLUSH_PKT, encodeSideBand } from "./pkt-line.ts";

const encoder = new TextEncoder();

export class ResponseChannel {
  readonly stream: ReadableStream<Uint8Array>;
  private readonly aborter = new AbortController();
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private closed = false;

  constructor(private readonly sideBand: boolean) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => {
        this.closed = true;
        this.aborter.abort(new Error("the git client disconnected"));
      },
    });
  }

  /** Aborts when the client goes away. */
  get clientGone(): AbortSignal {
    return this.aborter.signal;
  }

  /** Unframed bytes (pkt-lines that precede the side-band section, or everything without side-band). */
  raw(bytes: Uint8Array): void {
    if (this.closed || bytes.length === 0) return;
    this.controller?.enqueue(bytes);
  }

  data(bytes: Uint8Array): void {
    if (this.sideBand) for (const packet of encodeSideBand(1, bytes)) this.raw(packet);
    else this.raw(bytes);
  }

  progress(line: string): void {
    if (!this.sideBand) return;
    for (const part of line.split(/\r?\n/)) for (const packet of encodeSideBand(2, encoder.encode(`${part}\n`))) this.raw(packet);
  }

  /** Ends the side-band section with its flush, then the body. */
  finish(): void {
    if (this.sideBand) this.raw(FLUSH_PKT);
    this.close();
  }

  /** Ends the body as is (a negotiation round or an ERR line has no side-band section to terminate). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.controller?.close();
  }
}
