// ps, ps:scale, ps:restart, ps:stop, ps:type, run:detached.
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import { action, appLabel, header, herokuTime, json, table, CliError } from "../output.ts";

export interface DynoJson { name: string; type: string; state: string; command: string; size: string; updated_at: string }
interface FormationJson { type: string; quantity: number; size: string; command: string }

/** `web=2`, `worker+1`, `web=1:standard-2x`, `web=standard-2x` → formation updates, relative to the current formation. */
export function parseScaleArgs(args: string[], current: FormationJson[]): { type: string; quantity?: number; size?: string }[] {
  return args.map((arg) => {
    const m = /^([a-zA-Z0-9_-]+)([=+-])([^:]*)(?::(.+))?$/.exec(arg);
    if (!m) throw new CliError(`Invalid argument ${arg}. Usage: slipway ps:scale web=2 worker+1 [TYPE=QTY:SIZE]`);
    const [, type, op, amount, size] = m;
    if (op === "=" && amount && !/^\d+$/.test(amount)) return { type: type!, size: amount };
    if (!/^\d+$/.test(amount ?? "")) throw new CliError(`Invalid quantity in ${arg}.`);
    const n = Number(amount);
    const now = current.find((f) => f.type === type)?.quantity ?? 0;
    const quantity = op === "=" ? n : op === "+" ? now + n : Math.max(0, now - n);
    return size ? { type: type!, quantity, size } : { type: type!, quantity };
  });
}

export function printDynos(o: CliContext["output"], dynos: DynoJson[], formation: FormationJson[]): void {
  const oneOffs = dynos.filter((d) => /^(run|scheduler|release)\./.test(d.name));
  if (oneOffs.length) {
    header(o, `run: one-off processes (${oneOffs.length})`);
    for (const d of oneOffs) o.out(`${d.name} (${d.size}): ${d.state} ${herokuTime(d.updated_at)}: ${d.command}`);
    o.out();
  }
  for (const f of formation.filter((x) => x.quantity > 0)) {
    const mine = dynos.filter((d) => d.type === f.type && !oneOffs.includes(d));
    header(o, `${f.type} (${f.size}): ${f.command} (${mine.length})`);
    for (const d of mine) o.out(`${d.name}: ${d.state} ${herokuTime(d.updated_at)}`);
    o.out();
  }
  if (dynos.length === 0) o.out("No dynos on this app");
}

export function registerPsCommands(program: Command, ctx: CliContext): void {
  const o = ctx.output;
  program.command("ps [type]").description("list dynos for an app")
    .option("-a, --app <app>", "app to run command against").option("--json", "display as json")
    .action(async (type: string | undefined, opts) => {
      const app = ctx.appName(opts.app);
      const [dynos, formation] = await Promise.all([
        ctx.api<DynoJson[]>("GET", `/apps/${app}/dynos`), ctx.api<FormationJson[]>("GET", `/apps/${app}/formation`),
      ]);
      const shown = type ? dynos.filter((d) => d.type === type) : dynos;
      if (opts.json) return json(o, shown);
      printDynos(o, shown, type ? formation.filter((f) => f.type === type) : formation);
    });

  program.command("ps:scale [changes...]").alias("scale").description("scale dyno quantity up or down")
    .option("-a, --app <app>", "app to run command against")
    .action(async (changes: string[], opts) => {
      const app = ctx.appName(opts.app);
      const current = await ctx.api<FormationJson[]>("GET", `/apps/${app}/formation`);
      if (changes.length === 0) {
        return o.out(current.map((f) => `${f.type}=${f.quantity}:${f.size}`).join(" "));
      }
      const updates = parseScaleArgs(changes, current);
      await action(o, "Scaling dynos", () => ctx.api<FormationJson[]>("PATCH", `/apps/${app}/formation`, { updates }),
        (r) => `done, now running ${r.filter((f) => updates.some((u) => u.type === f.type)).map((f) => `${f.type} at ${f.quantity}:${f.size}`).join(", ")}`);
    });

  program.command("ps:restart [dyno]").alias("restart").description("restart app dynos")
    .option("-a, --app <app>", "app to run command against")
    .action(async (dyno: string | undefined, opts) => {
      const app = ctx.appName(opts.app);
      const what = !dyno ? "dynos" : dyno.includes(".") ? `${dyno} dyno` : `${dyno} dynos`;
      await action(o, `Restarting ${what} on ${appLabel(o, app)}`, () => ctx.api("DELETE", `/apps/${app}/dynos${dyno ? `/${encodeURIComponent(dyno)}` : ""}`));
    });

  program.command("ps:stop <dyno>").alias("stop").description("stop app dyno or dyno type")
    .option("-a, --app <app>", "app to run command against")
    .action(async (dyno: string, opts) => {
      const app = ctx.appName(opts.app);
      const what = dyno.includes(".") ? `${dyno} dyno` : `all ${dyno} dynos`;
      await action(o, `Stopping ${what} on ${appLabel(o, app)}`, () => ctx.api("POST", `/apps/${app}/dynos/${encodeURIComponent(dyno)}/actions/stop`));
    });

  program.command("ps:type [changes...]").alias("ps:resize").description("manage dyno sizes")
    .option("-a, --app <app>", "app to run command against").option("--json", "output in json format")
    .action(async (changes: string[], opts) => {
      const app = ctx.appName(opts.app);
      if (changes.length) {
        const updates = changes.map((c) => {
          const [type, size] = c.split("=");
          if (!type || !size) throw new CliError(`Invalid argument ${c}. Usage: slipway ps:type web=standard-2x`);
          return { type, size };
        });
        await action(o, `Scaling dynos on ${appLabel(o, app)}`, () => ctx.api("PATCH", `/apps/${app}/formation`, { updates }));
      }
      const formation = await ctx.api<FormationJson[]>("GET", `/apps/${app}/formation`);
      if (opts.json) return json(o, formation);
      table(o, ["Type", "Size", "Qty"], formation.map((f) => [f.type, f.size, String(f.quantity)]));
    });
}
