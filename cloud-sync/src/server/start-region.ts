import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "../api/app.ts";
import { seedTokens } from "../auth/tokens.ts";
import type { RegionConfig } from "../config/config.ts";
import { createLogger, type Logger } from "../logging/logger.ts";
import { createMetrics } from "../metrics/metrics.ts";
import type { Database } from "../storage/database.ts";
import { openDatabase } from "../storage/open-database.ts";

export interface RunningRegion {
  port: number;
  db: Database;
  logger: Logger;
  close(): Promise<void>;
}

/** Opens the database (migrating it), seeds configured tokens, and serves the region API. */
export async function startRegion(config: RegionConfig): Promise<RunningRegion> {
  const logger = createLogger(config.region, config.logLevel);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize });
  if (config.bootstrapTokens) await seedTokens(db, config.bootstrapTokens);
  const metrics = createMetrics(config.region);
  const app = createApp({ region: config.region, db, metrics, logger, bodyLimitBytes: config.bodyLimitBytes });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(s));
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, backend: db.backend }, "region listening");
  return {
    port,
    db,
    logger,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}
