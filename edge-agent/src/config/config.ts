import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { PIN_HASH_PATTERN } from "@tenderline/shared";
import { z } from "zod";

const LimitSchema = z.object({
  /** Largest single card tender that may be approved offline, in minor units. */
  perTender: z.number().int().nonnegative(),
  /** Largest total of offline card approvals not yet acked by a region, in minor units. */
  outstanding: z.number().int().nonnegative(),
});
export type OfflineCardLimit = z.infer<typeof LimitSchema>;

/** Card-present defaults in the spirit of processor floor limits; the fallback covers other currencies. */
export const DEFAULT_OFFLINE_CARD_LIMITS: Record<string, OfflineCardLimit> = {
  USD: { perTender: 25_000, outstanding: 250_000 },
  EUR: { perTender: 25_000, outstanding: 250_000 },
  GBP: { perTender: 20_000, outstanding: 200_000 },
  CAD: { perTender: 30_000, outstanding: 300_000 },
  "*": { perTender: 25_000, outstanding: 250_000 },
};

const StoredValueLimitSchema = z.object({
  /** Largest single gift card or store credit redemption taken while no region answers, in minor units. */
  perTender: z.number().int().nonnegative(),
  /** Largest total of such offline redemptions on this register not yet acked by a region, in minor units. */
  outstanding: z.number().int().nonnegative(),
});
export type OfflineStoredValueLimit = z.infer<typeof StoredValueLimitSchema>;

/**
 * Offline stored-value defaults: lower than the card floor limits, as a gift card spent offline
 * twice is the store's own loss (no issuer stands behind it).
 */
export const DEFAULT_OFFLINE_STORED_VALUE_LIMITS: Record<string, OfflineStoredValueLimit> = {
  USD: { perTender: 10_000, outstanding: 50_000 },
  EUR: { perTender: 10_000, outstanding: 50_000 },
  GBP: { perTender: 8_000, outstanding: 40_000 },
  CAD: { perTender: 12_000, outstanding: 60_000 },
  "*": { perTender: 10_000, outstanding: 50_000 },
};

const PUBLIC_KEY_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\s*$/;

export const UnverifiedReturnLimitSchema = z.object({
  /** Largest unverified return (store credit without the original) one return may refund without a manager, in minor units. */
  perReturn: z.number().int().nonnegative().default(10_000),
  /** Largest total of unverified returns this register may refund in one day (its local calendar day) without a manager, in minor units. */
  perDay: z.number().int().nonnegative().default(30_000),
});
export type UnverifiedReturnLimit = z.infer<typeof UnverifiedReturnLimitSchema>;

const ManagerSchema = z.object({
  id: z.string().min(1, "manager id is required").max(64),
  name: z.string().min(1, "manager name is required").max(100),
  pinHash: z
    .string()
    .regex(PIN_HASH_PATTERN, "pinHash must be a scrypt hash made by `tenderline-agent hash-pin`, never the PIN itself"),
});
export type ManagerConfig = z.infer<typeof ManagerSchema>;

export const ManagerAuthSchema = z.object({
  /** A manager's sign-in lasts this long; then they sign in again. */
  sessionMinutes: z.number().int().min(1).max(60).default(5),
  /** Wrong PINs in a row before that manager is locked. */
  maxFailures: z.number().int().min(1).max(20).default(5),
  lockoutMinutes: z.number().int().min(1).max(1440).default(15),
});
export type ManagerAuthSettings = z.infer<typeof ManagerAuthSchema>;

const RegionSchema = z.object({
  name: z.string().min(1, "region name is required"),
  url: z.url({ message: "region url must be an http(s) URL such as http://127.0.0.1:7431" }),
});

export const SyncSettingsSchema = z.object({
  enabled: z.boolean().default(true),
  batchMaxEvents: z.number().int().positive().max(5000).default(500),
  batchMaxBytes: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  requestTimeoutMs: z.number().int().positive().default(5000),
  /** How often a region that is down, unknown or failing is probed (it may be back). */
  probeIntervalMs: z.number().int().positive().default(2000),
  /**
   * How often a region already known healthy is probed. A sale's batch finds a dead region at once
   * anyway; probing every healthy region every 2 s is 1,000 requests a second from 2,000 registers.
   */
  healthyProbeIntervalMs: z.number().int().positive().default(30_000),
  /**
   * A region whose probes keep failing is probed less often: the interval doubles from
   * probeIntervalMs (jittered) up to this. 2,000 registers probing a dead region every 2 s are
   * 1,000 failed requests a second to its balancer and as many new connections on two cores, for
   * nothing a batch would not find out; its return is seen within this, and an answered call resets it.
   */
  probeMaxIntervalMs: z.number().int().positive().default(30_000),
  probeTimeoutMs: z.number().int().positive().default(1000),
  breakerFailures: z.number().int().positive().default(3),
  breakerCooldownMs: z.number().int().positive().default(5000),
  failbackAfterMs: z.number().int().nonnegative().default(30_000),
  retryBaseMs: z.number().int().positive().default(200),
  retryCapMs: z.number().int().positive().default(30_000),
  /** How often the engine asks for acked-but-unreplicated rows' status when idle. */
  idlePollMs: z.number().int().positive().default(5000),
  /**
   * An idle register whose status reads keep saying the same asks less often: the interval doubles
   * from idlePollMs up to this. A sale, or an answer that changed, brings it back to idlePollMs.
   */
  idlePollMaxMs: z.number().int().positive().default(60_000),
});
export type SyncSettings = z.infer<typeof SyncSettingsSchema>;

