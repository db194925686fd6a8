import { cp } from "node:fs/promises";
import { relative, sep } from "node:path";
import { readAppFile } from "./app-file.ts";
import { slugignoreMatcher } from "./slugignore.ts";

// Copies the app into the build dir without `.git` (at any depth: submodules have one too) and without
// what `.slugignore` names, before any buildpack runs. Symlinks are copied as links, never followed.
export async function copySource(sourceDir: string, buildDir: string): Promise<void> {
  const ignored = slugignoreMatcher((await readAppFile(sourceDir, ".slugignore")) ?? "");
  await cp(sourceDir, buildDir, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (path) => {
      const rel = relative(sourceDir, path);
      if (rel === "") return true;
      return !rel.split(sep).includes(".git") && !ignored(rel);
    },
  });
}
