import type { BatchResponse, SyncBreakerState, SyncRegionView } from "@tenderline/shared";
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ConstantBackoff,
  circuitBreaker,
  ExponentialBackoff,
  halfJitterGenerator,
  handleWhen,
  retry,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import type { SyncSettings } from "../config/config.ts";
import { RegionCallError, RegionClient, type RegionEndpoint, type RegisterStatus } from "./region-client.ts";

export type BreakerView = SyncBreakerState;

/** A region as GET /api/v1/queue shows it (SyncRegionViewSchema). */
export type RegionView = SyncRegionView;

/**
 * A connection that broke (closed under a keep-alive request, reset by an instance that died
 * behind the region's balancer): worth one more try at once, on a new connection, before the
 * region counts as failing and the batch goes elsewhere. A region that is down refuses again.
 */
const connectionBroke = handleWhen((error) => error instanceof RegionCallError && error.kind === "network");
const RETRY_BROKEN_CONNECTION_MS = 50;

/**
 * A call's time limit. abortOnReturn off: cockatiel would otherwise abort every call's signal once
 * it returned, building an abort error per request for nothing (a fleet makes thousands a second).
 */
const callLimit = (ms: number) => timeout(ms, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });

function isRegionFault(error: unknown): boolean {
  return error instanceof TaskCancelledError || (error instanceof RegionCallError && error.regionFault);
}

/**
 * One region as the engine sees it: its client, a cockatiel circuit breaker (opens after
 * `breakerFailures` consecutive faults, half-opens after a jittered cooldown) around a timeout
 * (a region that accepts the connection and never answers is cut off), and its probe health.
 * Only the region's own faults count: a refused token or an oversized batch is not its ill health.
 */
export class RegionLink {
  readonly client: RegionClient;
  private readonly policy;
  /** Status reads and probes: no breaker (a failed probe must not open it), the same one retry. */
  private readonly readPolicy;
  private readonly probePolicy;
  private readonly breaker;
  private readonly retryOnce;
  probeOk: boolean | null = null;
  healthySince: number | null = null;
  lastError: string | null = null;
  lastErrorAt: number | null = null;
  latencyMs: number | null = null;
  /** When the region last answered a real call (a batch or a status read): as good as a probe. */
  private answeredAt: number | null = null;
  /** When the last probe that answered ok was sent. */
  private probedOkAt: number | null = null;
  /** Probes failed in a row, and the earliest the next may go (see probeMaxIntervalMs). */
  private failedProbes = 0;
  private nextProbeAt = 0;
  /**
   * The parent signal of this link's calls. Without one cockatiel hangs every call's abort listener
   * on one never-aborted signal shared by the whole process: harmless, but a fleet of hundreds of
   * engines in one process (src/fleet) then trips Node's "possible memory leak" warning.
   */
  private readonly callSignal = new AbortController().signal;

  constructor(
    readonly endpoint: RegionEndpoint,
    readonly priority: number,
    token: string,
    private readonly settings: SyncSettings,
    private readonly clock: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.client = new RegionClient(endpoint, token);
    this.breaker = circuitBreaker(handleWhen(isRegionFault), {
      breaker: new ConsecutiveBreaker(settings.breakerFailures),
      halfOpenAfter: new ExponentialBackoff({
        initialDelay: settings.breakerCooldownMs,
        maxDelay: settings.breakerCooldownMs * 2,
        generator: halfJitterGenerator,
      }),
    });
    this.retryOnce = retry(connectionBroke, { maxAttempts: 1, backoff: new ConstantBackoff(RETRY_BROKEN_CONNECTION_MS) });
    // The breaker counts calls, not tries: a connection that broke and then worked is no failure.
    this.policy = wrap(this.breaker, this.retryOnce, callLimit(settings.requestTimeoutMs));
    this.readPolicy = wrap(this.retryOnce, callLimit(settings.requestTimeoutMs));
    this.probePolicy = wrap(this.retryOnce, callLimit(settings.probeTimeoutMs));
  }

  /** A new credential for this region's next calls (see RegionClient.setToken). */
  setToken(token: string): void {
    this.client.setToken(token);
  }

  get name(): string {
    return this.endpoint.name;
  }

  get breakerState(): BreakerView {
    const s = this.breaker.state;
    return s === CircuitState.Closed ? "closed" : s === CircuitState.HalfOpen ? "half-open" : "open";
  }

  /** Sends one batch through breaker and timeout; throws RegionCallError or BrokenCircuitError. */
  async send(storeId: string, registerId: string, bodies: readonly string[]): Promise<BatchResponse> {
    const started = this.clock();
    try {
      const response = await this.policy.execute(
        ({ signal }) => this.client.postBatch(storeId, registerId, bodies, signal),
        this.callSignal,
      );
      this.latencyMs = this.clock() - started;
      this.answeredAt = this.clock();
      // A region that took a batch is up, whatever its last probe said (one that timed out under load).
      this.probeOk = true;
      this.failedProbes = 0;
      this.nextProbeAt = 0;
      this.healthySince ??= this.answeredAt;
      return response;
    } catch (error) {
      throw this.noteFailure(error);
    }
  }

