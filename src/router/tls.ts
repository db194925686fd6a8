// HTTPS for the router. Bun's own TLS listener takes one certificate, so TLS is terminated by node:tls
// (SNI picks the certificate per hostname) and each decrypted connection is handed to the same
// connection handlers as plain HTTP through a small adapter with the socket methods they use.
import type { SecureContext, TLSSocket } from "node:tls";
import type { Socket, SocketHandler } from "bun";
import type { TlsCertificate } from "./types.ts";

export interface TlsListener { port: number; setCertificates(certificates: TlsCertificate[]): void; stop(): void }

/** The certificate for a hostname: an exact match, else a wildcard one label up. */
export function certificateFor<T>(byName: Map<string, T>, serverName: string): T | undefined {
  const name = serverName.toLowerCase();
  const exact = byName.get(name);
  if (exact) return exact;
  const dot = name.indexOf(".");
  return dot > 0 ? byName.get(`*${name.slice(dot)}`) : undefined;
}

function adapt<T>(tlsSocket: TLSSocket): Socket<T> {
  const adapter = {
    data: undefined as unknown as T,
    remoteAddress: tlsSocket.remoteAddress ?? "",
    // node:tls queues what the kernel can't take yet, so every byte counts as written.
    write: (bytes: Uint8Array) => (tlsSocket.write(bytes), bytes.length),
    end: () => tlsSocket.end(),
    terminate: () => tlsSocket.destroy(),
    pause: () => tlsSocket.pause(),
    resume: () => tlsSocket.resume(),
  };
  return adapter as unknown as Socket<T>;
}

export async function startTlsListener<T>(opts: { hostname: string; port: number; handlers: SocketHandler<T>; certificates: TlsCertificate[] }): Promise<TlsListener> {
  // node:tls is loaded only when HTTPS starts listening (it costs an idle server about 10 MB).
  const { createSecureContext, createServer } = await import("node:tls");
  let contexts = new Map<string, SecureContext>();
  const setCertificates = (certificates: TlsCertificate[]) => {
    contexts = new Map(certificates.map((c) => [c.serverName.toLowerCase(), createSecureContext({ cert: c.cert, key: c.key })]));
  };
  setCertificates(opts.certificates);
  const server = createServer({ SNICallback: (name, done) => done(null, certificateFor(contexts, name)) }, (tlsSocket) => {
    const socket = adapt<T>(tlsSocket);
    const handlers = opts.handlers;
    void handlers.open?.(socket);
    tlsSocket.on("data", (bytes: Buffer) => handlers.data?.(socket, bytes));
    tlsSocket.on("close", () => handlers.close?.(socket, undefined));
    tlsSocket.on("error", () => tlsSocket.destroy());
  });
  server.on("tlsClientError", (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.hostname, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    setCertificates,
    stop: () => server.close(),
  };
}
