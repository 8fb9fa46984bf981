/**
 * The region process. `node --import tsx cloud-sync/src/main.ts [flags]` serves the region API and
 * prints `{"listening":<port>,"region":"<name>"}` on stdout once bound; `… main.ts token create …`
 * are the operator's credential commands. Flags and environment variables: cloud-sync/README.md.
 */
import { RegionCommandError } from "./cli/region-admin-client.ts";
import { runTokenCommand, TOKEN_USAGE } from "./cli/token-cli.ts";
import { ConfigError, loadConfig } from "./config/config.ts";
import { startRegion } from "./server/start-region.ts";

async function main(argv: string[]): Promise<number> {
  if (argv[0] === "token") {
    return runTokenCommand(argv, process.env, {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  }
  if (argv[0] === "help" || argv.includes("--help")) {
    process.stdout.write(
      `serve: main.ts [--config FILE] [--region A] [--port 7431] [--data-dir DIR] …  (secrets: in FILE or the environment)\n${TOKEN_USAGE}\n`,
    );
    return 0;
  }
  const config = loadConfig(argv, process.env);
  const region = await startRegion(config);
  process.stdout.write(`${JSON.stringify({ listening: region.port, region: config.region })}\n`);
  const stop = (signal: string) => {
    region.logger.info({ signal }, "stopping");
    region.close().then(
      () => process.exit(0),
      (error: unknown) => {
        region.logger.error({ err: { message: (error as Error).message } }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof RegionCommandError;
    const message = known ? (error as Error).message : `region failed to start: ${(error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
