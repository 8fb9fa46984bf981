import { z } from "zod";

/** A region as the manager sees it, from the sync engine when it reports one, else from the screens' probe. */
export interface RegionRow {
  name: string;
  state: string;
  healthy: boolean;
  active: boolean;
  lastError: string | null;
  latencyMs: number | null;
}

export interface SyncSummary {
  /** The engine's own word: syncing, idle, offline, paused, credentials rejected; null without an engine. */
  state: string | null;
  regions: RegionRow[] | null;
  offlineSince: string | null | undefined;
  drainRatePerSec: number | null | undefined;
  /** A state worth a banner of its own, e.g. "credentials rejected" or "paused". */
  alert: string | null;
  /** Recent conflicts and dead letters the engine raised. */
  alerts: Array<{ at: string; kind: string; seq: number; reason: string }>;
}

const time = z.union([z.string(), z.number()]).nullable().optional();

const RegionSchema = z.looseObject({
  name: z.string(),
  state: z.string().optional(),
  healthy: z.boolean().optional(),
  active: z.boolean().optional(),
  lastError: z.string().nullable().optional(),
  latencyMs: z.number().nullable().optional(),
});

/** Loose on purpose: the engine may add fields, and an older engine may lack some. */
const SyncSchema = z.looseObject({
  state: z.string().optional(),
  regions: z.array(RegionSchema).optional(),
  offlineSince: time,
  throughput: z
    .union([z.number(), z.looseObject({ eventsPerSec: z.number().optional() })])
    .nullable()
    .optional(),
  credentialsRejected: z.boolean().optional(),
  credentialsRefusedBy: z.array(z.string()).optional().catch([]),
  paused: z.boolean().optional(),
  alerts: z
    .array(z.looseObject({ at: z.string(), kind: z.string(), seq: z.number(), reason: z.string() }))
    .optional()
    .catch([]),
});

const HEALTHY = new Set(["healthy", "closed", "ok", "online", "active"]);

function iso(value: string | number | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  return typeof value === "number" ? new Date(value).toISOString() : value;
}

/**
 * Reads the sync engine's part of GET /api/v1/queue (`sync`), tolerating fields it does not have:
 * the screens show what the engine reports and fall back to their own probes for the rest.
 */
export function summarizeSync(sync: unknown): SyncSummary {
  const parsed = SyncSchema.safeParse(sync);
  if (!parsed.success || sync === null) {
    return { state: null, regions: null, offlineSince: undefined, drainRatePerSec: undefined, alert: null, alerts: [] };
  }
  const s = parsed.data;
  const regions =
    s.regions?.map((r) => {
      const state = r.state ?? (r.healthy === false ? "unhealthy" : "healthy");
      return {
        name: r.name,
        state,
        healthy: r.healthy ?? HEALTHY.has(state.toLowerCase()),
        active: r.active ?? false,
        lastError: r.lastError ?? null,
        latencyMs: r.latencyMs ?? null,
      };
    }) ?? null;
  const throughput = typeof s.throughput === "number" ? s.throughput : s.throughput?.eventsPerSec;
  const stateText = s.state?.toLowerCase() ?? "";
  const alert =
    s.credentialsRejected || stateText.includes("credential")
      ? credentialAlert(s.credentialsRefusedBy ?? [])
      : s.paused || stateText === "paused"
        ? "Sync is paused."
        : null;
  return {
    state: s.state ?? null,
    regions,
    offlineSince: iso(s.offlineSince),
    drainRatePerSec: throughput,
    alert,
    alerts: (s.alerts ?? []).map((a) => ({ at: a.at, kind: a.kind, seq: a.seq, reason: a.reason })),
  };
}

/** What the manager reads when the cloud refuses the register's credential: which regions, and what to do. */
export function credentialAlert(regions: readonly string[]): string {
  const which = regions.length === 0 ? "the cloud" : `region${regions.length === 1 ? "" : "s"} ${regions.join(" and ")}`;
  return `This register's credential was refused by ${which}. The register keeps recording and nothing is lost. Ask support for a new credential for this register and put it in the register's config (storeToken): the agent picks it up within seconds, no restart needed.`;
}
