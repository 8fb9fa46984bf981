import type { z } from "zod";
import { type ExchangeRecorded, ExchangeRecordedSchema } from "./agent-exchanges.ts";
import { type QueueStatus, QueueStatusSchema } from "./agent-queue.ts";
import type { ExchangeRequest, ReturnRequest, SaleRequest } from "./agent-requests.ts";
import { type ReturnRecorded, ReturnRecordedSchema } from "./agent-returns.ts";
import { type SaleRecorded, SaleRecordedSchema } from "./agent-sales.ts";
import { type ReceiptView, ReceiptViewSchema } from "./agent-transactions.ts";
import { ErrorBodySchema } from "./error-body.ts";
import { type ExchangeAnswer, ExchangeFailure, exchange } from "./http-exchange.ts";

/**
 * How a call to the register's agent failed:
 * - `unreachable`: no answer at all (the agent is not running, or listens elsewhere);
 * - `timeout`: no whole answer in time, or the caller's signal called it off;
 * - `http`: the agent refused (`code` and `message` from its error body: pan_detected, tenders_short …);
 * - `bad_answer`: a success status with a body that is not what the contract says.
 */
export type AgentApiErrorKind = "unreachable" | "timeout" | "http" | "bad_answer";

/** The one error of AgentClient: every failed call throws this. */
export class AgentApiError extends Error {
  constructor(
    readonly kind: AgentApiErrorKind,
    readonly method: string,
    readonly url: string,
    /** The agent's message (for the cashier), else why there was no usable answer. */
    readonly detail: string,
    readonly status?: number,
    /** The agent's `error` code (ErrorBodySchema), when it sent one. */
    readonly code?: string,
  ) {
    super(`agent ${method} ${url}${status === undefined ? "" : ` answered ${status}`}: ${code ? `${code}: ` : ""}${detail}`);
    this.name = "AgentApiError";
  }
}

export interface AgentCallOptions {
  /** Sent as Idempotency-Key: a retry with the same key and body gets the first answer, and records nothing twice. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** The answer to a recording call: the body, and whether it replays a first answer (same Idempotency-Key). */
export interface Recorded<T> {
  body: T;
  replayed: boolean;
}

/**
 * The register agent's API (docs/ARCHITECTURE.md, `GET /openapi.json`) for register software:
 * one HTTP exchange per call (http-exchange.ts), every answer checked against its shared schema, every failure an AgentApiError.
 */
export class AgentClient {
  private readonly timeoutMs: number;

  constructor(
    /** e.g. http://127.0.0.1:7420 */
    readonly baseUrl: string,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** POST /api/v1/sales. */
  recordSale(sale: SaleRequest, options: AgentCallOptions = {}): Promise<Recorded<SaleRecorded>> {
    return this.call("POST", "/api/v1/sales", SaleRecordedSchema, options, sale);
  }

  /** POST /api/v1/returns. */
  recordReturn(request: ReturnRequest, options: AgentCallOptions = {}): Promise<Recorded<ReturnRecorded>> {
    return this.call("POST", "/api/v1/returns", ReturnRecordedSchema, options, request);
  }

  /** POST /api/v1/exchanges. */
  recordExchange(request: ExchangeRequest, options: AgentCallOptions = {}): Promise<Recorded<ExchangeRecorded>> {
    return this.call("POST", "/api/v1/exchanges", ExchangeRecordedSchema, options, request);
  }

  /** GET /api/v1/queue. */
  async queue(options: AgentCallOptions = {}): Promise<QueueStatus> {
    return (await this.call("GET", "/api/v1/queue", QueueStatusSchema, options)).body;
  }

  /** GET /api/v1/transactions/:id; null when this register holds no such transaction (404). */
  async transaction(id: string, options: AgentCallOptions = {}): Promise<ReceiptView | null> {
    try {
      return (await this.call("GET", `/api/v1/transactions/${encodeURIComponent(id)}`, ReceiptViewSchema, options)).body;
    } catch (error) {
      if (error instanceof AgentApiError && error.status === 404 && error.code === "transaction_not_found") return null;
      throw error;
    }
  }

  private async call<T extends z.ZodType>(
    method: "GET" | "POST",
    path: string,
    schema: T,
    options: AgentCallOptions,
    body?: unknown,
  ): Promise<Recorded<z.infer<T>>> {
    const url = new URL(path, this.baseUrl).toString();
    let status: number;
    let text: string;
    let replayed: boolean;
    try {
      let headers: ExchangeAnswer["headers"];
      ({ status, text, headers } = await exchange({
        method,
        url,
        headers: {
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: this.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      }));
      replayed = headers["idempotent-replayed"] === "true";
    } catch (error) {
      if (!(error instanceof ExchangeFailure)) throw error;
      const kind = error.kind === "timed_out" || error.kind === "called_off" ? "timeout" : "unreachable";
      throw new AgentApiError(kind, method, url, error.detail);
    }
    const ok = status >= 200 && status < 300;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      const kind = ok ? "bad_answer" : "http";
      throw new AgentApiError(kind, method, url, `not JSON: ${text.slice(0, 200) || "(empty body)"}`, status);
    }
    if (!ok) {
      const refusal = ErrorBodySchema.safeParse(json);
      if (refusal.success) throw new AgentApiError("http", method, url, refusal.data.message, status, refusal.data.error);
      throw new AgentApiError("http", method, url, text.slice(0, 200), status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(body)";
      throw new AgentApiError("bad_answer", method, url, `${where}: ${issue?.message ?? "invalid"}`, status);
    }
    return { body: parsed.data, replayed };
  }
}
