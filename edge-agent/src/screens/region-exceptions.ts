import { RegionApiError, RegionClient } from "@tenderline/shared";

export interface ExceptionItem {
  kind: string;
  detail: string;
  at: string | null;
}

export interface ExceptionsView {
  /** false when no region could answer (offline, or the region has no exceptions endpoint yet). */
  available: boolean;
  note: string | null;
  region: string | null;
  items: ExceptionItem[];
}

function asText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return null;
}

/**
 * Picks the readable parts out of an exception record: the region's (ExceptionItemSchema, already
 * checked by the shared client) gives kind, message and raisedAt; older shapes are still read.
 */
export function toExceptionItem(raw: unknown): ExceptionItem {
  const r = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const kind = asText(r.kind) ?? asText(r.type) ?? "exception";
  const detail =
    asText(r.message) ??
    asText(r.subject) ??
    asText(r.detail) ??
    asText(r.reason) ??
    [asText(r.terminalTxnId), asText(r.transactionId), asText(r.eventId)].filter(Boolean).join(" ");
  return { kind, detail, at: asText(r.raisedAt) ?? asText(r.createdAt) ?? asText(r.at) };
}

/** Why the manager sees no exceptions, in a few words. */
function noteFor(error: RegionApiError): string {
  switch (error.kind) {
    case "http":
      return error.status === 404
        ? "the region has no exceptions endpoint"
        : error.refused
          ? `the region does not let this store's token read exceptions (${error.status})`
          : `the region answered ${error.status}`;
    case "timeout":
      return "no answer in time";
    case "unreachable":
      return error.detail;
    case "bad_answer":
      return `the region's answer is not an exceptions list (${error.detail})`;
  }
}

/**
 * Asks the first reachable region for this store's reconciliation exceptions
 * (GET /v1/exceptions?storeId=…, with the store token). Cached briefly: the manager screen polls.
 */
export class RegionExceptions {
  private cached: { at: number; view: ExceptionsView } | undefined;

  constructor(
    private readonly storeId: string,
    /** The store's credential as it is now (it can be replaced while the agent runs). */
    private readonly token: () => string,
    private readonly maxAgeMs = 5_000,
    private readonly clock: () => number = Date.now,
  ) {}

  async read(reachable: ReadonlyArray<{ name: string; url: string }>): Promise<ExceptionsView> {
    const now = this.clock();
    if (this.cached && now - this.cached.at < this.maxAgeMs) return this.cached.view;
    const view = await this.fetchFrom(reachable);
    this.cached = { at: now, view };
    return view;
  }

  private async fetchFrom(reachable: ReadonlyArray<{ name: string; url: string }>): Promise<ExceptionsView> {
    const region = reachable[0];
    if (!region)
      return { available: false, note: "offline: exceptions show when a region is reachable", region: null, items: [] };
    const client = new RegionClient(region.url, this.token, { timeoutMs: 1500 });
    try {
      const list = await client.exceptions({ storeId: this.storeId });
      return { available: true, note: null, region: region.name, items: list.items.map(toExceptionItem) };
    } catch (error) {
      const note = error instanceof RegionApiError ? noteFor(error) : String((error as Error).message ?? error);
      return { available: false, note, region: region.name, items: [] };
    }
  }
}
