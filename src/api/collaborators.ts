// Collaborators (`access:*`): other users who may see and change an app.
import type { Hono } from "hono";
import { addCollaborator, listCollaborators, removeCollaborator, userByEmailOrId, type App, type Collaborator } from "../state/index.ts";
import { appFor } from "./auth.ts";
import { HttpError, invalidParams, notFound } from "./errors.ts";
import { readJson, sendList } from "./json.ts";
import type { ApiEnv } from "./platform.ts";

function collaboratorJson(app: App, c: Collaborator) {
  return {
    app: { id: app.id, name: app.name }, created_at: c.createdAt, id: c.id, permissions: [], role: "collaborator",
    updated_at: c.createdAt, user: { email: c.email, federated: false, id: c.userId },
  };
}

function requireOwner(app: App, user: { id: string; isAdmin: boolean }): void {
  if (!user.isAdmin && app.ownerId !== user.id) throw new HttpError(403, "forbidden", `Only the owner of ${app.name} can manage its access.`);
}

export function registerCollaboratorRoutes(api: Hono<ApiEnv>): void {
  api.get("/apps/:app/collaborators", (c) => {
    const db = c.var.platform.db;
    const app = appFor(db, c.var.user, c.req.param("app"));
    return sendList(c, listCollaborators(db, app.id), ["email"], (x) => x.email, (x) => collaboratorJson(app, x));
  });

  api.post("/apps/:app/collaborators", async (c) => {
    const db = c.var.platform.db;
    const app = appFor(db, c.var.user, c.req.param("app"));
    requireOwner(app, c.var.user);
    const { user: email } = await readJson(c);
    if (typeof email !== "string") throw invalidParams("user must be the email of a Slipway user.");
    const user = userByEmailOrId(db, email);
    if (!user) throw notFound("user");
    if (user.id === app.ownerId) throw invalidParams(`${user.email} already owns ${app.name}.`);
    return c.json(collaboratorJson(app, addCollaborator(db, app.id, user.id)), 201);
  });

  api.delete("/apps/:app/collaborators/:user", (c) => {
    const db = c.var.platform.db;
    const app = appFor(db, c.var.user, c.req.param("app"));
    requireOwner(app, c.var.user);
    const user = userByEmailOrId(db, c.req.param("user"));
    const collaborator = user && listCollaborators(db, app.id).find((x) => x.userId === user.id);
    if (!user || !collaborator) throw notFound("collaborator");
    removeCollaborator(db, app.id, user.id);
    return c.json(collaboratorJson(app, collaborator));
  });
}
