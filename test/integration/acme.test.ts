// Automated Certificate Management end to end: the compiled server orders certificates from Debian's
// pebble ACME server on loopback, answering HTTP-01 through its router (pebble-challtestsrv resolves
// every name to 127.0.0.1), serves them by SNI, reports status like Heroku's ACM, and https-only redirects.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort, TestServer } from "./harness.ts";
import { routerGet } from "./apps.ts";

let server: TestServer;
const helpers: Subprocess[] = [];
let pebblePort = 0;
let challManagementPort = 0;

function spawnHelper(argv: string[], env: Record<string, string> = {}): Subprocess {
  const proc = Bun.spawn(argv, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdout: "ignore", stderr: "pipe" });
  helpers.push(proc);
  return proc;
}

async function until<T>(get: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

beforeAll(async () => {
  pebblePort = await freePort();
  // A long retry back-off, so a failing domain stays failing for the test to see.
  server = new TestServer({ SLIPWAY_ACME_DIRECTORY: `https://127.0.0.1:${pebblePort}/dir`, SLIPWAY_ACME_RETRY: "3600" });
  const cert = join(server.scratch, "pebble-cert.pem");
  const key = join(server.scratch, "pebble-key.pem");
  const made = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stderr: "pipe" });
  if (made.exitCode !== 0) throw new Error(made.stderr.toString());
  server.env.SLIPWAY_ACME_CA_FILE = cert; // trusted by the server's ACME client only
  await server.start();

  const [dnsPort, pebbleManagementPort] = [await freePort(), await freePort()];
  challManagementPort = await freePort();
  spawnHelper(["pebble-challtestsrv", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", `127.0.0.1:${dnsPort}`,
    "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", `127.0.0.1:${challManagementPort}`]);
  const config = join(server.scratch, "pebble.json");
  writeFileSync(config, JSON.stringify({ pebble: {
    listenAddress: `127.0.0.1:${pebblePort}`, managementListenAddress: `127.0.0.1:${pebbleManagementPort}`, certificate: cert, privateKey: key,
    httpPort: server.routerPort, tlsPort: await freePort(), ocspResponderURL: "", externalAccountBindingRequired: false,
  } }));
  spawnHelper(["pebble", "-config", config, "-dnsserver", `127.0.0.1:${dnsPort}`],
    { PEBBLE_VA_NOSLEEP: "1", PEBBLE_VA_ALWAYS_VALID: "0", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" });
  await until(() => fetch(`https://127.0.0.1:${pebblePort}/dir`, { tls: { rejectUnauthorized: false } }).then((r) => (r.ok ? true : undefined), () => undefined),
    10_000, "pebble");
  // One name resolves where nothing listens, so its validation fails at the CA.
  await until(() => fetch(`http://127.0.0.1:${challManagementPort}/add-a`, {
    method: "POST", body: JSON.stringify({ host: "www.fail.pebble.test.", addresses: ["127.0.0.2"] }),
  }).then((r) => (r.ok ? true : undefined), () => undefined), 10_000, "pebble-challtestsrv");
});

afterAll(async () => {
  for (const proc of helpers) proc.kill("SIGKILL");
  await Promise.all(helpers.map((p) => p.exited));
  await server?.destroy();
});

async function servedIssuer(servername: string): Promise<string> {
  const tls = await import("node:tls");
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port: server.httpsPort, servername, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().issuer.CN as string);
      socket.destroy();
    });
    socket.on("error", reject);
  });
}

const domainStatus = async (app: string, hostname: string) =>
  ((await server.api("GET", `/apps/${app}/domains`)).json as { hostname: string; acm_status: string | null; acm_status_reason: string | null }[])
    .find((d) => d.hostname === hostname);

