// git over HTTP on the API port: basic auth with the token as password, then the app's bare repository,
// and a push to main/master deploys.
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { authenticate } from "../api/index.ts";
import { BuildError, type Deployer } from "../build/index.ts";
import { checkoutCommit, ensureRepo, handleGitHttp, type PushHandler } from "../git/index.ts";
import { appByNameOrId, canAccessApp, type App, type Db, type User } from "../state/index.ts";

const GIT_PATH = /^\/([a-z][a-z0-9-]{1,29})\.git\/(info\/refs|git-receive-pack|git-upload-pack)$/;

export function repoDirFor(reposDir: string, app: App): string {
  return join(reposDir, `${app.id}.git`);
}

export function gitRequestHandler(opts: { db: Db; reposDir: string; deployer: Deployer }) {
  return async (request: Request, path: string): Promise<Response | null> => {
    const match = GIT_PATH.exec(path);
    if (!match) return null;
    const [, appName, action] = match;
    const user = authenticate(opts.db, request.headers.get("authorization"));
    if (!user) {
      return new Response("Authentication required: use your Slipway token as the password.\n", {
        status: 401, headers: { "WWW-Authenticate": 'Basic realm="Slipway"' },
      });
    }
    const app = appByNameOrId(opts.db, appName!);
    // Not found and not yours look the same, so a token can't probe which apps exist.
    if (!app || !canAccessApp(opts.db, user, app)) return new Response(`Repository ${appName}.git not found.\n`, { status: 404 });
    const repoDir = repoDirFor(opts.reposDir, app);
    await ensureRepo(repoDir);
    return handleGitHttp(request, { repoDir, action: action as "info/refs", onPush: deployOnPush(opts.deployer, app, user) });
  };
}

function deployOnPush(deployer: Deployer, app: App, user: User): PushHandler {
  return async ({ repoDir, update, say }) => {
    if (deployer.busy(app.id)) return { ok: false, reason: `A build is already running for ${app.name}; wait for it to finish and push again.` };
    const sourceDir = mkdtempSync(join(tmpdir(), "slipway-src-"));
    try {
      await checkoutCommit(repoDir, update.newOid, sourceDir);
      const { done } = deployer.start({ app, user, sourceDir, sourceVersion: update.newOid, sourceUrl: null, say });
      await done;
      return { ok: true };
    } catch (error) {
      const reason = error instanceof BuildError ? error.message : `Internal error: ${(error as Error).message}`;
      return { ok: false, reason };
    } finally {
      rmSync(sourceDir, { recursive: true, force: true });
    }
  };
}
