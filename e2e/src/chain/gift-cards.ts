/** Gift cards through a register's API, as register software uses them: sealed at the agent, sold for cash, activated by the cloud. */
import {
  SaleRecordedSchema,
  type Sealed,
  SealedSchema,
  type StoredValueBalance,
  StoredValueBalanceSchema,
  type StoredValueKind,
} from "@tenderline/shared";
import { api } from "./chain.ts";
import { until } from "./until.ts";

const usd = (amount: number) => ({ amount, currency: "USD" });

/** The number sealed by the agent (the one request that carries it). */
export function sealGiftCard(agentUrl: string, number: string, kind: StoredValueKind = "gift_card"): Promise<Sealed> {
  return api(`${agentUrl}/api/v1/stored-value/seal`, SealedSchema, { method: "POST", json: { kind, number } });
}

/** The card's (or store credit's) balance as the agent gets it from the region (fails when no region answers). */
export async function giftCardBalance(
  agentUrl: string,
  number: string,
  kind: StoredValueKind = "gift_card",
): Promise<StoredValueBalance> {
  const sealed = await sealGiftCard(agentUrl, number, kind);
  return api(`${agentUrl}/api/v1/stored-value/inquiry`, StoredValueBalanceSchema, {
    method: "POST",
    json: { kind, sealed: sealed.sealed },
  });
}

/** Sells the card loaded with `amount` for cash at this register, and waits until the cloud has activated it. */
export async function activateGiftCard(agentUrl: string, number: string, amount: number): Promise<void> {
  const sealed = await sealGiftCard(agentUrl, number);
  await api(`${agentUrl}/api/v1/sales`, SaleRecordedSchema, {
    method: "POST",
    json: {
      cashierId: "c-1",
      lines: [
        {
          sku: "GIFT-CARD",
          description: "Gift card",
          quantity: 1,
          unitPrice: usd(amount),
          tax: usd(0),
          storedValue: { action: "activate", last4: sealed.last4, sealed: sealed.sealed },
        },
      ],
      tenders: [{ type: "cash", amount: usd(amount) }],
    },
  });
  await until(`gift card ${sealed.last4} activated in the cloud`, async () => {
    const balance = await giftCardBalance(agentUrl, number).catch(() => undefined);
    return balance?.status === "active" && balance.available.amount === amount;
  });
}
