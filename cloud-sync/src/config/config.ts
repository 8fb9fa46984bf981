import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { describeIssues } from "@tenderline/shared";
import { z } from "zod";
import { AnomalyThresholdsSchema } from "../anomalies/thresholds.ts";
import { PrivateJwkSchema, PublicJwkSchema } from "../auth/credential-keys.ts";
import { BootstrapTokensSchema } from "../auth/tokens.ts";
import { StoredValueKeysSchema } from "../stored-value/keys.ts";

const jsonText = <T extends z.ZodType>(schema: T, what: string) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        ctx.addIssue({ code: "custom", message: `${what} must be JSON (${(error as Error).message})` });
        return z.NEVER;
      }
    })
    .pipe(schema);

export const PeerSchema = z.object({
  name: z.string().min(1, "a peer needs its region name").max(64),
  url: z.url("a peer url must be like http://127.0.0.1:7432"),
  token: z.string().min(16, "a peer token (a region token issued by that peer) is required"),
});
export type Peer = z.infer<typeof PeerSchema>;

const port = z.coerce.number().int().min(0, "port must be 0 (any free port) to 65535").max(65535, "port must be at most 65535");
const positiveInt = z.coerce.number().int().positive();

export const RegionConfigSchema = z.object({
  region: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "region must be a short name of letters, digits, '-' or '_' (e.g. A, eu-west)"),
  host: z.string().min(1).default("127.0.0.1"),
  port: port.default(7431),
  /** PGlite's data directory; `memory://` keeps everything in memory. Ignored when databaseUrl is set. */
  dataDir: z.string().min(1).optional(),
  databaseUrl: z.string().startsWith("postgres", "DATABASE_URL must be a postgres:// or postgresql:// URL").optional(),
  poolSize: positiveInt.default(10),
  bodyLimitBytes: positiveInt.default(5 * 1024 * 1024),
  /**
   * Worker threads that parse and validate batches, overlapping that CPU work with the database
   * work on the main thread (with PGlite, the database itself). Default: one when the machine has
   * a second core, 0 (the main thread does it) otherwise. More than one rarely pays: the database
   * needs the other cores.
   */
  ingestWorkers: z.coerce
    .number()
    .int()
    .min(0)
    .max(16)
    .default(() => (availableParallelism() > 1 ? 1 : 0)),
  /** Opaque per-region tokens for tests that run one region in-process; deployments use signed credentials. */
  bootstrapTokens: jsonText(BootstrapTokensSchema, "bootstrap tokens").optional(),
  /** The retailer's Ed25519 private key (a JWK): a region holding it issues credentials. A secret. */
  credentialIssuerKey: jsonText(PrivateJwkSchema, "the credential issuer key").optional(),
  /**
   * The regions' stored-value keys `{ sealPrivateKey, sealPublicKey, tokenKey }` (the same at every
   * region): open sealed gift card and credit numbers and name their accounts. A secret. Without
   * them the region keeps no stored-value ledger and refuses sealed numbers.
   */
  storedValueKeys: jsonText(StoredValueKeysSchema, "the stored-value keys").optional(),
  /** Public keys (JWKs) whose credentials this region accepts; the issuer key's own is always among them. */
  credentialTrustedKeys: jsonText(z.array(PublicJwkSchema), "the trusted credential keys").default([]),
  /** How stale an instance's view of revocations may be. */
  credentialRefreshMs: positiveInt.default(1000),
  peers: jsonText(z.array(PeerSchema), "peers").default([]),
  replicationIntervalMs: positiveInt.default(1000),
  replicationBatch: positiveInt.max(1000).default(500),
  processorUrl: z.url().optional(),
  reconcileIntervalMs: positiveInt.default(2000),
  reconcileDeadlineHours: z.coerce.number().positive().default(72),
  /** A pending tender owned by another region is looked up here too after this long (that region may be gone). */
  reconcileTakeoverMinutes: z.coerce.number().positive().default(360),
  processorTimeoutMs: positiveInt.default(5000),
  anomalyThresholds: jsonText(AnomalyThresholdsSchema, "anomaly thresholds").default(AnomalyThresholdsSchema.parse({})),
  /** Background jobs (replication, reconciliation, anomaly rules) run on timers unless this is false. */
  backgroundJobs: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});