export const AgentConfigSchema = z.object({
  storeId: z.string().min(1, "storeId is required").max(64),
  registerId: z.string().min(1, "registerId is required").max(64),
  dataDir: z.string().min(1, "dataDir is required: the directory holding the outbox database"),
  port: z.number().int().min(0).max(65535).default(7420),
  /** Loopback only; the request guard (src/api/request-guard.ts) keeps web pages out. */
  host: z.enum(["127.0.0.1", "::1", "localhost"]).default("127.0.0.1"),
  regions: z.array(RegionSchema).default([]),
  storeToken: z.string().default(""),
  bodyLimitBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  offlineCardLimits: z.record(z.string(), LimitSchema).default(DEFAULT_OFFLINE_CARD_LIMITS),
  /** Override codes are retired: a config that still has them is told how to move to managers. */
  overrideCodes: z
    .never({
      error:
        "overrideCodes are no longer supported: configure managers instead, each { id, name, pinHash }, and remove overrideCodes. Make a pinHash with `tenderline-agent hash-pin` (it reads the PIN from standard input); see the README's Security section",
    })
    .optional(),
  /** Who may approve overrides and manager actions on this register; PINs are kept as scrypt hashes only. */
  managers: z
    .array(ManagerSchema)
    .default([])
    .refine((ms) => new Set(ms.map((m) => m.id)).size === ms.length, "manager ids must be unique"),
  managerAuth: ManagerAuthSchema.default(ManagerAuthSchema.parse({})),
  /** The retailer's gift card number range: numbers starting so are gift cards, never taken for payment cards. */
  giftCardPrefixes: z.array(z.string().regex(/^\d{1,10}$/, "a gift card prefix is 1 to 10 digits")).default([]),
  /** Host names besides the loopback ones (127.0.0.1, localhost, [::1]) this agent answers to, e.g. a store's own name for it. */
  allowedHosts: z
    .array(
      z.string().regex(/^[a-z0-9.-]+$|^\[[0-9a-f:]+\]$/i, "an allowed host is a bare host name such as register-01.store.local"),
    )
    .default([]),
  returnsWindowDays: z.number().int().positive().default(90),
  /**
   * The regions' public key for gift card and store credit numbers (SPKI PEM, from the region
   * operator; not a secret). Without it the register cannot seal a number, so gift card and sealed
   * store credit tenders are refused, and store credit is issued without a number.
   */
  storedValueSealKey: z
    .string()
    .regex(PUBLIC_KEY_PEM, "storedValueSealKey must be the regions' public key as SPKI PEM (-----BEGIN PUBLIC KEY----- …)")
    .optional(),
  /** Caps on gift card and store credit redemptions taken while no region answers (per currency; "*" for the rest). */
  offlineStoredValueLimits: z.record(z.string(), StoredValueLimitSchema).default(DEFAULT_OFFLINE_STORED_VALUE_LIMITS),
  /** How long a redemption waits for a region's hold (or an inquiry for its balance) before it counts as offline. */
  storedValueTimeoutMs: z.number().int().positive().max(30_000).default(1500),
  /** The first digits of the store credit numbers this register issues (the rest of the 16 are random). */
  storeCreditPrefix: z
    .string()
    .regex(/^\d{1,6}$/, "storeCreditPrefix is 1 to 6 digits")
    .default("9"),
  /** Days a store credit this register issues can be spent (the retailer's rule; absent: it never expires). */
  storeCreditExpiryDays: z.number().int().positive("storeCreditExpiryDays must be at least 1").max(3650).optional(),
  /**
   * How long a return waits for the cloud to find an original that is not on this register (and to
   * reserve or release it) before it goes ahead as offline: unverified, store credit only, capped.
   */
  returnLookupTimeoutMs: z.number().int().positive().max(30_000).default(1500),
  /** Caps on unverified returns (no region could verify the original), in minor units of the store's currency; above them a manager approves. */
  unverifiedReturnLimit: UnverifiedReturnLimitSchema.default(UnverifiedReturnLimitSchema.parse({})),
  /** Outbox rows the cloud reports replicated are deleted after this many hours. */
  replicatedRetentionHours: z
    .number()
    .positive()
    .default(24 * 7),
  /** Start even when the data directory belongs to another register and holds unsynced events (they are archived, never deleted). */
  replaceUnsynced: z.boolean().default(false),
  logFile: z.string().optional(),
  /** Checkpoint the WAL from a worker thread instead of on the request path. */
  backgroundCheckpoint: z.boolean().default(true),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  sync: SyncSettingsSchema.default(SyncSettingsSchema.parse({})),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type AgentConfigInput = z.input<typeof AgentConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("; ");
}

/** Validates a config object; the error names every field to fix. */
export function parseConfig(input: unknown): AgentConfig {
  const result = AgentConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(`invalid agent config: ${describe(result.error)}`);
  return result.data;
}

const ENV_OVERRIDES: Array<[string, string, "string" | "int" | "json" | "bool"]> = [
  ["TENDERLINE_STORE_ID", "storeId", "string"],
  ["TENDERLINE_REGISTER_ID", "registerId", "string"],
  ["TENDERLINE_DATA_DIR", "dataDir", "string"],
  ["TENDERLINE_PORT", "port", "int"],
  ["TENDERLINE_STORE_TOKEN", "storeToken", "string"],
  ["TENDERLINE_REGIONS", "regions", "json"],
  ["TENDERLINE_LOG_FILE", "logFile", "string"],
  ["TENDERLINE_LOG_LEVEL", "logLevel", "string"],
  ["TENDERLINE_REPLACE_UNSYNCED", "replaceUnsynced", "bool"],
];

/** Environment variables override the file, so one file can serve a fleet. */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out = { ...raw };
  for (const [name, field, kind] of ENV_OVERRIDES) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    if (kind === "string") out[field] = value;
    else if (kind === "bool") out[field] = value === "1" || value.toLowerCase() === "true";
    else if (kind === "int") {
      if (!/^\d+$/.test(value)) throw new ConfigError(`invalid agent config: ${name} (${field}) must be a whole number`);
      out[field] = Number(value);
    } else {
      try {
        out[field] = JSON.parse(value);
      } catch (error) {
        throw new ConfigError(`invalid agent config: ${name} (${field}) must be JSON: ${(error as Error).message}`);
      }
    }
  }
  return out;
}

