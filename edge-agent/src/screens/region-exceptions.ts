import { describeFetchError } from "./region-probes.ts";

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

/** Picks the readable parts out of a region's exception record, whatever extra fields it carries. */
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
    const url = new URL("/v1/exceptions", region.url);
    url.searchParams.set("storeId", this.storeId);
    try {
      const res = await fetch(url, {
        headers: { authorization: `Bearer ${this.token()}` },
        signal: AbortSignal.timeout(1500),
      });
      if (!res.ok) {
        await res.body?.cancel();
        const why =
          res.status === 404
            ? "the region has no exceptions endpoint"
            : res.status === 401 || res.status === 403
              ? `the region does not let this store's token read exceptions (${res.status})`
              : `the region answered ${res.status}`;
        return { available: false, note: why, region: region.name, items: [] };
      }
      const body = (await res.json()) as unknown;
      const list = Array.isArray(body)
        ? body
        : ((body as { items?: unknown; exceptions?: unknown }).items ?? (body as { exceptions?: unknown }).exceptions);
      const items = Array.isArray(list) ? list.map(toExceptionItem) : [];
      return { available: true, note: null, region: region.name, items };
    } catch (error) {
      return { available: false, note: describeFetchError(error), region: region.name, items: [] };
    }
  }
}
