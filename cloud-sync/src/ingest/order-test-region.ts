import { type CredentialSubject, newEventId, RegionClient, type TenderEvent } from "@tenderline/shared";
import { generateCredentialKeys, importIssuerKey } from "../auth/credential-keys.ts";
import { signCredential } from "../auth/signed-credentials.ts";
import type { BootstrapToken } from "../auth/tokens.ts";
import { RegionConfigSchema } from "../config/config.ts";
import { type RunningRegion, startRegion } from "../server/start-region.ts";
import type { Backend, TestStore } from "../testing/test-databases.ts";

/** A region running in this process (its real HTTP server, batch worker thread and credential routes), for order-channel tests. */
export interface OrderTestRegion {
  region: RunningRegion;
  url: string;
  /** The shared client as the operator (a signed admin credential). */
  admin: RegionClient;
  /** The shared client under another credential. */
  as(credential: string): RegionClient;
  /** A credential signed with the region's issuer key without asking the region (as `token create --offline` does). */
  signOffline(subject: CredentialSubject): Promise<{ credential: string; id: string }>;
  close(): Promise<void>;
}

export async function startOrderTestRegion(
  backend: Backend,
  store: TestStore,
  options: { bootstrapTokens?: BootstrapToken[] } = {},
): Promise<OrderTestRegion> {
  const keys = await generateCredentialKeys();
  const issuerKey = await importIssuerKey(keys.credentialIssuerKey);
  const admin = (await signCredential(issuerKey, { kind: "admin" })).credential;
  const storage = backend === "pglite" ? { dataDir: "memory://" } : await store.processStorage("orders");
  const config = RegionConfigSchema.parse({
    region: "A",
    port: "0",
    ...storage,
    // One batch worker: a channel's batches are classified off the main thread as in production.
    ingestWorkers: "1",
    credentialIssuerKey: JSON.stringify(keys.credentialIssuerKey),
    credentialTrustedKeys: JSON.stringify(keys.credentialTrustedKeys),
    ...(options.bootstrapTokens ? { bootstrapTokens: JSON.stringify(options.bootstrapTokens) } : {}),
    backgroundJobs: "false",
    logLevel: "silent",
  });
  const region = await startRegion(config);
  const url = `http://127.0.0.1:${region.port}`;
  return {
    region,
    url,
    admin: new RegionClient(url, admin),
    as: (credential) => new RegionClient(url, credential),
    signOffline: async (subject) => {
      const { credential, claims } = await signCredential(issuerKey, subject);
      return { credential, id: claims.id };
    },
    close: () => region.close(),
  };
}

export interface OrderOptions {
  storeId?: string;
  registerId?: string;
  seq: number;
  eventId?: string;
  orderId?: string;
  /** Card part of the order (default 4500, of which 500 is shipping). */
  cardAmount?: number;
  giftCardAmount?: number;
  card?: Partial<{ entryMode: string; authCode: string | null; processorRef: string | null; offline: boolean }>;
}

/**
 * A valid `order.completed` as an order channel sends it: two lines (an item and shipping), a card
 * taken online by the channel's gateway (ecommerce, authCode and processorRef set, not offline)
 * and optionally a gift card.
 */
export function orderEvent(o: OrderOptions): TenderEvent {
  const usd = (amount: number) => ({ amount, currency: "USD" });
  const card = o.cardAmount ?? 4500;
  const gift = o.giftCardAmount ?? 0;
  const total = card + gift;
  const storeId = o.storeId ?? "online";
  const registerId = o.registerId ?? "web-1";
  const orderId = o.orderId ?? `W-${registerId}-${o.seq}`;
  const transactionId = `ord-${registerId}-${o.seq}`;
  const tenders: unknown[] = [
    {
      tenderId: `${transactionId}-t1`,
      type: "card",
      amount: usd(card),
      card: {
        token: "tok_web_77",
        last4: "4242",
        brand: "visa",
        entryMode: o.card?.entryMode ?? "ecommerce",
        terminalTxnId: `GW-${orderId}`,
        authCode: o.card?.authCode === undefined ? "A9Z8Y7" : o.card.authCode,
        processorRef: o.card?.processorRef === undefined ? `PR-${orderId}` : o.card.processorRef,
      },
      offline: o.card?.offline ?? false,
    },
  ];
  if (gift > 0) {
    tenders.push({
      tenderId: `${transactionId}-t2`,
      type: "gift_card",
      amount: usd(gift),
      giftCard: { token: "gc_1", last4: "0001" },
    });
  }
  return {
    eventId: o.eventId ?? newEventId(),
    storeId,
    registerId,
    seq: o.seq,
    type: "order.completed",
    occurredAt: "2026-11-26T12:00:00.000Z",
    schemaVersion: 1,
    payload: {
      transactionId,
      cashierId: "web",
      orderId,
      channel: "web",
      lines: [
        { sku: "TEE-M-BLK", description: "Tee", quantity: 1, unitPrice: usd(total - 500), tax: usd(0) },
        { sku: "SHIPPING", description: "Shipping", quantity: 1, unitPrice: usd(500), tax: usd(0) },
      ],
      tenders,
      totals: { subtotal: usd(total), tax: usd(0), total: usd(total) },
    },
  } as TenderEvent;
}
