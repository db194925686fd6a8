// Responses the router writes itself: Heroku's error pages and plain refusals of bad requests.

const STATUS_TEXT: Record<number, string> = {
  200: "OK", 301: "Moved Permanently", 400: "Bad Request", 404: "Not Found", 408: "Request Timeout", 431: "Request Header Fields Too Large",
  501: "Not Implemented", 503: "Service Unavailable", 505: "HTTP Version Not Supported",
};

/** A complete response as bytes; `close` adds Connection: close, `headOnly` answers a HEAD request. */
export function routerResponse(status: number, contentType: string, body: string, close: boolean, headOnly = false, extraHeaders: string[] = []): Buffer {
  const bytes = Buffer.byteLength(body);
  const extra = extraHeaders.map((h) => `${h}\r\n`).join("");
  const head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes}\r\n` +
    `Cache-Control: no-cache, no-store\r\nVia: 1.1 slipway\r\n${extra}${close ? "Connection: close\r\n" : ""}\r\n`;
  return Buffer.from(headOnly ? head : head + body);
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, message: string, iframeUrl: string | undefined): string {
  // Like Heroku, a custom page is shown in a full-window iframe rather than fetched by the router.
  const body = iframeUrl === undefined
    ? `<div class="box"><h1>${title}</h1><p>${message}</p></div>`
    : `<iframe src="${escapeHtml(iframeUrl)}" style="position:fixed;inset:0;width:100%;height:100%;border:0"></iframe>`;
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title>` +
    `<style>body{margin:0;font-family:sans-serif;background:#f7f8fb}.box{max-width:40em;margin:15vh auto;text-align:center}</style>` +
    `</head><body>${body}</body></html>\n`;
}

export const applicationErrorPage = (errorPageUrl?: string): string =>
  page("Application Error", "An error occurred in the application and your page could not be served. If you are the application owner, check your logs for details.", errorPageUrl);

export const maintenancePage = (maintenancePageUrl?: string): string =>
  page("Offline for Maintenance", "This app is undergoing maintenance right now. Please check back later.", maintenancePageUrl);

export const noSuchAppPage = (): string =>
  page("No such app", "There's nothing here, yet.", undefined);

/** Where `https-only` sends a plain HTTP request: the same host and path on the HTTPS listener. */
export function httpsLocation(host: string, httpsPort: number, target: string): string {
  return `https://${host}${httpsPort === 443 ? "" : `:${httpsPort}`}${target.startsWith("/") ? target : "/"}`;
}
