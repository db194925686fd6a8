// Stacks: `GET /stacks`, Slipway's `POST /stacks` (the admin installs one with debootstrap), and an
// app's `build_stack` (set with `PATCH /apps/{app}`; its next build and the dynos of that build use it).
import type { Hono } from "hono";
import { INSTALLABLE_STACKS, installStack, installedStacks, HOST_STACK_NAME } from "../sandbox/index.ts";
import { requireAdmin } from "./auth.ts";
import { HttpError, invalidParams } from "./errors.ts";
import { idForName } from "./apps.ts";
import { readJson } from "./json.ts";
import type { ApiEnv } from "./platform.ts";

function stackJson(name: string, installed: boolean) {
  const at = "2026-01-01T00:00:00Z";
  return { created_at: at, default: name === HOST_STACK_NAME, id: idForName("stack", name), name, state: installed ? "supported" : "available", updated_at: at };
}

export function registerStackRoutes(api: Hono<ApiEnv>, stacksDir: string): void {
  const installing = new Set<string>();
  api.get("/stacks", (c) => {
    const installed = installedStacks(stacksDir);
    const available = Object.keys(INSTALLABLE_STACKS).filter((n) => !installed.includes(n));
    return c.json([...installed.map((n) => stackJson(n, true)), ...available.map((n) => stackJson(n, false))]);
  });

  api.post("/stacks", async (c) => {
    requireAdmin(c.var.user);
    const { name } = await readJson(c);
    if (typeof name !== "string" || !INSTALLABLE_STACKS[name]) {
      throw invalidParams(`Unknown stack ${String(name)}. Installable: ${Object.keys(INSTALLABLE_STACKS).join(", ")}.`);
    }
    if (installing.has(name)) throw new HttpError(409, "conflict", `${name} is already being installed.`);
    installing.add(name);
    try {
      await installStack(stacksDir, name, () => undefined);
    } catch (error) {
      throw new HttpError(500, "stack_install_failed", (error as Error).message);
    } finally {
      installing.delete(name);
    }
    return c.json(stackJson(name, true), 201);
  });
}
