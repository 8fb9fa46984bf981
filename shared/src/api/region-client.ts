import type { z } from "zod";
import {
  type CredentialChanges,
  CredentialChangesSchema,
  type CredentialList,
  CredentialListSchema,
  type IssueCredentialRequest,
  type IssuedCredential,
  IssuedCredentialSchema,
  type RevokedCredential,
  RevokedCredentialSchema,
  type RotatedCredential,
  RotatedCredentialSchema,
  type StoreRevocation,
  StoreRevocationSchema,
} from "../credentials/credential-wire.ts";
import { ErrorBodySchema } from "./error-body.ts";
import { ExchangeFailure, exchange } from "./http-exchange.ts";
import { type JobsResponse, JobsResponseSchema, type ReplicateResponse, ReplicateResponseSchema } from "./region-admin.ts";
import { type BatchResponse, BatchResponseSchema, type RegisterStatus, RegisterStatusSchema } from "./region-api.ts";
import { type DigestResponse, DigestSchema } from "./region-digest.ts";
import { type ExceptionList, ExceptionListSchema } from "./region-exceptions.ts";
import { type FeedItem, type FeedResponse, FeedResponseSchema } from "./region-feed.ts";
import { type HealthResponse, HealthResponseSchema, type OperatorHealth, OperatorHealthSchema } from "./region-health.ts";
import {
  type Reservation,
  type ReservationRequest,
  ReservationSchema,
  type ReturnOriginal,
  ReturnOriginalSchema,
  type UnverifiedReturnList,
  UnverifiedReturnListSchema,
} from "./region-returns.ts";
import {
  type StoredValueAccount,
  StoredValueAccountSchema,
  type StoredValueBalance,
  StoredValueBalanceSchema,
  type StoredValueBalances,
  StoredValueBalancesSchema,
  type StoredValueHold,
  type StoredValueHoldRequest,
  StoredValueHoldSchema,
  type StoredValueInquiry,
} from "./region-stored-value.ts";
import { type LogPage, LogPageSchema } from "./replication-log.ts";

/**
 * How a call to a region failed:
 * - `unreachable`: no answer at all (refused, reset, DNS …);
 * - `timeout`: no (whole) answer in time, or the caller's signal called it off;
 * - `http`: the region answered a refusal or failure status (its code and message are on the error);
 * - `bad_answer`: a success status with a body that is not what the contract says.
 */
export type RegionApiErrorKind = "unreachable" | "timeout" | "http" | "bad_answer";

export interface RegionApiErrorDetails {
  method: string;
  url: string;
  /** The HTTP status (absent when there was no answer). */
  status?: number;
  /** The region's `error` code from its error body (ErrorBodySchema), when it sent one. */
  code?: string;
  /** The region's `message`, else the start of whatever it answered, else why there was no answer. */
  detail: string;
  /** The error body's `details`, when it sent some. */
  facts?: Record<string, unknown>;
}

/** The one error of RegionClient: every failed call throws this, never anything else. */
export class RegionApiError extends Error {
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly detail: string;
  /** The refusal's facts (ErrorBody.details: the balance left, the units left …); empty when it gave none. */
  readonly facts: Record<string, unknown>;

  constructor(
    readonly kind: RegionApiErrorKind,
    details: RegionApiErrorDetails,
  ) {
    super(describe(kind, details));
    this.name = "RegionApiError";
    this.method = details.method;
    this.url = details.url;
    this.status = details.status;
    this.code = details.code;
    this.detail = details.detail;
    this.facts = details.facts ?? {};
  }

  /** The region refused the credential (401) or what it may do (403). */
  get refused(): boolean {
    return this.kind === "http" && (this.status === 401 || this.status === 403);
  }
}

function describe(kind: RegionApiErrorKind, d: RegionApiErrorDetails): string {
  const where = `region ${d.method} ${d.url}`;
  switch (kind) {
    case "unreachable":
      return `${where} is unreachable: ${d.detail}`;
    case "timeout":
      return `${where}: ${d.detail}`;
    case "http":
      return `${where} answered ${d.status}: ${d.code ? `${d.code}: ` : ""}${d.detail}`;
    case "bad_answer":
      return `${where} answered ${d.status} with an unexpected body: ${d.detail}`;
  }
}

function issuesOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(body)"}: ${i.message}`)
    .join("; ");
}

export interface RegionClientOptions {
  /** Each call's limit, from sending to the last byte of the answer (default 15 s). */
  timeoutMs?: number;
}

export interface RegionCallOptions {
  /** Calls the request off (it fails with kind `timeout`). */
  signal?: AbortSignal;
  /** This call's limit instead of the client's. */
  timeoutMs?: number;
}

export interface ExceptionQuery {
  state?: string;
  kind?: string;
  storeId?: string;
  minAgeSeconds?: number;
  maxAgeSeconds?: number;
  limit?: number;
}

