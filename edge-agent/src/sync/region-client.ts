import {
  type BatchResponse,
  RegionClient as RegionApiClient,
  RegionApiError,
  type RegionCallOptions,
  type Watermark,
} from "@tenderline/shared";

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

/** A backstop only: the engine's own timeouts (cockatiel, through the signal) cut calls off first. */
const BACKSTOP_TIMEOUT_MS = 120_000;

function httpKind(status: number): RegionErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 413) return "too_large";
  // 408: the request did not arrive whole in time (a proxy's or balancer's timeout on a busy
  // sender), nothing wrong with the batch itself: retried like a busy region, never dead-lettered.
  if (status >= 500 || status === 429 || status === 408) return "server";
  return "client";
}

/** The shared client's error, classified for the engine. */
function classify(region: string, error: unknown): unknown {
  if (!(error instanceof RegionApiError)) return error;
  switch (error.kind) {
    case "unreachable":
      return new RegionCallError(region, "network", `unreachable (${error.detail})`);
    case "timeout":
      return new RegionCallError(region, "timeout", error.detail);
    case "bad_answer":
      return new RegionCallError(region, "bad_response", `unreadable answer (${error.detail})`, error.status);
    case "http": {
      const status = error.status ?? 0;
      const detail = error.code ? `${error.code}: ${error.detail}` : error.detail;
      return new RegionCallError(region, httpKind(status), `HTTP ${status} ${detail}`, status);
    }
  }
}

/** The region API calls the sync engine makes (docs/ARCHITECTURE.md), over the shared region client. */
export class RegionClient {
  private readonly api: RegionApiClient;

  constructor(
    readonly region: RegionEndpoint,
    private token: string,
  ) {
    this.api = new RegionApiClient(region.url, () => this.token, { timeoutMs: BACKSTOP_TIMEOUT_MS });
  }

  /** The credential for the calls that start from now on; a call already sent keeps the one it went with. */
  setToken(token: string): void {
    this.token = token;
  }

  private async run<T>(call: (options: RegionCallOptions) => Promise<T>, signal: AbortSignal): Promise<T> {
    try {
      return await call({ signal });
    } catch (error) {
      throw classify(this.region.name, error);
    }
  }

  /** POST /v1/events/batch with the rows' bodies as they were recorded (no re-encoding). */
  postBatch(storeId: string, registerId: string, bodies: readonly string[], signal: AbortSignal): Promise<BatchResponse> {
    return this.run((options) => this.api.sendBatchBodies(storeId, registerId, bodies, options), signal);
  }

  /** GET /v1/health: true when the region says ok. */
  async probe(signal: AbortSignal): Promise<{ ok: boolean; status: string }> {
    try {
      const health = await this.api.health({ signal });
      return { ok: health.status === "ok", status: health.status };
    } catch (error) {
      if (error instanceof RegionApiError && error.kind === "http") return { ok: false, status: `HTTP ${error.status}` };
      if (error instanceof RegionApiError && error.kind === "bad_answer") {
        return { ok: false, status: `unreadable: ${error.detail}` };
      }
      throw classify(this.region.name, error);
    }
  }

  /** GET /v1/stores/:storeId/registers/:registerId; a register the region never saw holds nothing. */
  async registerStatus(storeId: string, registerId: string, signal: AbortSignal): Promise<RegisterStatus> {
    const status = await this.run((options) => this.api.registerStatus(storeId, registerId, options), signal);
    if (!status) return { contiguousSeq: 0, replicatedSeq: 0, maxSeq: 0, gaps: [] };
    return {
      contiguousSeq: status.contiguousSeq,
      replicatedSeq: status.replicatedSeq,
      maxSeq: status.maxSeq,
      gaps: status.gaps,
    };
  }
}
