import { ErrorBodySchema, findPanFields, formatPath, maskPans } from "@tenderline/shared";
import { ExponentialBackoff, handleType, type IPolicy, noop, retry } from "cockatiel";
import {
  AuthorityBadResponseError,
  AuthorityInvalidRequestError,
  AuthorityTimeoutError,
  AuthorityUnavailableError,
} from "./authority-errors.ts";
import { LookupResponseSchema, MAX_LOOKUP_BATCH, TenderLookupWireSchema } from "./settlement-wire.ts";
import type { TenderAuthority, TenderLookup, TenderLookupOptions, TenderLookupResult } from "./tender-authority.ts";

export interface HttpTenderAuthorityOptions {
  /** The processor's base URL, e.g. http://127.0.0.1:7440 */
  baseUrl: string;
  /** Per request; a slower (or hung) processor fails the call with AuthorityTimeoutError. Default 5000. */
  timeoutMs?: number;
  /** Tenders per request; larger lookups are split into several requests. Default (and max) 500. */
  maxBatch?: number;
  /**
   * Quick retries inside one call for `unavailable` only (connection refused, 5xx, 429), which
   * are often momentary. Timeouts are not retried here: each already cost timeoutMs, and the
   * reconciler's own backoff (hours, up to the not-found deadline) is the place to try again.
   * Default { retries: 2, initialDelayMs: 100, maxDelayMs: 2000 }; `retries: 0` disables.
   */
  retry?: { retries: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Extra headers on every request (e.g. a processor API key). */
  headers?: Record<string, string>;
}

export const DEFAULT_AUTHORITY_TIMEOUT_MS = 5000;

/** The TenderAuthority over the processor simulator's HTTP API (POST /v1/settlements/lookup). */
export class HttpTenderAuthority implements TenderAuthority {
  private readonly lookupUrl: string;
  private readonly timeoutMs: number;
  private readonly maxBatch: number;
  private readonly policy: IPolicy;
  private readonly headers: Record<string, string>;

  constructor(options: HttpTenderAuthorityOptions) {
    this.lookupUrl = new URL("/v1/settlements/lookup", options.baseUrl).toString();
    this.timeoutMs = options.timeoutMs ?? DEFAULT_AUTHORITY_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${options.timeoutMs}`);
    this.maxBatch = Math.min(options.maxBatch ?? MAX_LOOKUP_BATCH, MAX_LOOKUP_BATCH);
    if (!(this.maxBatch >= 1)) throw new RangeError(`maxBatch must be at least 1, got ${options.maxBatch}`);
    const r = { retries: 2, initialDelayMs: 100, maxDelayMs: 2000, ...options.retry };
    this.policy =
      r.retries > 0
        ? retry(handleType(AuthorityUnavailableError), {
            maxAttempts: r.retries,
            backoff: new ExponentialBackoff({ initialDelay: r.initialDelayMs, maxDelay: r.maxDelayMs }),
          })
        : noop;
    this.headers = { "content-type": "application/json", accept: "application/json", ...options.headers };
  }

  async lookup(tenders: readonly TenderLookup[], options: TenderLookupOptions = {}): Promise<TenderLookupResult[]> {
    const wire = checkLookups(tenders);
    const results: TenderLookupResult[] = [];
    for (let i = 0; i < wire.length; i += this.maxBatch) {
      const chunk = wire.slice(i, i + this.maxBatch);
      results.push(...(await this.policy.execute(() => this.send(chunk, options.signal), options.signal)));
    }
    return results;
  }

  /** One request, one attempt. */
  private async send(chunk: TenderLookup[], callerSignal: AbortSignal | undefined): Promise<TenderLookupResult[]> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([timeout, callerSignal]) : timeout;
    let status: number;
    let text: string;
    try {
      const res = await fetch(this.lookupUrl, {
        method: "POST",
        headers: this.headers,
        body: JSON.stringify({ tenders: chunk }),
        signal,
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (callerSignal?.aborted) throw callerSignal.reason;
      if (timeout.aborted) throw new AuthorityTimeoutError(this.timeoutMs, this.lookupUrl);
      throw new AuthorityUnavailableError(
        `the processor at ${this.lookupUrl} could not be reached: ${describe(err)}`,
        undefined,
        {
          cause: err,
        },
      );
    }
    if (status === 429 || status === 408 || status >= 500) {
      throw new AuthorityUnavailableError(`the processor answered ${status}: ${refusal(text)}`, status);
    }
    if (status >= 400) {
      throw new AuthorityInvalidRequestError(`the processor refused the lookup (${status}): ${refusal(text)}`, status);
    }
    return matchResults(chunk, parseResponse(text));
  }
}

function checkLookups(tenders: readonly TenderLookup[]): TenderLookup[] {
  // Never send a card number, even by mistake in a token field; name the field, not the digits.
  const panFields = findPanFields(tenders).map(formatPath);
  if (panFields.length > 0) {
    throw new AuthorityInvalidRequestError(`refusing to send a full card number (found in ${panFields.join(", ")})`);
  }
  const seen = new Set<string>();
  return tenders.map((t, i) => {
    const parsed = TenderLookupWireSchema.safeParse({
      terminalTxnId: t.terminalTxnId,
      expected: t.expected,
      token: t.token,
      last4: t.last4,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AuthorityInvalidRequestError(
        `tender [${i}] ${issue ? `${issue.path.join(".")}: ${issue.message}` : "is invalid"}`,
      );
    }
    if (seen.has(t.terminalTxnId)) {
      throw new AuthorityInvalidRequestError(`terminalTxnId ${t.terminalTxnId} appears twice in one lookup`);
    }
    seen.add(t.terminalTxnId);
    return { terminalTxnId: t.terminalTxnId, expected: t.expected, token: t.token, last4: t.last4 };
  });
}

function parseResponse(text: string): TenderLookupResult[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new AuthorityBadResponseError(`the processor's answer is not JSON (${(err as Error).message}): ${excerpt(text)}`);
  }
  const parsed = LookupResponseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AuthorityBadResponseError(
      `the processor's answer does not match the lookup response format (${issue?.path.join(".")}: ${issue?.message})`,
    );
  }
  return parsed.data.results;
}

/** Results in the order asked; exactly one per tender, or the answer is not trusted at all. */
function matchResults(chunk: TenderLookup[], results: TenderLookupResult[]): TenderLookupResult[] {
  const byId = new Map(results.map((r) => [r.terminalTxnId, r]));
  if (byId.size !== results.length || results.length !== chunk.length) {
    throw new AuthorityBadResponseError(`the processor answered ${results.length} results for ${chunk.length} tenders`);
  }
  return chunk.map((t) => {
    const r = byId.get(t.terminalTxnId);
    if (r === undefined) throw new AuthorityBadResponseError(`the processor's answer has no result for ${t.terminalTxnId}`);
    return r;
  });
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
    return `${err.message}${cause}`;
  }
  return String(err);
}

/** An error answer as `code: message` when it is the one error body (ErrorBodySchema), else an excerpt of it. */
function refusal(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) return excerpt(text);
    throw err;
  }
  const body = ErrorBodySchema.safeParse(json);
  return body.success ? excerpt(`${body.data.error}: ${body.data.message}`) : excerpt(text);
}

function excerpt(text: string): string {
  return maskPans(text.length > 300 ? `${text.slice(0, 300)}…` : text);
}