export interface CredentialListFilter {
  storeId?: string;
  registerId?: string;
  kind?: string;
  all?: boolean;
}

interface Answer {
  status: number;
  text: string;
  method: string;
  url: string;
}

/**
 * The region API (docs/ARCHITECTURE.md) as one typed client: every answer is checked against its
 * shared schema, and every failure is a RegionApiError. The credential may be a getter: it is read
 * when a call starts, so a credential replaced while running takes effect from the next call.
 */
export class RegionClient {
  private readonly credential: () => string;
  private readonly timeoutMs: number;

  constructor(
    readonly baseUrl: string,
    credential: string | (() => string),
    options: RegionClientOptions = {},
  ) {
    this.credential = typeof credential === "function" ? credential : () => credential;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  private async send(
    method: string,
    path: string,
    body: string | undefined,
    options: RegionCallOptions,
    query?: Record<string, string | number | boolean | undefined>,
  ): Promise<Answer> {
    const target = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) target.searchParams.set(key, String(value));
    }
    const url = target.toString();
    try {
      const answer = await exchange({
        method,
        url,
        headers: {
          authorization: `Bearer ${this.credential()}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body }),
        timeoutMs: options.timeoutMs ?? this.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { ...answer, method, url };
    } catch (error) {
      if (!(error instanceof ExchangeFailure)) throw error;
      if (error.kind === "unreachable") throw new RegionApiError("unreachable", { method, url, detail: error.detail });
      if (error.kind === "cut_off") {
        throw new RegionApiError("bad_answer", {
          method,
          url,
          ...(error.status === undefined ? {} : { status: error.status }),
          detail: error.detail,
        });
      }
      throw new RegionApiError("timeout", { method, url, detail: error.detail });
    }
  }

  private refusal(answer: Answer): RegionApiError {
    let code: string | undefined;
    let facts: Record<string, unknown> | undefined;
    let detail = answer.text.slice(0, 300);
    try {
      const parsed = ErrorBodySchema.safeParse(JSON.parse(answer.text));
      if (parsed.success) {
        code = parsed.data.error;
        detail = parsed.data.message;
        facts = parsed.data.details;
      }
    } catch (error) {
      // Not JSON (a proxy's page, say): the start of the text is the best description there is.
      void error;
    }
    return new RegionApiError("http", {
      method: answer.method,
      url: answer.url,
      status: answer.status,
      ...(code === undefined ? {} : { code }),
      ...(facts === undefined ? {} : { facts }),
      detail: detail || "(empty body)",
    });
  }

  private parse<T extends z.ZodType>(answer: Answer, schema: T): z.infer<T> {
    let json: unknown;
    try {
      json = JSON.parse(answer.text);
    } catch (error) {
      throw new RegionApiError("bad_answer", {
        method: answer.method,
        url: answer.url,
        status: answer.status,
        detail: `not JSON (${(error as Error).message})`,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new RegionApiError("bad_answer", {
        method: answer.method,
        url: answer.url,
        status: answer.status,
        detail: issuesOf(parsed.error),
      });
    }
    return parsed.data;
  }

  /** One call whose answer is `schema` on a 2xx (or one of `ok`) and a RegionApiError otherwise. */
  private async call<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T,
    options: RegionCallOptions,
    extra: { body?: unknown; raw?: string; query?: Record<string, string | number | boolean | undefined>; ok?: number[] } = {},
  ): Promise<z.infer<T>> {
    const body = extra.raw ?? (extra.body === undefined ? undefined : JSON.stringify(extra.body));
    const answer = await this.send(method, path, body, options, extra.query);
    const ok = extra.ok ? extra.ok.includes(answer.status) : answer.status >= 200 && answer.status < 300;
    if (!ok) throw this.refusal(answer);
    return this.parse(answer, schema);
  }

  /** POST /v1/events/batch. */
  sendBatch(
    batch: { storeId: string; registerId: string; events: readonly unknown[] },
    options: RegionCallOptions = {},
  ): Promise<BatchResponse> {
    return this.call("POST", "/v1/events/batch", BatchResponseSchema, options, { body: batch, ok: [200] });
  }

  /** POST /v1/events/batch with events already encoded (sent as they are: no re-encoding). */
  sendBatchBodies(
    storeId: string,
    registerId: string,
    bodies: readonly string[],
    options: RegionCallOptions = {},
  ): Promise<BatchResponse> {
    const raw = `{"storeId":${JSON.stringify(storeId)},"registerId":${JSON.stringify(registerId)},"events":[${bodies.join(",")}]}`;
    return this.call("POST", "/v1/events/batch", BatchResponseSchema, options, { raw, ok: [200] });
  }

  /** GET /v1/stores/:storeId/registers/:registerId; null for a register the region never heard from (404). */
  async registerStatus(storeId: string, registerId: string, options: RegionCallOptions = {}): Promise<RegisterStatus | null> {
    const path = `/v1/stores/${encodeURIComponent(storeId)}/registers/${encodeURIComponent(registerId)}`;
    const answer = await this.send("GET", path, undefined, options);
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw this.refusal(answer);
    return this.parse(answer, RegisterStatusSchema);
  }

  /** GET /v1/returns/originals/:ref (a receipt number or a transaction id); null when no region ledger holds it (404). */
  async returnOriginal(ref: string, options: RegionCallOptions = {}): Promise<ReturnOriginal | null> {
    const answer = await this.send("GET", `/v1/returns/originals/${encodeURIComponent(ref)}`, undefined, options);
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw this.refusal(answer);
    return this.parse(answer, ReturnOriginalSchema);
  }

  /** POST /v1/returns/reservations: 201 held, 200 held already; a 409 `already_returned` is a RegionApiError. */
  reserveReturn(request: ReservationRequest, options: RegionCallOptions = {}): Promise<Reservation> {
    return this.call("POST", "/v1/returns/reservations", ReservationSchema, options, { body: request, ok: [200, 201] });
  }

  /** DELETE /v1/returns/reservations/:returnEventId: the return was not recorded; releasing twice is fine. */
  async releaseReturn(returnEventId: string, options: RegionCallOptions = {}): Promise<void> {
    const answer = await this.send("DELETE", `/v1/returns/reservations/${encodeURIComponent(returnEventId)}`, undefined, options);
    if (answer.status !== 204 && answer.status !== 404) throw this.refusal(answer);
  }

  /** GET /v1/stores/:storeId/unverified-returns. */
  unverifiedReturns(
    storeId: string,
    query: { status?: "waiting" | "verified" | "mismatch" } = {},
    options: RegionCallOptions = {},
  ): Promise<UnverifiedReturnList> {
    return this.call("GET", `/v1/stores/${encodeURIComponent(storeId)}/unverified-returns`, UnverifiedReturnListSchema, options, {
      query,
    });
  }

  /** POST /v1/stored-value/inquiries: a balance by sealed number; null for a number never activated (404). */
  async storedValueInquiry(inquiry: StoredValueInquiry, options: RegionCallOptions = {}): Promise<StoredValueBalance | null> {
    const answer = await this.send("POST", "/v1/stored-value/inquiries", JSON.stringify(inquiry), options);
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw this.refusal(answer);
    return this.parse(answer, StoredValueBalanceSchema);
  }

  /** POST /v1/stored-value/holds: 201 held, 200 held already; 409 `insufficient_balance` and 404 `account_not_found` are RegionApiErrors. */
  holdStoredValue(request: StoredValueHoldRequest, options: RegionCallOptions = {}): Promise<StoredValueHold> {
    return this.call("POST", "/v1/stored-value/holds", StoredValueHoldSchema, options, { body: request, ok: [200, 201] });
  }

  /** DELETE /v1/stored-value/holds/:holdId: the sale was not recorded; releasing twice is fine. */
  async releaseStoredValue(holdId: string, options: RegionCallOptions = {}): Promise<void> {
    const answer = await this.send("DELETE", `/v1/stored-value/holds/${encodeURIComponent(holdId)}`, undefined, options);
    if (answer.status !== 204 && answer.status !== 404) throw this.refusal(answer);
  }

  /** GET /v1/stored-value/accounts/:token: the balance and every entry. */
  storedValueAccount(token: string, options: RegionCallOptions = {}): Promise<StoredValueAccount> {
    return this.call("GET", `/v1/stored-value/accounts/${encodeURIComponent(token)}`, StoredValueAccountSchema, options);
  }

  /** GET /v1/stored-value/balances: every account's balance, to compare regions. */
  storedValueBalances(options: RegionCallOptions = {}): Promise<StoredValueBalances> {
    return this.call("GET", "/v1/stored-value/balances", StoredValueBalancesSchema, options);
  }

  /** GET /v1/health as anyone sees it; a degraded region answers 503 with the same body. */
  health(options: RegionCallOptions = {}): Promise<HealthResponse> {
    return this.call("GET", "/v1/health", HealthResponseSchema, options, { ok: [200, 503] });
  }

  /** GET /v1/health with an admin or region credential: the operator's details. */
  operatorHealth(options: RegionCallOptions = {}): Promise<OperatorHealth> {
    return this.call("GET", "/v1/health", OperatorHealthSchema, options, { ok: [200, 503] });
  }

  /** GET /v1/feed: one page after a cursor. */
  feedPage(page: { after?: string; limit?: number } = {}, options: RegionCallOptions = {}): Promise<FeedResponse> {
    return this.call("GET", "/v1/feed", FeedResponseSchema, options, {
      query: { after: page.after ?? "0", limit: page.limit ?? 1000 },
    });
  }

  /** The whole feed from a cursor on, page by page, until a page brings nothing new. */
  async wholeFeed(from: { after?: string; limit?: number } = {}, options: RegionCallOptions = {}): Promise<FeedItem[]> {
    const items: FeedItem[] = [];
    let after = from.after ?? "0";
    for (;;) {
      const page = await this.feedPage({ after, limit: from.limit ?? 1000 }, options);
      items.push(...page.items);
      if (page.items.length === 0 || page.nextCursor === after) return items;
      after = page.nextCursor;
    }
  }

  /** GET /v1/digest. */
  digest(options: RegionCallOptions = {}): Promise<DigestResponse> {
    return this.call("GET", "/v1/digest", DigestSchema, options);
  }

  /** GET /v1/digest as the bytes the region sent (two converged regions send the same), checked against the contract. */
  async digestText(options: RegionCallOptions = {}): Promise<string> {
    const answer = await this.send("GET", "/v1/digest", undefined, options);
    if (answer.status !== 200) throw this.refusal(answer);
    this.parse(answer, DigestSchema);
    return answer.text;
  }

  /** GET /v1/exceptions (a store's or register's credential reads its own store's). */
  exceptions(query: ExceptionQuery = {}, options: RegionCallOptions = {}): Promise<ExceptionList> {
    return this.call("GET", "/v1/exceptions", ExceptionListSchema, options, { query: { ...query } });
  }

  /** GET /metrics (admin): the Prometheus text. */
  async metrics(options: RegionCallOptions = {}): Promise<string> {
    const answer = await this.send("GET", "/metrics", undefined, options);
    if (answer.status !== 200) throw this.refusal(answer);
    return answer.text;
  }

  /** POST /v1/admin/replicate: pull every peer now. */
  replicate(options: RegionCallOptions = {}): Promise<ReplicateResponse> {
    return this.call("POST", "/v1/admin/replicate", ReplicateResponseSchema, options);
  }

  /** POST /v1/admin/jobs: run the background jobs once now. */
  runJobs(options: RegionCallOptions = {}): Promise<JobsResponse> {
    return this.call("POST", "/v1/admin/jobs", JobsResponseSchema, options);
  }

  /** GET /v1/replication/log (a peer region's credential). */
  replicationLog(page: { after?: number; limit?: number } = {}, options: RegionCallOptions = {}): Promise<LogPage> {
    return this.call("GET", "/v1/replication/log", LogPageSchema, options, {
      query: { after: page.after ?? 0, limit: page.limit },
    });
  }

  /** GET /v1/replication/credentials (a peer region's credential). */
  credentialChanges(page: { after?: number; limit?: number } = {}, options: RegionCallOptions = {}): Promise<CredentialChanges> {
    return this.call("GET", "/v1/replication/credentials", CredentialChangesSchema, options, {
      query: { after: page.after ?? 0, limit: page.limit },
    });
  }

  /** POST /v1/admin/credentials: the new credential is in this answer and nowhere else. */
  issueCredential(request: IssueCredentialRequest, options: RegionCallOptions = {}): Promise<IssuedCredential> {
    return this.call("POST", "/v1/admin/credentials", IssuedCredentialSchema, options, { body: request });
  }

  /** GET /v1/admin/credentials. */
  listCredentials(filter: CredentialListFilter = {}, options: RegionCallOptions = {}): Promise<CredentialList> {
    return this.call("GET", "/v1/admin/credentials", CredentialListSchema, options, {
      query: {
        storeId: filter.storeId || undefined,
        registerId: filter.registerId || undefined,
        kind: filter.kind || undefined,
        all: filter.all ? "true" : undefined,
      },
    });
  }

  /** POST /v1/admin/credentials/:id/revoke. */
  revokeCredential(id: string, options: RegionCallOptions = {}): Promise<RevokedCredential> {
    return this.call("POST", `/v1/admin/credentials/${encodeURIComponent(id)}/revoke`, RevokedCredentialSchema, options);
  }

  /** POST /v1/admin/credentials/:id/rotate: the old credential keeps working for overlapSeconds. */
  rotateCredential(id: string, overlapSeconds: number, options: RegionCallOptions = {}): Promise<RotatedCredential> {
    return this.call("POST", `/v1/admin/credentials/${encodeURIComponent(id)}/rotate`, RotatedCredentialSchema, options, {
      body: { overlapSeconds },
    });
  }

  /** POST /v1/admin/stores/:storeId/revoke-credentials: every credential of the store issued until now is refused. */
  revokeStoreCredentials(storeId: string, options: RegionCallOptions = {}): Promise<StoreRevocation> {
    return this.call(
      "POST",
      `/v1/admin/stores/${encodeURIComponent(storeId)}/revoke-credentials`,
      StoreRevocationSchema,
      options,
    );
  }
}