  /** The register's state in this region (what it holds), under the same timeout. */
  async registerStatus(storeId: string, registerId: string): Promise<RegisterStatus> {
    try {
      const status = await this.readPolicy.execute(
        ({ signal }) => this.client.registerStatus(storeId, registerId, signal),
        this.callSignal,
      );
      this.answeredAt = this.clock();
      this.failedProbes = 0;
      this.nextProbeAt = 0;
      return status;
    } catch (error) {
      throw this.noteFailure(error);
    }
  }

  private noteFailure(error: unknown): unknown {
    if (error instanceof BrokenCircuitError) return error;
    const failure =
      error instanceof TaskCancelledError
        ? new RegionCallError(this.name, "timeout", `no answer within ${this.settings.requestTimeoutMs} ms`)
        : error;
    this.lastError = failure instanceof Error ? failure.message : String(failure);
    this.lastErrorAt = this.clock();
    if (isRegionFault(failure)) this.healthySince = null;
    return failure;
  }

  /** One active health probe; returns true when the region went from not-ok to ok (worth waking the engine). */
  async probe(): Promise<boolean> {
    const started = this.clock();
    if (this.knownHealthy(started) || started < this.nextProbeAt) return false;
    const was = this.probeOk;
    try {
      const result = await this.probePolicy.execute(({ signal }) => this.client.probe(signal), this.callSignal);
      if (!result.ok) throw new RegionCallError(this.name, "server", `health says ${result.status}`);
      this.probeOk = true;
      this.probedOkAt = started;
      this.failedProbes = 0;
      this.nextProbeAt = 0;
      if (this.latencyMs === null || this.healthySince === null) this.latencyMs = this.clock() - started;
      if (this.healthySince === null) this.healthySince = this.clock();
      return was !== true;
    } catch (error) {
      // One probe that got no answer in time, of a region whose last probe was fine, does not make
      // it down: under load (the region's, or this register's own event loop) a probe misses its
      // second now and then, and a region taken for down sends the register's sales elsewhere.
      // A second miss in a row, or any answer that says down or a refused connection, does.
      const firstMiss = error instanceof TaskCancelledError && was === true && this.failedProbes === 0;
      if (!firstMiss) this.probeOk = false;
      this.healthySince = null;
      this.backOffProbes(started);
      this.lastError =
        error instanceof TaskCancelledError
          ? `${this.name}: health probe got no answer within ${this.settings.probeTimeoutMs} ms`
          : (error as Error).message;
      this.lastErrorAt = this.clock();
      return false;
    }
  }

  /**
   * After a failed probe the next waits longer, doubling from probeIntervalMs to
   * probeMaxIntervalMs, each jittered down by up to a quarter: registers that all saw one region
   * die at the same moment do not all probe it again at the same moment.
   */
  private backOffProbes(now: number): void {
    this.failedProbes++;
    const { probeIntervalMs, probeMaxIntervalMs } = this.settings;
    const interval = Math.min(probeIntervalMs * 2 ** Math.min(this.failedProbes - 1, 30), probeMaxIntervalMs);
    // The probe timer ticks every probeIntervalMs: a wait of one interval is the next tick.
    this.nextProbeAt = now + interval * (1 - this.random() / 4);
  }

  /**
   * Healthy with nothing failed since it was last seen so, recently enough that probing again
   * would tell nothing: thousands of registers asking anyway would be load for nothing. Seen so
   * means a real call answered, or a probe was ok, within the healthy probe interval: a region
   * taking a register's batches is not probed as well.
   */
  private knownHealthy(now: number): boolean {
    if (this.probeOk !== true || this.healthySince === null) return false;
    const seenOkSince = (at: number | null) =>
      at !== null && (this.lastErrorAt === null || this.lastErrorAt < at) && now - at < this.settings.healthyProbeIntervalMs;
    return seenOkSince(this.answeredAt) || seenOkSince(this.probedOkAt);
  }

  view(active: boolean): RegionView {
    const breaker = this.breakerState;
    // Healthy as region selection means it: the last probe ok and no failed call since it (a batch
    // that just failed must not show as healthy until a probe says the region is back).
    const state =
      breaker !== "closed"
        ? breaker
        : this.probeOk === null
          ? "unknown"
          : this.probeOk && this.healthySince !== null
            ? "healthy"
            : "unhealthy";
    return {
      name: this.name,
      url: this.endpoint.url,
      priority: this.priority,
      state,
      healthy: state === "healthy",
      breaker,
      probeOk: this.probeOk,
      healthySince: this.healthySince === null ? null : new Date(this.healthySince).toISOString(),
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt === null ? null : new Date(this.lastErrorAt).toISOString(),
      latencyMs: this.latencyMs,
      active,
    };
  }
}
