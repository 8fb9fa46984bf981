/**
 * The region process. `node --import tsx cloud-sync/src/main.ts [flags]` serves the region API and
 * prints `{"listening":<port>,"region":"<name>"}` on stdout once bound; `… main.ts token create …`
 * are the operator's credential commands. Flags and environment variables: cloud-sync/README.md.
 */
import { RegionApiError } from "@tenderline/shared";
import { LOG_USAGE, runLogCommand } from "./cli/log-cli.ts";
import { runTokenCommand, TOKEN_USAGE } from "./cli/token-cli.ts";
import { ConfigError, loadConfig, regionFlagsUsage } from "./config/config.ts";
import { startRegion } from "./server/start-region.ts";

/** `--help`: the serve flags (from config.ts FLAGS) and the token commands. */
export const REGION_USAGE = `usage: main.ts [flags]          serve the region API (flags over environment over the --config file)
       main.ts token …          the operator's credential commands (below)
       main.ts log …            the log's epochs; a new one after a restore (below)
       main.ts --help | -h
serve flags (each also read from its environment variable or config file field):
${regionFlagsUsage()}
  -h, --help                       print this and exit
${TOKEN_USAGE}
${LOG_USAGE}`;

async function main(rawArgv: string[]): Promise<number> {
  // A leading `--` (the npm habit) is ignored.
  const argv = rawArgv[0] === "--" ? rawArgv.slice(1) : rawArgv;
  if (argv[0] === "token") {
    return runTokenCommand(argv, process.env, {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  }
  if (argv[0] === "log") {
    return runLogCommand(argv, process.env, {
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
    });
  }
  if (argv[0] === "help" || argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${REGION_USAGE}\n`);
    return 0;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(argv, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // The reason, then how to call it; exit code 2.
    throw new ConfigError(`${error.message}\n${REGION_USAGE}`);
  }
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
    const known = error instanceof ConfigError || error instanceof RegionApiError;
    const message = known ? (error as Error).message : `region failed to start: ${(error as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
