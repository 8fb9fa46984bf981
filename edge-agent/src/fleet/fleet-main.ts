/**
 * Fleet entry: `node --import tsx edge-agent/src/fleet/fleet-main.ts --config FLEET.json [--port N]`.
 * Hosts every register FLEET.json lists in this one process (see fleet-host.ts). Wiring only.
 */
import { createLogger } from "../logging/logger.ts";
import { FLEET_USAGE, FleetUsageError, loadFleet, parseFleetArgs } from "./fleet-config.ts";
import { FleetHost } from "./fleet-host.ts";

async function main(): Promise<void> {
  const args = parseFleetArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${FLEET_USAGE}\n`);
    return;
  }
  const { fleet, agents, ignoredEnv } = loadFleet(args.configFile);
  const logger = createLogger({ level: fleet.logLevel, ...(fleet.logFile ? { file: fleet.logFile } : {}) });
  if (ignoredEnv.length > 0) {
    logger.warn(
      { variables: ignoredEnv },
      "a fleet configures its registers by their files only; these environment overrides are not applied",
    );
  }
  const host = new FleetHost(agents, {
    logger,
    host: fleet.host,
    port: args.port ?? fleet.port,
    ...(fleet.dbCacheKiB ? { dbCacheKiB: fleet.dbCacheKiB } : {}),
  });
  let stopRequested = false;
  const stop = (signal: string) => {
    stopRequested = true;
    logger.info({ signal }, "fleet stopping");
    host.stop().then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "fleet stopped with errors");
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  let listening: { url: string; port: number };
  try {
    listening = await host.start();
  } catch (error) {
    // Stopped while starting: the stop handler closes what started and exits 0.
    if (stopRequested) {
      logger.info({ reason: error instanceof Error ? error.message : String(error) }, "fleet start cut short by the stop");
      return;
    }
    throw error;
  }
  const { url, port } = listening;
  // The same line an agent prints: the shared ServiceProcess launcher waits for it.
  process.stdout.write(`${JSON.stringify({ listening: url, port })}\n`);
}

main().catch((error: unknown) => {
  const code = error instanceof FleetUsageError ? 2 : 1;
  process.stderr.write(`tenderline-fleet: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(code);
});
