import { containsPan, type ErrorBody, fail, findPanFields, formatPath, ServiceError } from "@tenderline/shared";
import { type Context, Hono } from "hono";
import type { Logger } from "pino";
import type { z } from "zod";
import { BehaviourTable } from "./behaviour-table.ts";
import { resolveLookup } from "./resolve-lookup.ts";
import { SettlementBook, SettlementConflictError } from "./settlement-book.ts";
import {
  BehaviourSchema,
  LookupRequestSchema,
  type LookupResponse,
  SeedBatchSchema,
  SettlementRecordSchema,
} from "./settlement-wire.ts";

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface SimulatorOptions {
  /** The settlement records; an empty in-memory book by default. */
  book?: SettlementBook;
  /** Unknown terminalTxnIds are approved for the expected amount, with deterministic codes. */
  autoApprove?: boolean;
  /** How `delayMs` waits; tests inject their own to observe delays without timing anything. */
  sleep?: Sleep;
  logger?: Logger;
}

export interface SimulatorStats {
  lookupRequests: number;
  /** Lookup requests currently held open by a `hang` behaviour. */
  hanging: number;
}

export interface Simulator {
  app: Hono;
  book: SettlementBook;
  behaviours: BehaviourTable;
  stats: SimulatorStats;
  /** Ends every hanging request with a 503 (for shutdown). */
  releaseHangs(): void;
}

/** Waits `ms`, or less if the client goes away (then nobody is listening for the answer). */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/** Reads a JSON body: 400 if it is not JSON, 422 if it holds a card number anywhere. */
async function readJson(c: Context): Promise<unknown> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (err) {
    fail(400, "invalid_json", `the request body must be JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  checkNoPan(body);
  return body;
}

/** 400 naming every field to fix if `body` fails the schema. */
function validate<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) throw ServiceError.invalid(result.error);
  return result.data;
}

async function parseBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  return validate(schema, await readJson(c));
}

function checkNoPan(value: unknown): void {
  const fields = findPanFields(value).map(formatPath);
  if (fields.length > 0) {
    fail(
      422,
      "pan_detected",
      `a full card number was found in ${fields.join(", ")}; send the card token and last four digits only`,
      {
        details: { fields },
      },
    );
  }
}

function txnIdParam(c: Context): string {
  const id = c.req.param("terminalTxnId") ?? "";
  if (containsPan(id)) fail(422, "pan_detected", "the terminalTxnId in the path looks like a card number");
  if (id.length === 0 || id.length > 64) fail(400, "invalid_request", "terminalTxnId must be 1 to 64 characters");
  return id;
}

/** The payment-processor simulator's HTTP API (see cloud-sync/README.md, "Processor simulator"). */
export function createSimulatorApp(options: SimulatorOptions = {}): Simulator {
  const book = options.book ?? new SettlementBook();
  const behaviours = new BehaviourTable();
  const autoApprove = options.autoApprove ?? false;
  const sleep = options.sleep ?? abortableSleep;
  const log = options.logger;
  const stats: SimulatorStats = { lookupRequests: 0, hanging: 0 };
  let releaseController = new AbortController();
  const releaseHangs = (): void => {
    releaseController.abort();
    // Later hangs wait for the next release.
    releaseController = new AbortController();
  };

  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof ServiceError) return c.json(err.toBody(), err.status);
    log?.error({ err }, "unexpected error");
    return c.json({ error: "internal", message: "the simulator failed unexpectedly; see its log" } satisfies ErrorBody, 500);
  });

  app.notFound((c) => c.json({ error: "not_found", message: `no route ${c.req.method} ${c.req.path}` } satisfies ErrorBody, 404));

  app.get("/v1/health", (c) =>
    c.json({ status: "ok", service: "processor-simulator", autoApprove, records: book.size, ...stats }),
  );

  app.post("/v1/settlements", async (c) => {
    const body = await readJson(c);
    // Either { records: [...] } or one record; choosing here keeps the 400 message about the right shape.
    const records =
      typeof body === "object" && body !== null && "records" in body
        ? validate(SeedBatchSchema, body).records
        : [validate(SettlementRecordSchema, body)];
    try {
      const outcomes = book.putAll(records);
      const created = outcomes.some((o) => o === "created");
      return c.json(
        { results: records.map((r, i) => ({ terminalTxnId: r.terminalTxnId, status: outcomes[i] })) },
        created ? 201 : 200,
      );
    } catch (err) {
      if (err instanceof SettlementConflictError) {
        fail(409, err.code, err.message, { details: { terminalTxnId: err.terminalTxnId } });
      }
      throw err;
    }
  });

  app.get("/v1/settlements/:terminalTxnId", (c) => {
    const id = txnIdParam(c);
    const record = book.get(id);
    if (record === undefined) fail(404, "settlement_not_found", `no settlement for terminalTxnId ${id}`);
    return c.json(record);
  });

  app.post("/v1/settlements/lookup", async (c) => {
    const { tenders } = await parseBody(c, LookupRequestSchema);
    stats.lookupRequests++;
    const signal = c.req.raw.signal;
    const applied = tenders.map((t) => ({ tender: t, behaviour: behaviours.take(t.terminalTxnId) }));
    const delayMs = Math.max(...applied.map((a) => a.behaviour.delayMs));
    if (delayMs > 0) await sleep(delayMs, signal);

    if (applied.some((a) => a.behaviour.respond === "hang")) {
      stats.hanging++;
      try {
        await waitForAbort(signal, releaseController.signal);
      } finally {
        stats.hanging--;
      }
      fail(503, "released", "the simulator released a hanging lookup (shutting down or reset)");
    }
    if (applied.some((a) => a.behaviour.respond === "unavailable")) {
      fail(503, "unavailable", "the processor is unavailable (simulated); retry later");
    }
    const body: LookupResponse = {
      results: applied.map((a) => resolveLookup(a.tender, a.behaviour, book, autoApprove)),
    };
    log?.info({ tenders: tenders.length, outcomes: body.results.map((r) => r.outcome) }, "lookup");
    return c.json(body);
  });

  app.get("/v1/behaviour", (c) => c.json(behaviours.snapshot()));

  app.put("/v1/behaviour", async (c) => {
    const b = await parseBody(c, BehaviourSchema);
    behaviours.setDefault(b);
    return c.json({ default: b });
  });

  app.delete("/v1/behaviour", (c) => {
    behaviours.reset();
    releaseHangs();
    return c.json(behaviours.snapshot());
  });

  app.put("/v1/behaviour/:terminalTxnId", async (c) => {
    const id = txnIdParam(c);
    const b = await parseBody(c, BehaviourSchema);
    behaviours.set(id, b);
    return c.json({ terminalTxnId: id, behaviour: b });
  });

  app.delete("/v1/behaviour/:terminalTxnId", (c) => {
    const id = txnIdParam(c);
    if (!behaviours.remove(id)) fail(404, "behaviour_not_found", `no behaviour set for terminalTxnId ${id}`);
    return c.body(null, 204);
  });

  return {
    app,
    book,
    behaviours,
    stats,
    releaseHangs,
  };
}

function waitForAbort(...signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    const any = AbortSignal.any(signals);
    if (any.aborted) return resolve();
    any.addEventListener("abort", () => resolve(), { once: true });
  });
}
