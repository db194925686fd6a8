// `slipway server`: runs the daemon in the foreground until SIGTERM or SIGINT.
import type { Command } from "commander";
import { CliError } from "../output.ts";

/** Takes only the environment: `slipway server` registers this without the rest of the CLI (src/server/command.ts). */
export function registerServerCommand(program: Command, env: Record<string, string | undefined>, exit: (code: number) => void): void {
  program.command("server").description("run the Slipway daemon (API, git, router, dynos)")
    .option("--home <dir>", "where Slipway keeps its state (env SLIPWAY_HOME, default ~/.slipway)")
    .option("--api-port <port>", "port of the API and git server (env SLIPWAY_API_PORT, default 7070)")
    .option("--router-port <port>", "port of the HTTP router (env SLIPWAY_ROUTER_PORT, default 8080)")
    .option("--https-port <port>", "port of the router's HTTPS listener (env SLIPWAY_HTTPS_PORT, default 8443)")
    .option("--api-tls-port <port>", "port of the API and git over HTTPS, with Slipway's own CA (env SLIPWAY_API_TLS_PORT, default 7443)")
    .option("--rendezvous-port <port>", "port where `heroku run` attaches to one-off dynos (env SLIPWAY_RENDEZVOUS_PORT, default 7444)")
    .option("--domain <domain>", "apps are served at APP.DOMAIN (env SLIPWAY_DOMAIN, default localhost)")
    .option("--bind <address>", "address to listen on (env SLIPWAY_BIND, default 0.0.0.0)")
    .action(async (flags) => {
      // Loaded on demand so client commands don't pay for the daemon's modules at start-up.
      const { resolveSettings } = await import("../../server/settings.ts");
      const { startServer } = await import("../../server/index.ts");
      let server;
      try {
        server = await startServer(resolveSettings(flags, env), env);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          console.log(`slipway: ${signal} received, shutting down`);
          server.stop().then(resolve, (error) => {
            console.error(`slipway: shutdown failed: ${(error as Error).message}`);
            resolve();
          });
        };
        process.once("SIGTERM", () => shutdown("SIGTERM"));
        process.once("SIGINT", () => shutdown("SIGINT"));
      });
      exit(0);
    });
}
