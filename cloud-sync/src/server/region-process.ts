import { fileURLToPath } from "node:url";
import type { StoredValueKeys } from "@tenderline/shared";
import { ServiceProcess } from "@tenderline/shared/process";
import type { PrivateJwk, PublicJwk } from "../auth/credential-keys.ts";
import type { BootstrapToken } from "../auth/tokens.ts";
import type { Peer } from "../config/config.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));

export interface RegionProcessOptions {
  region: string;
  /** Default 0: any free port. */
  port?: number;
  /** PGlite data directory (default `memory://`); ignored when databaseUrl is set. */
  dataDir?: string;
  databaseUrl?: string;
  bootstrapTokens?: BootstrapToken[];
  /** The retailer's private key: this region issues credentials. */
  credentialIssuerKey?: PrivateJwk;
  /** Public keys whose credentials this region accepts. */
  credentialTrustedKeys?: PublicJwk[];
  peers?: Peer[];
  /** The regions' stored-value keys (a secret: passed in the child's environment). */
  storedValueKeys?: StoredValueKeys;
  processorUrl?: string;
  /** Any further flags, e.g. ["--replication-interval-ms", "200"]. */
  extraArgs?: string[];
  env?: NodeJS.ProcessEnv;
}

/** A region running as a child process (the shared launcher), with its name. */
export type RegionProcess = ServiceProcess & { readonly region: string };

/**
 * Starts a region as a real child process (`node --import tsx src/main.ts …`) and resolves once it
 * prints its `{"listening": port}` line. Rejects with a ServiceStartError (its output's tail) if
 * it exits first. stop() sends SIGTERM and SIGKILLs after 5 s.
 */
export async function startRegionProcess(options: RegionProcessOptions): Promise<RegionProcess> {
  const args = ["--region", options.region, "--port", String(options.port ?? 0)];
  if (!options.databaseUrl) args.push("--data-dir", options.dataDir ?? "memory://");
  if (options.processorUrl) args.push("--processor-url", options.processorUrl);
  args.push(...(options.extraArgs ?? []));
  const env = { ...process.env, ...options.env };
  // The child's configuration comes from here, not from whatever the parent's environment holds;
  // secrets go in its environment, never on its command line (visible to every user in ps).
  delete env.DATABASE_URL;
  delete env.TENDERLINE_BOOTSTRAP_TOKENS;
  delete env.TENDERLINE_PEERS;
  delete env.TENDERLINE_CREDENTIAL_ISSUER_KEY;
  delete env.TENDERLINE_CREDENTIAL_TRUSTED_KEYS;
  delete env.TENDERLINE_STORED_VALUE_KEYS;
  if (options.storedValueKeys) env.TENDERLINE_STORED_VALUE_KEYS = JSON.stringify(options.storedValueKeys);
  if (options.credentialIssuerKey) env.TENDERLINE_CREDENTIAL_ISSUER_KEY = JSON.stringify(options.credentialIssuerKey);
  if (options.credentialTrustedKeys) env.TENDERLINE_CREDENTIAL_TRUSTED_KEYS = JSON.stringify(options.credentialTrustedKeys);
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  if (options.bootstrapTokens) env.TENDERLINE_BOOTSTRAP_TOKENS = JSON.stringify(options.bootstrapTokens);
  if (options.peers) env.TENDERLINE_PEERS = JSON.stringify(options.peers);
  const running = await ServiceProcess.start({
    name: `region ${options.region}`,
    script: MAIN,
    args,
    env,
    inheritEnv: false,
    startTimeoutMs: 60_000,
    stopGraceMs: 5000,
  });
  return Object.assign(running, { region: options.region });
}
