import { readFile, realpath } from "node:fs/promises";
import { join, relative, isAbsolute } from "node:path";
import { BuildError } from "./build-error.ts";

// Reads a file of the app (Procfile, .slugignore, .buildpacks) on the host, or null when it is absent.
// The app controls its symlinks: one leading out of the app (Procfile -> /etc/shadow) is refused, never read.
export async function readAppFile(appDir: string, name: string): Promise<string | null> {
  const path = join(appDir, name);
  const real = await realpath(path).catch(() => null);
  if (real === null) return null;
  const rel = relative(await realpath(appDir), real);
  if (rel === ".." || rel.startsWith("../") || isAbsolute(rel)) {
    throw new BuildError(`${name} is a link that leads outside the app.`);
  }
  return readFile(real, "utf8");
}
