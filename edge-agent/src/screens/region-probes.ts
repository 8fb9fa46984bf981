/** What the screens know about one cloud region from their own health probe. */
export interface RegionProbe {
  name: string;
  url: string;
  reachable: boolean | null;
  lastError: string | null;
  latencyMs: number | null;
  checkedAt: number | null;
}

export interface Connectivity {
  online: boolean;
  /** When every region was last seen unreachable after being reachable (or since the first probe). */
  offlineSince: number | null;
  regions: RegionProbe[];
}

export interface RegionProbesOptions {
  timeoutMs?: number;
  /** Probe results younger than this are reused, so polling screens do not multiply probes. */
  maxAgeMs?: number;
  clock?: () => number;
  fetch?: typeof fetch;
}

/**
 * Probes each region's GET /v1/health on demand (when a screen or the card terminal asks), with a
 * short timeout and a small cache. No timers: nothing to stop when the agent closes. The sync
 * engine's own view of the regions, when it reports one, is preferred by the screens.
 */
export class RegionProbes {
  private probes: RegionProbe[];
  private offlineSince: number | null = null;
  private inFlight: Promise<Connectivity> | undefined;
  private readonly timeoutMs: number;
  private readonly maxAgeMs: number;
  private readonly clock: () => number;
  private readonly fetchFn: typeof fetch;

  constructor(regions: ReadonlyArray<{ name: string; url: string }>, options: RegionProbesOptions = {}) {
    this.probes = regions.map((r) => ({
      name: r.name,
      url: r.url,
      reachable: null,
      lastError: null,
      latencyMs: null,
      checkedAt: null,
    }));
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.maxAgeMs = options.maxAgeMs ?? 1500;
    this.clock = options.clock ?? Date.now;
    this.fetchFn = options.fetch ?? fetch;
  }

  private snapshot(): Connectivity {
    const online = this.probes.some((p) => p.reachable === true);
    return { online, offlineSince: online ? null : this.offlineSince, regions: this.probes.map((p) => ({ ...p })) };
  }

  /** The latest view, probing again when it is older than maxAgeMs. */
  current(): Promise<Connectivity> {
    const now = this.clock();
    const fresh = this.probes.length > 0 && this.probes.every((p) => p.checkedAt !== null && now - p.checkedAt < this.maxAgeMs);
    if (fresh || this.probes.length === 0) {
      if (this.probes.length === 0) this.offlineSince ??= now;
      return Promise.resolve(this.snapshot());
    }
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async refresh(): Promise<Connectivity> {
    this.probes = await Promise.all(this.probes.map((p) => this.probe(p)));
    const now = this.clock();
    if (this.probes.some((p) => p.reachable)) this.offlineSince = null;
    else this.offlineSince ??= now;
    return this.snapshot();
  }

  private async probe(region: RegionProbe): Promise<RegionProbe> {
    const started = this.clock();
    try {
      const res = await this.fetchFn(new URL("/v1/health", region.url), { signal: AbortSignal.timeout(this.timeoutMs) });
      await res.body?.cancel();
      const latencyMs = this.clock() - started;
      if (!res.ok)
        return { ...region, reachable: false, lastError: `health answered ${res.status}`, latencyMs, checkedAt: this.clock() };
      return { ...region, reachable: true, latencyMs, checkedAt: this.clock() };
    } catch (error) {
      return { ...region, reachable: false, lastError: describeFetchError(error), latencyMs: null, checkedAt: this.clock() };
    }
  }
}

/** fetch's errors hide the cause (ECONNREFUSED…) one level down; a manager wants that part. */
export function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || error.name === "AbortError") return "no answer in time";
    const cause = (error as Error & { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as Error & { code?: string }).code;
      return code ? `${code}: ${cause.message}` : cause.message;
    }
    return error.message;
  }
  return String(error);
}
