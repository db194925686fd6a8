// GET /account and the admin's user management (Slipway's addition: Heroku has no self-hosted users).
import type { Hono } from "hono";
import { createUser, deleteUser, listUsers, newToken, userByEmailOrId, setUserToken, type User } from "../state/index.ts";
import { HttpError, invalidParams, notFound } from "./errors.ts";
import { requireAdmin } from "./auth.ts";
import { readJson, sendList } from "./json.ts";
import type { ApiEnv } from "./platform.ts";

const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@]{1,190}$/;

export function accountJson(user: User) {
  return {
    allow_tracking: false, beta: false, created_at: user.createdAt, email: user.email, federated: false, id: user.id,
    identity_provider: null, last_login: null, name: user.isAdmin ? "Slipway admin" : null, sms_number: null,
    suspended_at: null, delinquent_at: null, two_factor_authentication: false, updated_at: user.updatedAt, verified: true,
    country_of_residence: null, default_organization: null, default_team: null, slipway_admin: user.isAdmin,
  };
}

export function registerAccountRoutes(api: Hono<ApiEnv>): void {
  api.get("/account", (c) => c.json(accountJson(c.var.user)));

  api.get("/users", (c) => {
    requireAdmin(c.var.user);
    return sendList(c, listUsers(c.var.platform.db), ["email"], (u) => u.email, accountJson);
  });

  api.post("/users", async (c) => {
    requireAdmin(c.var.user);
    const { email } = await readJson(c);
    if (typeof email !== "string" || !EMAIL_PATTERN.test(email)) throw invalidParams("Email must be a valid email address.");
    const db = c.var.platform.db;
    if (userByEmailOrId(db, email)) throw invalidParams(`A user with the email ${email} already exists.`);
    const token = newToken();
    const user = createUser(db, email, token);
    return c.json({ ...accountJson(user), token }, 201);
  });

  api.get("/users/:user", (c) => {
    const key = c.req.param("user");
    const me = c.var.user;
    if (key === "~" || key === me.email || key === me.id) return c.json(accountJson(me));
    requireAdmin(me);
    const user = userByEmailOrId(c.var.platform.db, key);
    if (!user) throw notFound("user");
    return c.json(accountJson(user));
  });

  api.post("/users/:user/token", (c) => {
    requireAdmin(c.var.user);
    const user = userByEmailOrId(c.var.platform.db, c.req.param("user"));
    if (!user) throw notFound("user");
    const token = newToken();
    setUserToken(c.var.platform.db, user.id, token);
    return c.json({ ...accountJson(user), token }, 201);
  });

  api.delete("/users/:user", (c) => {
    requireAdmin(c.var.user);
    const db = c.var.platform.db;
    const user = userByEmailOrId(db, c.req.param("user"));
    if (!user) throw notFound("user");
    if (user.isAdmin) throw new HttpError(422, "invalid_params", "The admin account can't be deleted.");
    if (!deleteUser(db, user.id)) throw invalidParams(`${user.email} still owns apps; destroy or transfer them first.`);
    return c.json(accountJson(user));
  });
}
