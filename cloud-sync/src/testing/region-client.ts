import type { IngestOutput } from "../ingest/ingest-batch.ts";

/** A small typed client of the region API for tests that drive real region processes. */
export class RegionClient {
  constructor(
    readonly url: string,
    private readonly tokens: { store: Record<string, string>; admin: string; consumer: string },
  ) {}

  private async call<T>(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async ingest(storeId: string, registerId: string, events: unknown[]): Promise<IngestOutput> {
    const token = this.tokens.store[storeId] as string;
    const { status, body } = await this.call<IngestOutput>("POST", "/v1/events/batch", token, { storeId, registerId, events });
    if (status !== 200) throw new Error(`ingest answered ${status}: ${JSON.stringify(body)}`);
    return body;
  }

  replicate = () =>
    this.call<{ peers: Array<{ peer: string; error?: string; accepted: number }> }>(
      "POST",
      "/v1/admin/replicate",
      this.tokens.admin,
    );
  jobs = () => this.call<Record<string, unknown>>("POST", "/v1/admin/jobs", this.tokens.admin);
  health = () =>
    this.call<{ status: string; peers: Array<{ name: string; lagEvents: number; lagMs: number; lastError: string | null }> }>(
      "GET",
      "/v1/health",
      this.tokens.admin,
    );

  async digest(): Promise<string> {
    const res = await fetch(`${this.url}/v1/digest`, { headers: { authorization: `Bearer ${this.tokens.admin}` } });
    return res.text();
  }

  async exceptions(query = ""): Promise<Array<{ kind: string; subject: string; detail: Record<string, unknown> }>> {
    const { body } = await this.call<{ items: Array<{ kind: string; subject: string; detail: Record<string, unknown> }> }>(
      "GET",
      `/v1/exceptions${query}`,
      this.tokens.admin,
    );
    return body.items;
  }

  /** The whole feed, page by page. */
  async feed(): Promise<Array<{ kind: string; event: { eventId: string } | null; reconciliation: unknown }>> {
    const items: Array<{ kind: string; event: { eventId: string } | null; reconciliation: unknown }> = [];
    let cursor = "0";
    for (;;) {
      const { body } = await this.call<{ items: typeof items; nextCursor: string }>(
        "GET",
        `/v1/feed?after=${cursor}&limit=1000`,
        this.tokens.consumer,
      );
      if (body.items.length === 0) return items;
      items.push(...body.items);
      cursor = body.nextCursor;
    }
  }

  registerStatus = (storeId: string, registerId: string) =>
    this.call<{ contiguousSeq: number; replicatedSeq: number; gaps: unknown[] }>(
      "GET",
      `/v1/stores/${storeId}/registers/${registerId}`,
      this.tokens.admin,
    );

  metrics = async () =>
    (await fetch(`${this.url}/metrics`, { headers: { authorization: `Bearer ${this.tokens.admin}` } })).text();
}
