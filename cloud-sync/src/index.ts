// What other packages use from a region: its app and process helpers, and its configuration types.
export { type AppDeps, createApp } from "./api/app.ts";
export type { BootstrapToken, TokenKind } from "./auth/tokens.ts";
export { loadConfig, type Peer, parseConfig, type RegionConfig } from "./config/config.ts";
export type { IngestResult } from "./ingest/classify-batch.ts";
export type { IngestOutput } from "./ingest/ingest-batch.ts";
export { type RegionProcess, type RegionProcessOptions, startRegionProcess } from "./server/region-process.ts";
export { type RunningRegion, startRegion } from "./server/start-region.ts";
