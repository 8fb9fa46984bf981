import { z } from "zod";

/** A region as the manager sees it, from the sync engine when it reports one, else from the screens' probe. */
export interface RegionRow {
  name: string;
  state: string;
  healthy: boolean;
  lastError: string | null;
  latencyMs: number | null;
}

export interface SyncSummary {
  regions: RegionRow[] | null;
  offlineSince: string | null | undefined;
  drainRatePerSec: number | null | undefined;
  /** A state worth a banner of its own, e.g. "credentials rejected" or "paused". */
  alert: string | null;
}

const time = z.union([z.string(), z.number()]).nullable().optional();

const RegionSchema = z.looseObject({
  name: z.string(),
  state: z.string().optional(),
  healthy: z.boolean().optional(),
  lastError: z.string().nullable().optional(),
  latencyMs: z.number().nullable().optional(),
});

const SyncSchema = z.looseObject({
  state: z.string().optional(),
  regions: z.array(RegionSchema).optional(),
  offlineSince: time,
  throughput: z
    .union([z.number(), z.looseObject({ eventsPerSec: z.number().optional() })])
    .nullable()
    .optional(),
  drainRatePerSec: z.number().nullable().optional(),
  credentialsRejected: z.boolean().optional(),
  paused: z.boolean().optional(),
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
  if (!parsed.success) return { regions: null, offlineSince: undefined, drainRatePerSec: undefined, alert: null };
  const s = parsed.data;
  const regions =
    s.regions?.map((r) => {
      const state = r.state ?? (r.healthy === false ? "unhealthy" : "healthy");
      return {
        name: r.name,
        state,
        healthy: r.healthy ?? HEALTHY.has(state.toLowerCase()),
        lastError: r.lastError ?? null,
        latencyMs: r.latencyMs ?? null,
      };
    }) ?? null;
  const throughput = typeof s.throughput === "number" ? s.throughput : s.throughput?.eventsPerSec;
  const stateText = s.state?.toLowerCase() ?? "";
  const alert =
    s.credentialsRejected || stateText.includes("credential")
      ? "credentials rejected: the cloud refused this store's token; nothing is lost, sync resumes when it is fixed"
      : s.paused || stateText === "paused"
        ? "sync is paused"
        : null;
  return { regions, offlineSince: iso(s.offlineSince), drainRatePerSec: s.drainRatePerSec ?? throughput, alert };
}