/**
 * Why the text is not JSON, without the text: V8 quotes a piece of it in some messages
 * (`Unexpected token 'x', ..."storeToken": tl_s"... is not valid JSON`), and that piece may be the credential.
 */
function jsonSyntaxReason(error: SyntaxError): string {
  if (/ is not valid JSON$/.test(error.message)) {
    return "unexpected character (check quotes and commas; the text is not repeated here as it may hold the credential)";
  }
  return error.message;
}

/** Reads the JSON file, applies the environment, validates. Relative dataDir and logFile are relative to the file. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? jsonSyntaxReason(error) : (error as Error).message;
    throw new ConfigError(`config file ${file} is not valid JSON: ${reason}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(`config file ${file} must hold a JSON object`);
  }
  const config = parseConfig(applyEnvOverrides(raw as Record<string, unknown>, env));
  const base = resolve(file, "..");
  return {
    ...config,
    dataDir: resolve(base, config.dataDir),
    ...(config.logFile ? { logFile: resolve(base, config.logFile) } : {}),
  };
}

export function offlineCardLimit(config: Pick<AgentConfig, "offlineCardLimits">, currency: string): OfflineCardLimit {
  return (
    config.offlineCardLimits[currency] ??
    config.offlineCardLimits["*"] ??
    DEFAULT_OFFLINE_CARD_LIMITS[currency] ??
    (DEFAULT_OFFLINE_CARD_LIMITS["*"] as OfflineCardLimit)
  );
}

export function offlineStoredValueLimit(
  config: Pick<AgentConfig, "offlineStoredValueLimits">,
  currency: string,
): OfflineStoredValueLimit {
  return (
    config.offlineStoredValueLimits[currency] ??
    config.offlineStoredValueLimits["*"] ??
    DEFAULT_OFFLINE_STORED_VALUE_LIMITS[currency] ??
    (DEFAULT_OFFLINE_STORED_VALUE_LIMITS["*"] as OfflineStoredValueLimit)
  );
}