test("certs:auto:enable issues a pebble certificate for each custom domain and the router serves it by SNI", async () => {
  await server.api("POST", "/apps", { name: "autotls" });
  expect((await server.cli(["domains:add", "www.pebble.test", "-a", "autotls"])).code).toBe(0);
  expect((await server.cli(["domains:add", "*.wild.pebble.test", "-a", "autotls"])).code).toBe(0);
  expect((await server.cli(["domains:add", "www.fail.pebble.test", "-a", "autotls"])).code).toBe(0);
  expect((await server.api("GET", "/apps/autotls")).json.acm).toBe(false);
  expect((await server.cli(["certs:auto", "-a", "autotls"])).stdout).toContain("Automatic Certificate Management is disabled on autotls");

  const enabled = await server.cli(["certs:auto:enable", "-a", "autotls"]);
  expect(enabled.code, enabled.stderr).toBe(0);
  expect(enabled.stderr).toContain("Enabling Automatic Certificate Management... starting.");
  expect((await server.api("GET", "/apps/autotls")).json.acm).toBe(true);

  const issued = await until(async () => {
    const d = await domainStatus("autotls", "www.pebble.test");
    if (d?.acm_status === "failing" || d?.acm_status === "failed") throw new Error(`ACM failed: ${d.acm_status_reason}\n${server.output}`);
    return d?.acm_status === "cert issued" ? d : undefined;
  }, 30_000, "the certificate");
  expect(issued.acm_status_reason).toBeNull();
  expect(await servedIssuer("www.pebble.test")).toStartWith("Pebble Intermediate CA");

  const failing = await domainStatus("autotls", "www.fail.pebble.test");
  expect(failing).toMatchObject({ acm_status: "failing" });
  expect(failing!.acm_status_reason).toContain("127.0.0.2");
  const wildcard = await domainStatus("autotls", "*.wild.pebble.test");
  expect(wildcard).toMatchObject({ acm_status: "failed" });
  expect(wildcard!.acm_status_reason).toContain("Wildcard");
  const status = await server.cli(["certs:auto", "-a", "autotls"]);
  expect(status.stdout).toContain("=== Automatic Certificate Management is enabled on autotls");
  expect(status.stdout).toMatch(/www\.pebble\.test\s+Cert issued\s/);
  expect(status.stdout).toMatch(/\*\.wild\.pebble\.test\s+Failed\s+Wildcard domains need a DNS-01 challenge/);
  expect(status.stdout).toMatch(/www\.fail\.pebble\.test\s+Failing\s+\S/);
  expect(status.stdout).toContain("Some domains failed validation after multiple attempts, retry by running: slipway certs:auto:refresh");

  // An uploaded certificate wins over the issued one for its hostname.
  const dir = server.scratch;
  Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "own.key"),
    "-out", join(dir, "own.crt"), "-days", "2", "-subj", "/CN=www.pebble.test", "-addext", "subjectAltName=DNS:www.pebble.test"]);
  expect((await server.cli(["certs:add", join(dir, "own.crt"), join(dir, "own.key"), "-a", "autotls"])).code).toBe(0);
  expect(await servedIssuer("www.pebble.test")).toBe("www.pebble.test");
  expect((await server.cli(["certs:remove", "-a", "autotls"])).code).toBe(0);
  expect(await servedIssuer("www.pebble.test")).toStartWith("Pebble Intermediate CA");

  expect((await server.cli(["certs:auto:refresh", "-a", "autotls"])).stderr).toContain("Refreshing Automatic Certificate Management... done");
  const disabled = await server.cli(["certs:auto:disable", "-a", "autotls"]);
  expect(disabled.stderr).toContain("Disabling Automatic Certificate Management... done");
  expect((await server.api("GET", "/apps/autotls")).json.acm).toBe(false);
  expect(await domainStatus("autotls", "www.pebble.test")).toMatchObject({ acm_status: null });
  await expect(servedIssuer("www.pebble.test")).rejects.toThrow();
}, 60_000);

test("the https-only lab redirects plain HTTP to the HTTPS port with a 301", async () => {
  await server.api("POST", "/apps", { name: "redirector" });
  expect((await routerGet(server.routerPort, "redirector.localhost", "/x?y=1")).status).not.toBe(301);
  expect((await server.cli(["labs:enable", "https-only", "-a", "redirector"])).code).toBe(0);
  const redirected = await routerGet(server.routerPort, "redirector.localhost", "/x?y=1");
  expect(redirected.status).toBe(301);
  expect(redirected.headers.location).toBe(`https://redirector.localhost:${server.httpsPort}/x?y=1`);
  expect((await server.cli(["labs:disable", "https-only", "-a", "redirector"])).code).toBe(0);
  expect((await routerGet(server.routerPort, "redirector.localhost", "/x?y=1")).status).not.toBe(301);
});
