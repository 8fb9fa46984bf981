import type { ManagerApproval, SaleLine, Tender, TenderInput } from "@tenderline/shared";
import type { Logger } from "../logging/logger.ts";
import type { OfflineStoredValueCandidate, OfflineStoredValueRisk } from "../risk/offline-stored-value-limits.ts";
import type { CloudStoredValue, StoredValueRegion } from "../stored-value/cloud-stored-value.ts";
import { requireSealKey } from "../stored-value/seal.ts";
import { RegisterRefusal } from "./refusal.ts";

/** What the register needs for gift cards and store credit: the regions, the offline caps, the seal key. */
export interface StoredValueContext {
  /** Absent: no region to ask; every redemption is offline (capped). */
  cloud?: CloudStoredValue;
  risk: OfflineStoredValueRisk;
  /** The regions' public key (config storedValueSealKey); without it gift cards and sealed store credit are refused. */
  sealKey: string | undefined;
  /** The first digits of the store credit numbers this register issues. */
  storeCreditPrefix: string;
  /** Days an issued store credit can be spent; absent: it never expires. */
  storeCreditExpiryDays?: number;
  logger: Logger;
}

type StoredValueInput = Extract<TenderInput, { type: "gift_card" | "store_credit" }>;

/** One stored-value tender's authorisation: a region's hold, or none (offline). */
export type Authorization =
  | { kind: "held"; region: StoredValueRegion; token: string; last4: string; holdId: string }
  | { kind: "offline" };

/** The tender ids of a request (minted before anything is asked: a hold is keyed by its tender's id) and each stored-value tender's authorisation. */
export interface Redemption {
  ids: string[];
  authorizations: ReadonlyMap<number, Authorization>;
}

export function isStoredValue(t: TenderInput): t is StoredValueInput {
  return t.type === "gift_card" || t.type === "store_credit";
}

export function hasStoredValue(tenders: readonly TenderInput[]): boolean {
  return tenders.some(isStoredValue);
}

/**
 * A line that sells (activate) or reloads (load) a gift card: one card per line, no tax (the
 * value goes onto the card), and a card named by its sealed number or its token.
 */
export function checkStoredValueLines(lines: readonly SaleLine[], sealKey: string | undefined): void {
  lines.forEach((line, i) => {
    const sv = line.storedValue;
    if (!sv) return;
    const refuse = (why: string) => {
      throw new RegisterRefusal(422, "invalid_stored_value_line", `line ${i + 1} (${line.sku}) ${why}. Nothing was recorded`, {
        line: i,
      });
    };
    if (line.quantity !== 1) refuse("sells or reloads a gift card: its quantity must be 1 (one line per card)");
    if (line.tax.amount !== 0) refuse("sells or reloads a gift card: it carries no tax (tax is charged when the card is spent)");
    if (line.unitPrice.amount <= 0)
      refuse("sells or reloads a gift card: its price is the value put on the card and must be above zero");
    if (sv.sealed === undefined && sv.token === undefined) {
      refuse("names no card: give its sealed number (POST /api/v1/stored-value/seal) or its token");
    }
    if (sv.sealed !== undefined) requireSealKey(sealKey, "selling or reloading a gift card");
  });
}

/** The settings a tender needs before anything is asked of a region. */
export function checkStoredValueTenders(tenders: readonly TenderInput[], sealKey: string | undefined): void {
  tenders.forEach((t, i) => {
    if (t.type === "gift_card") requireSealKey(sealKey, "paying by gift card");
    if (t.type !== "store_credit") return;
    if (t.sealed !== undefined) {
      requireSealKey(sealKey, "paying by store credit with its number");
      if (t.last4 === undefined) {
        throw new RegisterRefusal(
          422,
          "invalid_store_credit",
          `tender ${i + 1}: a sealed store credit number needs its last4 too`,
        );
      }
    } else if (t.creditId === undefined) {
      throw new RegisterRefusal(
        422,
        "invalid_store_credit",
        `tender ${i + 1}: name the store credit by its sealed number and last4 (POST /api/v1/stored-value/seal with kind store_credit) or by its creditId from a balance inquiry`,
      );
    }
  });
}

/**
 * Holds each stored-value tender's amount at the region before a sale or exchange is recorded,
 * in the order given, keyed by the tender's id. A refusal releases the holds already taken and
 * refuses the whole transaction (nothing is recorded); no region answering makes that tender
 * offline (recorded sealed, capped).
 */
