import { randomBytes } from "node:crypto";
import type { CardDetails, Money } from "@tenderline/shared";

/** Test cards the simulated terminal can "read": only the brand and last four digits ever exist here. */
export const TEST_CARDS = {
  visa: { brand: "visa", last4: "4242" },
  mastercard: { brand: "mastercard", last4: "4444" },
  amex: { brand: "amex", last4: "0005" },
  discover: { brand: "discover", last4: "1117" },
} as const;
export type TestCard = keyof typeof TEST_CARDS;
export const ENTRY_MODES = ["chip", "contactless", "swipe"] as const;
export type EntryMode = (typeof ENTRY_MODES)[number];

export interface TerminalApproval {
  card: CardDetails;
  /** true when the processor could not be reached: a store-and-forward approval with no authCode yet. */
  offline: boolean;
  amount: Money;
}

let counter = 0;

/**
 * A card terminal simulator. Like a real one it hands the register a token, the last four digits,
 * the brand, the entry mode and its own transaction id, never the card number. When the store's
 * link is down it approves offline (store and forward): authCode and processorRef stay null.
 */
export function approveOnTerminal(input: {
  amount: Money;
  card: TestCard;
  entryMode: EntryMode;
  online: boolean;
}): TerminalApproval {
  const card = TEST_CARDS[input.card];
  counter = (counter + 1) % 1_000_000;
  const terminalTxnId = `T-${Date.now().toString(36).toUpperCase()}-${String(counter).padStart(6, "0")}`;
  const approval = input.online
    ? { authCode: randomBytes(3).toString("hex").toUpperCase(), processorRef: `PR-${randomBytes(6).toString("hex")}` }
    : { authCode: null, processorRef: null };
  return {
    amount: input.amount,
    offline: !input.online,
    card: {
      token: `tok_${randomBytes(12).toString("hex")}`,
      last4: card.last4,
      brand: card.brand,
      entryMode: input.entryMode,
      terminalTxnId,
      ...approval,
    },
  };
}
