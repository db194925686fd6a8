// SNI endpoints (`certs:*`): an app's TLS certificates, served by the router's HTTPS listener per hostname.
import type { Hono } from "hono";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { deleteSniEndpoint, insertSniEndpoint, sniEndpointsOf, type App, type SniEndpoint } from "../state/index.ts";
import { appFor } from "./auth.ts";
import { invalidParams, notFound } from "./errors.ts";
import { readJson } from "./json.ts";
import type { ApiEnv } from "./platform.ts";

/** The hostnames a certificate covers: its DNS subject alternative names, else its common name. */
export function certificateHostnames(cert: X509Certificate): string[] {
  const sans = (cert.subjectAltName ?? "").split(",").map((s) => s.trim()).filter((s) => s.startsWith("DNS:")).map((s) => s.slice(4).toLowerCase());
  if (sans.length) return sans;
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1];
  return cn ? [cn.toLowerCase()] : [];
}

export function parseCertificate(chain: unknown, key: unknown): { cert: X509Certificate } {
  if (typeof chain !== "string" || typeof key !== "string") throw invalidParams("certificate_chain and private_key are required (PEM).");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(chain);
  } catch {
    throw invalidParams("certificate_chain is not a PEM certificate.");
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(key))) throw new Error("mismatch");
  } catch (error) {
    throw invalidParams((error as Error).message === "mismatch" ? "The private key does not match the certificate." : "private_key is not a PEM private key.");
  }
  if (certificateHostnames(cert).length === 0) throw invalidParams("The certificate names no hostname.");
  return { cert };
}

function endpointJson(app: App, e: SniEndpoint) {
  const cert = new X509Certificate(e.certificateChain);
  const names = certificateHostnames(cert);
  return {
    app: { id: app.id, name: app.name }, certificate_chain: e.certificateChain, created_at: e.createdAt, id: e.id, name: e.name,
    updated_at: e.updatedAt, domains: names, display_name: null,
    ssl_cert: {
      "ca_signed?": cert.issuer !== cert.subject, cert_domains: names, expires_at: new Date(cert.validTo).toISOString(),
      issuer: cert.issuer.replaceAll("\n", ", "), "self_signed?": cert.issuer === cert.subject, starts_at: new Date(cert.validFrom).toISOString(),
      subject: cert.subject.replaceAll("\n", ", "), id: e.id,
    },
  };
}

export function registerCertRoutes(api: Hono<ApiEnv>, changed: () => Promise<void>): void {
  api.get("/apps/:app/sni-endpoints", (c) => {
    const app = appFor(c.var.platform.db, c.var.user, c.req.param("app"));
    return c.json(sniEndpointsOf(c.var.platform.db, app.id).map((e) => endpointJson(app, e)));
  });

  api.post("/apps/:app/sni-endpoints", async (c) => {
    const db = c.var.platform.db;
    const app = appFor(db, c.var.user, c.req.param("app"));
    const body = await readJson(c);
    parseCertificate(body.certificate_chain, body.private_key);
    const count = sniEndpointsOf(db, app.id).length;
    const endpoint = insertSniEndpoint(db, app.id, `cert-${app.name}-${count + 1}`, body.certificate_chain as string, body.private_key as string);
    await changed();
    return c.json(endpointJson(app, endpoint), 201);
  });

  api.delete("/apps/:app/sni-endpoints/:endpoint", async (c) => {
    const db = c.var.platform.db;
    const app = appFor(db, c.var.user, c.req.param("app"));
    const key = c.req.param("endpoint");
    const endpoint = sniEndpointsOf(db, app.id).find((e) => e.id === key || e.name === key);
    if (!endpoint) throw notFound("SNI endpoint");
    deleteSniEndpoint(db, endpoint.id);
    await changed();
    return c.json(endpointJson(app, endpoint));
  });
}