export type RegionConfig = z.infer<typeof RegionConfigSchema>;
export type RegionConfigInput = z.input<typeof RegionConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

const FLAGS = {
  config: { env: "TENDERLINE_REGION_CONFIG" },
  region: { env: "TENDERLINE_REGION" },
  host: { env: "TENDERLINE_HOST" },
  port: { env: "TENDERLINE_PORT" },
  "data-dir": { env: "TENDERLINE_DATA_DIR" },
  "database-url": { env: "DATABASE_URL" },
  "pool-size": { env: "TENDERLINE_POOL_SIZE" },
  "body-limit": { env: "TENDERLINE_BODY_LIMIT" },
  "ingest-workers": { env: "TENDERLINE_INGEST_WORKERS" },
  "bootstrap-tokens": { env: "TENDERLINE_BOOTSTRAP_TOKENS" },
  "credential-issuer-key": { env: "TENDERLINE_CREDENTIAL_ISSUER_KEY" },
  "stored-value-keys": { env: "TENDERLINE_STORED_VALUE_KEYS" },
  "credential-trusted-keys": { env: "TENDERLINE_CREDENTIAL_TRUSTED_KEYS" },
  "credential-refresh-ms": { env: "TENDERLINE_CREDENTIAL_REFRESH_MS" },
  peers: { env: "TENDERLINE_PEERS" },
  "replication-interval-ms": { env: "TENDERLINE_REPLICATION_INTERVAL_MS" },
  "processor-url": { env: "TENDERLINE_PROCESSOR_URL" },
  "reconcile-interval-ms": { env: "TENDERLINE_RECONCILE_INTERVAL_MS" },
  "reconcile-deadline-hours": { env: "TENDERLINE_RECONCILE_DEADLINE_HOURS" },
  "reconcile-takeover-minutes": { env: "TENDERLINE_RECONCILE_TAKEOVER_MINUTES" },
  "processor-timeout-ms": { env: "TENDERLINE_PROCESSOR_TIMEOUT_MS" },
  "anomaly-thresholds": { env: "TENDERLINE_ANOMALY_THRESHOLDS" },
  "background-jobs": { env: "TENDERLINE_BACKGROUND_JOBS" },
  "log-level": { env: "TENDERLINE_LOG_LEVEL" },
} as const;

const KEYS: Record<Exclude<keyof typeof FLAGS, "config">, keyof RegionConfig> = {
  region: "region",
  host: "host",
  port: "port",
  "data-dir": "dataDir",
  "database-url": "databaseUrl",
  "pool-size": "poolSize",
  "body-limit": "bodyLimitBytes",
  "ingest-workers": "ingestWorkers",
  "bootstrap-tokens": "bootstrapTokens",
  "credential-issuer-key": "credentialIssuerKey",
  "stored-value-keys": "storedValueKeys",
  "credential-trusted-keys": "credentialTrustedKeys",
  "credential-refresh-ms": "credentialRefreshMs",
  peers: "peers",
  "replication-interval-ms": "replicationIntervalMs",
  "processor-url": "processorUrl",
  "reconcile-interval-ms": "reconcileIntervalMs",
  "reconcile-deadline-hours": "reconcileDeadlineHours",
  "reconcile-takeover-minutes": "reconcileTakeoverMinutes",
  "processor-timeout-ms": "processorTimeoutMs",
  "anomaly-thresholds": "anomalyThresholds",
  "background-jobs": "backgroundJobs",
  "log-level": "logLevel",
};

export function parseConfig(input: Record<string, unknown>): RegionConfig {
  const parsed = RegionConfigSchema.safeParse(input);
  if (!parsed.success) throw new ConfigError(`invalid region configuration: ${describeIssues(parsed.error)}`);
  const config = parsed.data;
  if (!config.databaseUrl && !config.dataDir) config.dataDir = `.tenderline/regions/${config.region}/pgdata`;
  return config;
}

