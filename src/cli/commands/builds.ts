// builds, builds:info, builds:output, builds:cache:purge, deploy (a directory, without git), buildpacks:*.
import type { Command } from "commander";
import { resolve } from "node:path";
import type { CliContext } from "../context.ts";
import { action, appLabel, header, herokuTime, json, table, CliError } from "../output.ts";

interface BuildJson { id: string; status: string; created_at: string; user: { email: string }; output_stream_url: string;
  source_blob: { version: string | null }; release: { id: string } | null; buildpacks: { url: string }[] }
interface InstallationJson { buildpack: { url: string; name: string }; ordinal: number }

async function streamOutput(url: string, write: (text: string) => void): Promise<void> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new CliError(`Could not read the build output (HTTP ${response.status}).`);
  const decoder = new TextDecoder();
  for await (const chunk of response.body) write(decoder.decode(chunk, { stream: true }));
}

/** Packs a directory as the .tgz a build takes, leaving out .git. */
async function packDirectory(dir: string): Promise<Uint8Array> {
  const tar = Bun.spawn(["tar", "-C", dir, "--exclude=./.git", "-czf", "-", "."], { stdout: "pipe", stderr: "pipe" });
  const [bytes, stderr, code] = await Promise.all([new Response(tar.stdout).arrayBuffer(), new Response(tar.stderr).text(), tar.exited]);
  if (code !== 0) throw new CliError(`Could not pack ${dir}: ${stderr.trim()}`);
  return new Uint8Array(bytes);
}

/** The named build, or the app's newest one. */
async function buildOrLatest(ctx: CliContext, app: string, id: string | undefined): Promise<BuildJson> {
  const build = id ? await ctx.api<BuildJson>("GET", `/apps/${app}/builds/${id}`)
    : (await ctx.api<BuildJson[]>("GET", `/apps/${app}/builds`, undefined, { Range: "created_at ..; max=1, order=desc" }))[0];
  if (!build) throw new CliError(`${app} has no builds.`);
  return build;
}

async function setBuildpacks(ctx: CliContext, app: string, urls: string[]): Promise<InstallationJson[]> {
  return ctx.api<InstallationJson[]>("PUT", `/apps/${app}/buildpack-installations`, { updates: urls.map((buildpack) => ({ buildpack })) });
}

