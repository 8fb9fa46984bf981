import {
  RegionApiError,
  type RegionClient,
  type ReservationRequest,
  type ReturnOriginal,
  type UnverifiedReturnList,
} from "@tenderline/shared";
import type { Logger } from "../logging/logger.ts";

/** A region to ask about returns: its name (for logs and the manager screen) and a client holding the register's credential. */
export interface ReturnsRegion {
  name: string;
  client: RegionClient;
}

/**
 * Where the agent gets the regions for a return: the sync engine's current choice, in its order
 * (agent.ts), or a region a test hands in. null or empty when none is configured or usable now.
 */
export type ReturnsRegionSource = () => Promise<ReturnsRegion | readonly ReturnsRegion[] | null>;

async function regionsOf(source: ReturnsRegionSource): Promise<readonly ReturnsRegion[]> {
  const found = await source();
  if (found === null) return [];
  return Array.isArray(found) ? found : [found as ReturnsRegion];
}

/** What the cloud said about the originals a return needs. */
export type OriginalsLookup =
  | { kind: "found"; region: ReturnsRegion; originals: Map<string, ReturnOriginal>; unknown: string[] }
  | { kind: "offline"; reason: string };

export type ReservationOutcome =
  | { kind: "held" }
  | { kind: "already_returned"; message: string }
  | { kind: "offline"; reason: string };

/** Why a call to the region gave no usable answer, in a few words for the log and the payload-free refusal. */
function why(error: RegionApiError): string {
  switch (error.kind) {
    case "timeout":
      return "no answer in time";
    case "unreachable":
      return "unreachable";
    case "bad_answer":
      return "an unreadable answer";
    case "http":
      return `HTTP ${error.status}${error.code ? ` ${error.code}` : ""}`;
  }
}

/**
 * The register's side of returns anywhere: asks the region for originals this register does not
 * hold, reserves what a return takes from them, releases a reservation a return did not use, and
 * reads the store's unverified returns. Every call has the short `timeoutMs`; a region that does
 * not answer in time, or answers a failure, counts as offline (the return goes ahead unverified,
 * capped), never as an error of the return.
 */
export class CloudReturns {
  constructor(
    private readonly source: ReturnsRegionSource,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Looks each ref up (a transaction id or receipt number) at the sync engine's choice of region;
   * one that does not answer in time (restarting, overloaded, cut off) is passed over for the
   * next, so a return is taken on the register's word only when no region answers at all.
   */
  async findOriginals(refs: readonly string[]): Promise<OriginalsLookup> {
    const regions = await regionsOf(this.source);
    if (regions.length === 0) return { kind: "offline", reason: "no region is configured or reachable" };
    const reasons: string[] = [];
    for (const region of regions) {
      const answer = await this.findAt(region, refs);
      if (answer.kind === "found") return answer;
      reasons.push(answer.reason);
    }
    return { kind: "offline", reason: reasons.join("; ") };
  }

  private async findAt(region: ReturnsRegion, refs: readonly string[]): Promise<OriginalsLookup> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const found = new Map<string, ReturnOriginal>();
    const unknown: string[] = [];
    try {
      const answers = await Promise.all(
        refs.map((ref) => region.client.returnOriginal(ref, { signal, timeoutMs: this.timeoutMs })),
      );
      answers.forEach((original, i) => {
        const ref = refs[i] as string;
        if (original) found.set(ref, original);
        else unknown.push(ref);
      });
    } catch (error) {
      if (!(error instanceof RegionApiError)) throw error;
      const reason = `region ${region.name}: ${why(error)}`;
      this.logger.warn(
        { region: region.name, kind: error.kind, status: error.status },
        "return: original lookup failed; offline return",
      );
      return { kind: "offline", reason };
    }
    return { kind: "found", region, originals: found, unknown };
  }

  /** Holds the units and refunds a return takes from the cloud's originals, keyed by the return's event id. */
  async reserve(region: ReturnsRegion, request: ReservationRequest): Promise<ReservationOutcome> {
    try {
      await region.client.reserveReturn(request, { timeoutMs: this.timeoutMs });
      return { kind: "held" };
    } catch (error) {
      if (!(error instanceof RegionApiError)) throw error;
      if (error.kind === "http" && error.status === 409 && error.code === "already_returned") {
        return { kind: "already_returned", message: error.detail };
      }
      this.logger.warn(
        { region: region.name, kind: error.kind, status: error.status, returnEventId: request.returnEventId },
        "return: reservation failed; offline return",
      );
      return { kind: "offline", reason: `region ${region.name}: ${why(error)}` };
    }
  }

  /**
   * Gives a reservation back when its return was not recorded. Best effort: a reservation the
   * region does not hear about ends at its own expiry, so a failure is logged, never thrown.
   */
  async release(region: ReturnsRegion, returnEventId: string): Promise<boolean> {
    try {
      await region.client.releaseReturn(returnEventId, { timeoutMs: this.timeoutMs });
      return true;
    } catch (error) {
      if (!(error instanceof RegionApiError)) throw error;
      this.logger.warn(
        { region: region.name, kind: error.kind, status: error.status, returnEventId },
        "return: could not release the reservation of a return that was not recorded; it expires at the region",
      );
      return false;
    }
  }

  /** The store's unverified returns as the cloud sees them; null when no region answers. */
  async unverifiedReturns(storeId: string): Promise<{ region: string; list: UnverifiedReturnList } | { unavailable: string }> {
    const [region] = await regionsOf(this.source);
    if (!region) return { unavailable: "offline: the cloud's status shows when a region is reachable" };
    try {
      return { region: region.name, list: await region.client.unverifiedReturns(storeId, {}, { timeoutMs: this.timeoutMs }) };
    } catch (error) {
      if (!(error instanceof RegionApiError)) throw error;
      return { unavailable: `region ${region.name}: ${why(error)}` };
    }
  }
}
