// Who is calling: `Authorization: Bearer TOKEN` (or Basic with the token as password, as git and netrc
// clients send it). Everything but the health check needs it.
import type { MiddlewareHandler } from "hono";
import { userByToken, appByNameOrId, canAccessApp, type Db, type User, type App } from "../state/index.ts";
import { HttpError, forbidden, notFound } from "./errors.ts";
import type { ApiEnv } from "./platform.ts";

export function tokenFromHeader(header: string | undefined | null): string | null {
  if (!header) return null;
  const [scheme, value] = header.split(" ", 2);
  if (!value) return null;
  if (scheme?.toLowerCase() === "bearer") return value.trim();
  if (scheme?.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

export function authenticate(db: Db, header: string | undefined | null): User | null {
  const token = tokenFromHeader(header);
  return token ? userByToken(db, token) : null;
}

export const requireUser: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const user = authenticate(c.var.platform.db, c.req.header("authorization"));
  if (!user) throw new HttpError(401, "unauthorized", "Invalid credentials provided.");
  c.set("user", user);
  await next();
};

/** The app named in the path, if the caller may see it. Another user's app is 403, like Heroku. */
export function appFor(db: Db, user: User, key: string): App {
  const app = appByNameOrId(db, key);
  if (!app) throw notFound("app");
  if (!canAccessApp(db, user, app)) throw forbidden(`You do not have access to the app ${app.name}.`);
  return app;
}

export function requireAdmin(user: User): void {
  if (!user.isAdmin) throw forbidden("Only the Slipway admin can do that.");
}
