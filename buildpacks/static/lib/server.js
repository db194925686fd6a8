// A static file server for the app one directory up, on $PORT. static.json (optional) may set
// "root" (default "."), "clean_urls" (serve /about from about.html) and "error_page" (for 404s).
// Dotfiles are never served: they are the app's configuration, not its content.
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");

const appDir = path.resolve(__dirname, "..");
const config = readConfig();
const root = path.resolve(appDir, config.root || ".");
const TYPES = {
  ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".json": "application/json",
  ".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".ico": "image/x-icon",
  ".woff": "font/woff", ".woff2": "font/woff2", ".wasm": "application/wasm", ".xml": "application/xml",
  ".pdf": "application/pdf", ".map": "application/json",
};

function readConfig() {
  try {
    return JSON.parse(fs.readFileSync(path.join(appDir, "static.json"), "utf8"));
  } catch (e) {
    if (e.code !== "ENOENT") console.error(`static.json: ${e.message}`);
    return {};
  }
}

function fileFor(urlPath) {
  const segments = urlPath.split("/").filter(Boolean);
  if (segments.some((s) => s.startsWith("."))) return null;
  const base = path.join(root, ...segments);
  if (base !== root && !base.startsWith(root + path.sep)) return null;
  const candidates = [base, path.join(base, "index.html")];
  if (config.clean_urls) candidates.push(base + ".html");
  return candidates.find((file) => isFile(file)) || null;
}

function isFile(file) {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function send(req, res, status, file) {
  const type = TYPES[path.extname(file).toLowerCase()] || "application/octet-stream";
  res.writeHead(status, { "Content-Type": type, "Content-Length": fs.statSync(file).size });
  if (req.method === "HEAD") return res.end();
  fs.createReadStream(file).pipe(res);
}

const server = http.createServer((req, res) => {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD" }).end();
    return;
  }
  let urlPath;
  try {
    urlPath = decodeURIComponent(new URL(req.url, "http://x").pathname);
  } catch {
    res.writeHead(400).end("Bad Request\n");
    return;
  }
  const file = fileFor(urlPath);
  if (file) return send(req, res, 200, file);
  const errorPage = config.error_page && path.resolve(root, config.error_page);
  if (errorPage && errorPage.startsWith(root + path.sep) && isFile(errorPage)) return send(req, res, 404, errorPage);
  res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not Found\n");
});

const port = Number(process.env.PORT || 5000);
server.listen(port, () => console.log(`Serving ${root} on port ${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