export async function authorize(
  ctx: StoredValueContext,
  where: { storeId: string; registerId: string },
  tenders: readonly TenderInput[],
  ids: string[],
): Promise<Redemption> {
  const authorizations = new Map<number, Authorization>();
  const redemption = { ids, authorizations };
  for (const [i, t] of tenders.entries()) {
    if (!isStoredValue(t)) continue;
    const holdId = ids[i] as string;
    if (!ctx.cloud) {
      authorizations.set(i, { kind: "offline" });
      continue;
    }
    const account =
      t.type === "gift_card"
        ? t.giftCard.token !== undefined
          ? { token: t.giftCard.token }
          : { sealed: t.giftCard.sealed as string }
        : t.sealed !== undefined
          ? { sealed: t.sealed }
          : { token: t.creditId as string };
    const outcome = await ctx.cloud.hold({ holdId, ...where, kind: t.type, ...account, amount: t.amount });
    if (outcome.kind === "held") {
      authorizations.set(i, {
        kind: "held",
        region: outcome.region,
        token: outcome.hold.token,
        last4: outcome.hold.last4,
        holdId,
      });
      continue;
    }
    if (outcome.kind === "offline") {
      authorizations.set(i, { kind: "offline" });
      // A region that did not answer in time may have taken the hold all the same: give it back, in the background.
      for (const region of outcome.uncertain) void ctx.cloud.release(region, holdId);
      continue;
    }
    await release(ctx, redemption);
    const what = t.type === "gift_card" ? "gift card" : "store credit";
    throw new RegisterRefusal(
      outcome.status,
      outcome.code,
      `the ${what} payment (tender ${i + 1}) was refused: ${outcome.message}`,
      { tenderIndex: i, ...(outcome.available ? { available: outcome.available } : {}) },
    );
  }
  return redemption;
}

/** Gives back every hold of a redemption that was not recorded (best effort, logged). */
export async function release(ctx: StoredValueContext, redemption: Redemption | undefined): Promise<void> {
  if (!redemption || !ctx.cloud) return;
  const cloud = ctx.cloud;
  const held = [...redemption.authorizations.values()].filter((a) => a.kind === "held");
  await Promise.all(held.map((a) => cloud.release(a.region, a.holdId)));
  if (held.length > 0) ctx.logger.info({ holdIds: held.map((a) => a.holdId) }, "stored value: holds released, nothing recorded");
}

/**
 * The tenders as the event records them: a held one with the account's token, last4 and the
 * hold's id (the region captures it when the event arrives); an offline one with the sealed
 * number (or token) and no hold. Returns the offline ones for the caps. `tenders` are the
 * prepared tenders, in the request's order, with the ids the redemption minted.
 */
export function applyRedemption(
  tenders: readonly Tender[],
  redemption: Redemption | undefined,
): { tenders: Tender[]; offline: OfflineStoredValueCandidate[] } {
  const offline: OfflineStoredValueCandidate[] = [];
  const out = tenders.map((t, i): Tender => {
    if (t.type !== "gift_card" && t.type !== "store_credit") return t;
    const auth = redemption?.authorizations.get(i) ?? { kind: "offline" as const };
    if (auth.kind === "held") {
      return t.type === "gift_card"
        ? { ...t, giftCard: { token: auth.token, last4: auth.last4, holdId: auth.holdId } }
        : { tenderId: t.tenderId, type: t.type, amount: t.amount, creditId: auth.token, last4: auth.last4, holdId: auth.holdId };
    }
    offline.push({ tenderId: t.tenderId, kind: t.type, amount: t.amount });
    if (t.type === "gift_card") {
      const g = t.giftCard;
      return {
        ...t,
        giftCard: { last4: g.last4, ...(g.sealed !== undefined ? { sealed: g.sealed } : { token: g.token as string }) },
      };
    }
    // Offline a sealed credit has no account token yet: prepareTenders named it by an id of the register's own.
    return t;
  });
  return { tenders: out, offline };
}

/**
 * Records who approved an offline redemption past the caps on its tender: an id and a time only.
 * (The shared tender schemas keep `approvedBy` on card tenders only so far; until gift card and
 * store credit tenders have it, the event drops it and the register's risk table keeps it.)
 */
export function applyStoredValueApproval(
  tenders: Tender[],
  overridden: ReadonlySet<string>,
  approval: ManagerApproval | undefined,
): Tender[] {
  if (!approval || overridden.size === 0) return tenders;
  return tenders.map((t) =>
    (t.type === "gift_card" || t.type === "store_credit") && overridden.has(t.tenderId)
      ? Object.assign({}, t, { approvedBy: approval })
      : t,
  );
}