/**
 * Settings that carry a secret (a database password, tokens): never taken on the command line,
 * where every user of the machine reads them in `ps`. They come from the config file or the
 * environment (a process's environment is readable by its owner only).
 */
const SECRET_FLAGS: ReadonlyArray<keyof typeof KEYS> = [
  "database-url",
  "bootstrap-tokens",
  "peers",
  "credential-issuer-key",
  "stored-value-keys",
];
/** Config file fields whose flag form is JSON text: the file gives them as JSON values. */
const JSON_FIELDS = new Set<string>([
  "bootstrapTokens",
  "peers",
  "anomalyThresholds",
  "credentialIssuerKey",
  "credentialTrustedKeys",
  "storedValueKeys",
]);

/**
 * The serve flags for `--help`, one line each: the flag, its environment variable and its config file
 * field, derived from FLAGS (so it lists every one). Secret settings are marked as not taken as flags.
 */
export function regionFlagsUsage(): string {
  const secret = new Set<string>(SECRET_FLAGS);
  const rows = Object.entries(FLAGS).map(([flag, { env }]) => {
    const field = flag === "config" ? "(a JSON file of the fields below)" : KEYS[flag as keyof typeof KEYS];
    const left = secret.has(flag) ? "(a secret: no flag)" : `--${flag}`;
    return `  ${left.padEnd(32)} ${env.padEnd(38)} ${field}`;
  });
  return [
    `  ${"flag".padEnd(32)} ${"environment".padEnd(38)} config file field`,
    ...rows,
    `  ${"".padEnd(32)} ${"PORT".padEnd(38)} port, when neither --port nor TENDERLINE_PORT is given`,
    `  config file only: ${Object.keys(RegionConfigSchema.shape)
      .filter((field) => !Object.values(KEYS).includes(field as keyof RegionConfig))
      .join(", ")}`,
    "  precedence: the config file, then the environment, then flags",
  ].join("\n");
}

/** The region's config file: a JSON object with RegionConfig's field names (a bad one names the field). */
function readConfigFile(file: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new ConfigError(`cannot read the region config file ${file}: ${(error as Error).message}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(`the region config file ${file} must hold a JSON object`);
  }
  const known = new Set(Object.keys(RegionConfigSchema.shape));
  const unknown = Object.keys(raw).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `the region config file ${file} has unknown fields: ${unknown.join(", ")}; fields: ${[...known].join(", ")}`,
    );
  }
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [
      k,
      JSON_FIELDS.has(k) && typeof v !== "string" ? JSON.stringify(v) : typeof v === "string" ? v : String(v),
    ]),
  );
}

/**
 * The config file first, then environment variables, then flags (`--port 0` over TENDERLINE_PORT
 * over the file). Unknown flags, and flags that would carry a secret, are an error.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): RegionConfig {
  const options = Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: "string" as const }]));
  // A leading `--` (the npm habit: `pnpm … -- --port 0`) is ignored.
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // node:util's message goes on to explain `--` terminators, which is no help here.
    const reason = (error as Error).message.replace(/\. (To specify a positional|This command does not take).*$/s, "");
    throw new ConfigError(`${reason} (main.ts --help lists the flags)`);
  }
  for (const flag of SECRET_FLAGS) {
    if (values[flag] !== undefined) {
      throw new ConfigError(
        `--${flag} would put a secret on the command line, where every user of this machine can read it (ps); set ${KEYS[flag]} in the --config file or ${FLAGS[flag].env} in the environment instead`,
      );
    }
  }
  const file = (values.config as string | undefined) ?? env[FLAGS.config.env];
  const input: Record<string, unknown> = file ? readConfigFile(file) : {};
  for (const [flag, key] of Object.entries(KEYS) as Array<[keyof typeof KEYS, keyof RegionConfig]>) {
    const value = values[flag] ?? env[FLAGS[flag].env];
    if (value !== undefined && value !== "") input[key] = value;
  }
  if (input.port === undefined && env.PORT) input.port = env.PORT;
  return parseConfig(input);
}
