import {
  formatMoney,
  type Money,
  MoneySchema,
  RegionApiError,
  type RegionClient,
  ServiceError,
  type StoredValueBalance,
  type StoredValueHold,
  type StoredValueHoldRequest,
  type StoredValueInquiry,
} from "@tenderline/shared";
import type { Logger } from "../logging/logger.ts";

/** A region to ask about gift cards and store credit: its name (for logs) and a client with the register's credential. */
export interface StoredValueRegion {
  name: string;
  client: RegionClient;
}

/**
 * Where the agent gets the regions for a redemption: the sync engine's current choice, in its
 * order, as for returns (agent.ts builds both from one regionChoice), or a region a test hands in.
 */
export type StoredValueRegionSource = () => Promise<StoredValueRegion | readonly StoredValueRegion[] | null>;

export type HoldOutcome =
  | { kind: "held"; region: StoredValueRegion; hold: StoredValueHold }
  /** A region answered no: not enough left, no such account, the same hold id for something else. */
  | { kind: "refused"; status: 404 | 409 | 422; code: string; message: string; available?: Money }
  /** No region answered; `uncertain` are those that may have taken the hold anyway (no answer in time). */
  | { kind: "offline"; reason: string; uncertain: StoredValueRegion[] };

async function regionsOf(source: StoredValueRegionSource): Promise<readonly StoredValueRegion[]> {
  const found = await source();
  if (found === null) return [];
  return Array.isArray(found) ? found : [found as StoredValueRegion];
}

/** A status the region answers when it cannot serve now (another region may): anything else is its answer. */
function unanswered(error: RegionApiError): boolean {
  if (error.kind !== "http") return true;
  const status = error.status ?? 0;
  return status >= 500 || status === 401 || status === 403 || status === 408 || status === 429;
}

function why(region: StoredValueRegion, error: RegionApiError): string {
  const what =
    error.kind === "timeout"
      ? "no answer in time"
      : error.kind === "unreachable"
        ? "unreachable"
        : error.kind === "bad_answer"
          ? "an unreadable answer"
          : `HTTP ${error.status}${error.code ? ` ${error.code}` : ""}`;
  return `region ${region.name}: ${what}`;
}

/**
 * The register's side of the region's stored-value ledger: holds (authorisations keyed by the
 * tender's id), their release, and balance inquiries. Each region in the engine's order is tried
 * in turn with the short `storedValueTimeoutMs`; when none answers, the caller goes offline
 * (capped). Logs name regions, codes and hold ids, never a number, sealed or not.
 */
export class CloudStoredValue {
  constructor(
    private readonly source: StoredValueRegionSource,
    private readonly logger: Logger,
  ) {}

  async hold(request: StoredValueHoldRequest): Promise<HoldOutcome> {
    const regions = await regionsOf(this.source);
    const reasons: string[] = [];
    const uncertain: StoredValueRegion[] = [];
    for (const region of regions) {
      try {
        return { kind: "held", region, hold: await region.client.holdStoredValue(request) };
      } catch (error) {
        if (!(error instanceof RegionApiError)) throw error;
        if (!unanswered(error)) return refusedBy(error);
        if (error.kind === "timeout") uncertain.push(region);
        reasons.push(why(region, error));
        this.logger.warn(
          { region: region.name, kind: error.kind, status: error.status, holdId: request.holdId },
          "stored value: hold not answered; next region, else offline",
        );
      }
    }
    return { kind: "offline", reason: reasons.join("; ") || "no region is configured", uncertain };
  }

  /**
   * Gives a hold back when its redemption was not recorded. Best effort: a hold the region does
   * not hear about ends at its expiry, so a failure is logged, never thrown.
   */
  async release(region: StoredValueRegion, holdId: string): Promise<boolean> {
    try {
      await region.client.releaseStoredValue(holdId);
      return true;
    } catch (error) {
      if (!(error instanceof RegionApiError)) throw error;
      this.logger.warn(
        { region: region.name, kind: error.kind, status: error.status, holdId },
        "stored value: could not release the hold of a redemption that was not recorded; it expires at the region",
      );
      return false;
    }
  }

  /** The balance by sealed number; 503 `region_unavailable` when no region answers. */
  async inquire(request: StoredValueInquiry): Promise<StoredValueBalance> {
    const regions = await regionsOf(this.source);
    const reasons: string[] = [];
    for (const region of regions) {
      try {
        const balance = await region.client.storedValueInquiry(request);
        if (balance) return balance;
        throw new ServiceError(
          404,
          "account_not_found",
          "no gift card or store credit with that number was ever activated; check the number",
        );
      } catch (error) {
        if (!(error instanceof RegionApiError)) throw error;
        if (!unanswered(error)) {
          const refused = refusedBy(error);
          throw new ServiceError(refused.status, refused.code, refused.message);
        }
        reasons.push(why(region, error));
      }
    }
    this.logger.warn({ reasons }, "stored value: balance inquiry not answered by any region");
    throw new ServiceError(
      503,
      "region_unavailable",
      `no region answered (${reasons.join("; ") || "none configured"}), so the balance cannot be checked now; a redemption is still taken within the register's offline limits`,
    );
  }
}

function refusedBy(error: RegionApiError): Extract<HoldOutcome, { kind: "refused" }> {
  const facts = error.facts;
  const available = MoneySchema.safeParse(facts.available);
  const code = error.code ?? "stored_value_refused";
  if (code === "insufficient_balance" && available.success) {
    return {
      kind: "refused",
      status: 409,
      code,
      message: `not enough on the card: ${formatMoney(available.data)} left. Nothing was recorded; take ${formatMoney(available.data)} or less on it and the rest by another tender`,
      available: available.data,
    };
  }
  if (code === "account_not_found") {
    return {
      kind: "refused",
      status: 404,
      code,
      message: "the region knows no gift card or store credit with that number (never issued, or mistyped). Nothing was recorded",
    };
  }
  const status = error.status === 404 || error.status === 409 ? error.status : 422;
  return { kind: "refused", status, code, message: `the region refused the redemption: ${error.detail}. Nothing was recorded` };
}