export function registerBuildCommands(program: Command, ctx: CliContext, exit: (code: number) => void): void {
  const o = ctx.output;
  program.command("builds").description("list builds").option("-a, --app <app>", "app to run command against")
    .option("-n, --num <n>", "number of builds to show", "15").option("--json", "output in json format")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const builds = await ctx.api<BuildJson[]>("GET", `/apps/${app}/builds`, undefined, { Range: `created_at ..; max=${Number(opts.num) || 15}, order=desc` });
      if (opts.json) return json(o, builds);
      header(o, `${app} Builds`);
      table(o, ["ID", "Status", "Version", "By", "Created"], builds.map((b) => [b.id, b.status, b.source_blob.version?.slice(0, 7) ?? "", b.user.email, herokuTime(b.created_at)]));
    });

  program.command("builds:info [id]").description("show a build").option("-a, --app <app>", "app to run command against")
    .action(async (id: string | undefined, opts) => json(o, await buildOrLatest(ctx, ctx.appName(opts.app), id)));

  program.command("builds:output [id]").description("show a build's output").option("-a, --app <app>", "app to run command against")
    .action(async (id: string | undefined, opts) => {
      const build = await buildOrLatest(ctx, ctx.appName(opts.app), id);
      await streamOutput(build.output_stream_url, (t) => process.stdout.write(t));
    });

  program.command("builds:cache:purge").description("purge the build cache").option("-a, --app <app>", "app to run command against")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      await action(o, `Purging build cache for ${appLabel(o, app)}`, () => ctx.api("DELETE", `/apps/${app}/build-cache`));
    });

  program.command("deploy [dir]").description("build and release a directory, without git").option("-a, --app <app>", "app to run command against")
    .option("--version <version>", "a version to record with the build")
    .action(async (dir: string | undefined, opts) => {
      const app = ctx.appName(opts.app);
      const source = resolve(dir ?? ".");
      const tgz = await action(o, `Packing ${source}`, () => packDirectory(source), (b) => `done, ${(b.length / 1024).toFixed(0)}K`);
      const upload = await ctx.api<{ source_blob: { put_url: string; get_url: string } }>("POST", `/apps/${app}/sources`);
      const put = await fetch(upload.source_blob.put_url, { method: "PUT", body: tgz });
      if (!put.ok) throw new CliError(`Upload failed: HTTP ${put.status}`);
      const build = await ctx.api<BuildJson>("POST", `/apps/${app}/builds`, { source_blob: { url: upload.source_blob.get_url, version: opts.version } });
      await streamOutput(build.output_stream_url, (t) => process.stdout.write(t));
      const final = await ctx.api<BuildJson>("GET", `/apps/${app}/builds/${build.id}`);
      if (final.status !== "succeeded") exit(1);
    });

  program.command("buildpacks").description("display the buildpacks for an app").option("-a, --app <app>", "app to run command against")
    .option("--json", "output in json format")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      const list = await ctx.api<InstallationJson[]>("GET", `/apps/${app}/buildpack-installations`);
      if (opts.json) return json(o, list);
      if (list.length === 0) return o.out(`${app} has no Buildpacks.`);
      header(o, `${app} Buildpack${list.length > 1 ? "s" : ""}`);
      for (const b of list) o.out(list.length > 1 ? `${b.ordinal}. ${b.buildpack.url}` : b.buildpack.url);
    });

  const current = async (app: string) => (await ctx.api<InstallationJson[]>("GET", `/apps/${app}/buildpack-installations`)).map((b) => b.buildpack.url);

  program.command("buildpacks:set <buildpack>").description("set new app buildpack, overwriting into list of buildpacks if necessary")
    .option("-a, --app <app>", "app to run command against").option("-i, --index <n>", "the 1-based index of the buildpack")
    .action(async (buildpack: string, opts) => {
      const app = ctx.appName(opts.app);
      const list = await current(app);
      const index = opts.index ? Number(opts.index) - 1 : 0;
      list.splice(index, list.length && index < list.length ? 1 : 0, buildpack);
      await setBuildpacks(ctx, app, list);
      o.out(`Buildpack set. Next release on ${app} will use ${buildpack}.`);
      o.out(`Run git push slipway main to create a new release using this buildpack.`);
    });

  program.command("buildpacks:add <buildpack>").description("add new app buildpack, inserting into list of buildpacks if necessary")
    .option("-a, --app <app>", "app to run command against").option("-i, --index <n>", "the 1-based index of the buildpack")
    .action(async (buildpack: string, opts) => {
      const app = ctx.appName(opts.app);
      const list = await current(app);
      if (list.includes(buildpack)) throw new CliError(`The buildpack ${buildpack} is already set on your app.`);
      list.splice(opts.index ? Number(opts.index) - 1 : list.length, 0, buildpack);
      await setBuildpacks(ctx, app, list);
      o.out(`Buildpack added. Next release on ${app} will use:`);
      list.forEach((b, i) => o.out(`  ${i + 1}. ${b}`));
    });

  program.command("buildpacks:remove [buildpack]").description("remove a buildpack set on the app")
    .option("-a, --app <app>", "app to run command against").option("-i, --index <n>", "the 1-based index of the buildpack")
    .action(async (buildpack: string | undefined, opts) => {
      const app = ctx.appName(opts.app);
      const list = await current(app);
      const index = opts.index ? Number(opts.index) - 1 : list.indexOf(buildpack ?? "");
      if (index < 0 || index >= list.length) throw new CliError(`Buildpack not found. Nothing was removed.`);
      const [removed] = list.splice(index, 1);
      await setBuildpacks(ctx, app, list);
      o.out(`Buildpack removed. ${removed} will not be used on the next release of ${app}.`);
    });

  program.command("buildpacks:clear").description("clear all buildpacks set on the app").option("-a, --app <app>", "app to run command against")
    .action(async (opts) => {
      const app = ctx.appName(opts.app);
      await setBuildpacks(ctx, app, []);
      o.out(`Buildpacks cleared. Next release on ${app} will detect buildpacks normally.`);
    });
}
