import type { BatchResponse, Watermark } from "@tenderline/shared";

export type RegionErrorKind = "network" | "timeout" | "server" | "auth" | "too_large" | "client" | "bad_response";

/**
 * A failed call to a region, classified for the engine: `network`, `timeout` and `server` are the
 * region's health (they count for its breaker and trigger failover); `auth` pauses sync; `too_large`
 * and `client` are about the batch, not the region.
 */
export class RegionCallError extends Error {
  constructor(
    readonly region: string,
    readonly kind: RegionErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(`${region}: ${message}`);
    this.name = "RegionCallError";
  }

  get regionFault(): boolean {
    return this.kind === "network" || this.kind === "timeout" || this.kind === "server" || this.kind === "bad_response";
  }
}

export interface RegionEndpoint {
  name: string;
  url: string;
}

export interface RegisterStatus {
  contiguousSeq: number;
  replicatedSeq: number;
  maxSeq: number;
  gaps: Watermark["gaps"];
}

function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** The region API calls the sync engine makes (docs/ARCHITECTURE.md). */
export class RegionClient {
  constructor(
    readonly region: RegionEndpoint,
    private token: string,
  ) {}

  /** The credential for the calls that start from now on; a call already sent keeps the one it went with. */
  setToken(token: string): void {
    this.token = token;
  }

  private async call(path: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
    try {
      return await fetch(new URL(path, this.region.url), {
        ...init,
        signal,
        headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json", ...(init.headers ?? {}) },
      });
    } catch (error) {
      if (signal.aborted) throw new RegionCallError(this.region.name, "timeout", "no answer in time");
      throw new RegionCallError(this.region.name, "network", `unreachable (${describeFetchFailure(error)})`);
    }
  }

  private async failure(res: Response): Promise<RegionCallError> {
    const text = await res.text();
    let detail = text.slice(0, 300);
    try {
      const body = JSON.parse(text) as { error?: string; message?: string };
      detail = [body.error, body.message].filter(Boolean).join(": ") || detail;
    } catch (error) {
      // Not JSON (a proxy's page, say): the start of the text is the best description there is.
      void error;
    }
    const kind =
      res.status === 401 || res.status === 403
        ? "auth"
        : res.status === 413
          ? "too_large"
          : res.status >= 500 || res.status === 429
            ? "server"
            : "client";
    return new RegionCallError(this.region.name, kind, `HTTP ${res.status} ${detail}`, res.status);
  }

  /** POST /v1/events/batch with the rows' bodies as they were recorded (no re-encoding). */
  async postBatch(storeId: string, registerId: string, bodies: readonly string[], signal: AbortSignal): Promise<BatchResponse> {
    const payload = `{"storeId":${JSON.stringify(storeId)},"registerId":${JSON.stringify(registerId)},"events":[${bodies.join(",")}]}`;
    const res = await this.call("/v1/events/batch", { method: "POST", body: payload }, signal);
    if (res.status !== 200) throw await this.failure(res);
    let body: BatchResponse;
    try {
      body = (await res.json()) as BatchResponse;
    } catch (error) {
      if (signal.aborted) throw new RegionCallError(this.region.name, "timeout", "answer cut off by the timeout");
      throw new RegionCallError(this.region.name, "bad_response", `unreadable answer (${(error as Error).message})`);
    }
    if (!Array.isArray(body.results) || !body.watermark) {
      throw new RegionCallError(this.region.name, "bad_response", "answer without results and watermark");
    }
    return body;
  }

  /** GET /v1/health: true when the region says ok. */
  async probe(signal: AbortSignal): Promise<{ ok: boolean; status: string }> {
    const res = await this.call("/v1/health", { method: "GET" }, signal);
    const body = (await res.json().catch((error: unknown) => ({ status: `unreadable: ${(error as Error).message}` }))) as {
      status?: string;
    };
    return { ok: res.status === 200 && body.status === "ok", status: body.status ?? `HTTP ${res.status}` };
  }

  /** GET /v1/stores/:storeId/registers/:registerId; a register the region never saw holds nothing. */
  async registerStatus(storeId: string, registerId: string, signal: AbortSignal): Promise<RegisterStatus> {
    const res = await this.call(
      `/v1/stores/${encodeURIComponent(storeId)}/registers/${encodeURIComponent(registerId)}`,
      { method: "GET" },
      signal,
    );
    if (res.status === 404) return { contiguousSeq: 0, replicatedSeq: 0, maxSeq: 0, gaps: [] };
    if (res.status !== 200) throw await this.failure(res);
    const body = (await res.json()) as Partial<RegisterStatus>;
    return {
      contiguousSeq: body.contiguousSeq ?? 0,
      replicatedSeq: body.replicatedSeq ?? 0,
      maxSeq: body.maxSeq ?? body.contiguousSeq ?? 0,
      gaps: body.gaps ?? [],
    };
  }
}
