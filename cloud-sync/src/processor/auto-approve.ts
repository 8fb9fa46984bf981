import { createHash } from "node:crypto";
import type { Money } from "@tenderline/shared";
import type { SettlementRecord } from "./settlement-wire.ts";

/**
 * The settlement an auto-approving simulator invents for an unknown terminalTxnId. Deterministic
 * (derived from the id alone), so every region, reconciler instance and simulator restart
 * arrives at the same authCode and processorRef for the same tender.
 */
export function autoApprovedSettlement(terminalTxnId: string, expected: Money): SettlementRecord {
  const digest = createHash("sha256").update(`tenderline-sim:${terminalTxnId}`).digest("hex");
  return {
    terminalTxnId,
    amount: { amount: expected.amount, currency: expected.currency },
    status: "approved",
    authCode: digest.slice(0, 6).toUpperCase(),
    processorRef: `SIM-${digest.slice(6, 22)}`,
  };
}
