import { z } from "zod";

/**
 * The shape of bench-results/results.json (written by scripts/bench.ts) as far as bench-summary.ts
 * reads it. Fields the summary does not read pass through; a benchmark that did not run (or wrote
 * only a note) leaves its figures out, which the optional fields allow.
 */
const Run = z.object({ perSecond: z.number(), p50Ms: z.number(), p99Ms: z.number() });

const RecordFigures = z.object({
  rawInsert: Run,
  core: Run,
  http: Run,
  ratios: z.object({ coreVsRaw: z.number(), httpVsRaw: z.number() }),
  targets: z.object({
    coreP99Under1ms: z.boolean().optional(),
    coreAtLeast60PctOfRaw: z.boolean().optional(),
    httpAtLeast2000PerSecond: z.boolean().optional(),
  }),
});

const SyncFigures = z.object({
  regionDirectIngest: z.object({ eventsPerSec: z.number() }),
  engineDrain: z.object({ eventsPerSec: z.number() }),
  drainVsDirect: z.number(),
  steady: z.object({ recordToAckP50Ms: z.number(), recordToAckP95Ms: z.number() }),
  targets: z.object({
    drainAtLeast50PctOfDirect: z.boolean().optional(),
    recordToAckP95Under250ms: z.boolean().optional(),
  }),
});

const IngestFigures = z.object({
  endToEnd: z.object({ eventsPerSecond: z.number() }),
  replay: z.object({ eventsPerSecond: z.number() }),
  rawInsert: z.object({ eventsPerSecond: z.number() }),
  endToEndVsRaw: z.number(),
  replayVsFirstPass: z.number(),
  memory: z
    .object({ events: z.number(), samples: z.array(z.object({ rssMiB: z.number() })), growthFrom100k: z.number() })
    .optional(),
  /** PostgreSQL: several instances of one region on one database. */
  wholeRegion: z
    .object({
      instances: z.number(),
      endToEnd: z.object({ eventsPerSecond: z.number() }),
      rawInsert: z.object({ eventsPerSecond: z.number() }),
      endToEndVsRaw: z.number(),
    })
    .optional(),
});

const FleetMemory = z.object({ perRegisterMiB: z.number(), marginalPerRegisterMiB: z.number() });
const FleetFigures = z.object({
  registers: z.number(),
  idle: FleetMemory,
  afterSales: FleetMemory,
  budgetMiBPerRegister: z.number(),
  projectedDrillRssGiB: z.number(),
});

const LogFigures = z.object({
  appendsBesideReader: z.object({
    appendsAloneEventsPerSec: z.number(),
    appendsWithReaderEventsPerSec: z.number(),
    ratioWithReader: z.number(),
    ratioWithExclusiveLockReader: z.number(),
  }),
  digest: z.object({ events: z.number(), registers: z.number(), keptDigestMs: z.number(), logScanDigestMs: z.number() }),
});

export const FiguresSchema = z.object({
  ranAt: z.string(),
  machine: z.object({
    cpu: z.string(),
    cores: z.number(),
    memoryGiB: z.number(),
    os: z.string(),
    node: z.string(),
    loadAverage1m: z.object({ before: z.number(), after: z.number() }).optional(),
  }),
  results: z.object({
    "edge-agent": z
      .object({ record: RecordFigures.optional(), sync: SyncFigures.optional(), fleet: FleetFigures.optional() })
      .optional(),
    "cloud-sync": z.object({ backends: z.record(z.string(), IngestFigures).optional(), log: LogFigures.optional() }).optional(),
  }),
});
export type Figures = z.infer<typeof FiguresSchema>;

/** A results file that is not JSON or lacks a figure the summary prints, named by file and field. */
export class BenchFiguresError extends Error {
  override name = "BenchFiguresError";
}

/** Parses the text of a results file, or throws a BenchFiguresError naming the file and the first bad field. */
export function parseFigures(text: string, file: string): Figures {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BenchFiguresError(`${file}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = FiguresSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join(".") || "the top level";
  throw new BenchFiguresError(`${file}: ${field}: ${issue?.message ?? "invalid"}`);
}
