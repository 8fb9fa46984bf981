/**
 * An online shop's order system, as the chain plays it: it records each order as an
 * `order.completed` event with its channel credential, numbering its events like a register
 * (seq 1, 2, 3 … per channel instance), and sends it to the first region that answers, retrying
 * the same event (same eventId) elsewhere when a region is down: the region API's idempotency
 * makes the retry safe. Like a register's outbox, it keeps every order until the regions say all
 * of them hold it (`watermark.replicatedSeq`), and sends the kept ones again with each batch: a
 * region that acknowledged an order and then lost it (restored from a backup before a peer
 * pulled it) gets it back from the channel, as no other region has it.
 */
import {
  CURRENT_SCHEMA_VERSION,
  computeTotals,
  money,
  newEventId,
  type OrderCompleted,
  RegionApiError,
  RegionClient,
  type SaleLine,
} from "@tenderline/shared";

export interface OrderLineInput {
  sku: string;
  description?: string;
  quantity: number;
  /** Price per unit and tax for the whole line, minor units. */
  unitPrice: number;
  tax: number;
}

export interface PlacedOrder {
  eventId: string;
  transactionId: string;
  orderId: string;
  seq: number;
  lines: SaleLine[];
  payload: OrderCompleted;
  /** The region that acknowledged it. */
  region: string;
}

export class OrderChannelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OrderChannelError";
  }
}

export class OrderChannel {
  private seq = 0;
  readonly placed: PlacedOrder[] = [];
  /** Every order event sent, acknowledged or not: what the channel recorded. */
  readonly attempted: string[] = [];
  private readonly clients: RegionClient[];
  /** Orders not yet held by every region, by seq: sent again until replicatedSeq passes them. */
  private readonly kept = new Map<number, { eventId: string }>();

  constructor(
    private readonly spec: { storeId: string; registerId: string; channel: string; currency?: string },
    regionUrls: readonly string[],
    credential: string,
  ) {
    this.clients = regionUrls.map((url) => new RegionClient(url, credential, { timeoutMs: 5000 }));
  }

  /** Records one order paid by card (with the gateway's references), shipping as its last line. */
  async place(orderId: string, items: readonly OrderLineInput[], shipping = 0): Promise<PlacedOrder> {
    const currency = this.spec.currency ?? "USD";
    const lines: SaleLine[] = [
      ...items.map((i) => ({
        sku: i.sku,
        description: i.description ?? "",
        quantity: i.quantity,
        unitPrice: money(i.unitPrice, currency),
        tax: money(i.tax, currency),
      })),
      ...(shipping > 0
        ? [
            {
              sku: "SHIPPING",
              description: "Shipping",
              quantity: 1,
              unitPrice: money(shipping, currency),
              tax: money(0, currency),
            },
          ]
        : []),
    ];
    const totals = computeTotals(lines);
    const transactionId = newEventId();
    const gatewayTxn = `GW-${orderId}`;
    const payload: OrderCompleted = {
      transactionId,
      cashierId: this.spec.channel,
      orderId,
      channel: this.spec.channel,
      lines,
      totals,
      tenders: [
        {
          tenderId: "t1",
          type: "card",
          amount: totals.total,
          card: {
            token: `tok_web_${orderId}`,
            last4: "4242",
            brand: "visa",
            entryMode: "ecommerce",
            terminalTxnId: gatewayTxn,
            authCode: `WA${orderId.slice(-6)}`,
            processorRef: `PR-${gatewayTxn}`,
          },
          offline: false,
        },
      ],
    };
    const seq = ++this.seq;
    const event = {
      eventId: newEventId(),
      storeId: this.spec.storeId,
      registerId: this.spec.registerId,
      seq,
      type: "order.completed",
      occurredAt: new Date().toISOString(),
      schemaVersion: CURRENT_SCHEMA_VERSION,
      payload,
    };
    this.attempted.push(event.eventId);
    this.kept.set(seq, event);
    const region = await this.send(event);
    const order = { eventId: event.eventId, transactionId, orderId, seq, lines, payload, region };
    this.placed.push(order);
    return order;
  }

  /** Orders the regions do not all hold yet. */
  get unreplicated(): number {
    return this.kept.size;
  }

  /**
   * Sends the kept orders again until every region holds them (or `timeoutMs` passes): what the
   * order system does after an outage. Returns how many are still not held everywhere.
   */
  async settle(timeoutMs = 60_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (this.kept.size > 0 && Date.now() < until) {
      const first = [...this.kept.values()][0] as { eventId: string };
      await this.send(first).catch((error: unknown) => {
        if (!(error instanceof OrderChannelError)) throw error;
      });
      if (this.kept.size > 0) await new Promise((r) => setTimeout(r, 500));
    }
    return this.kept.size;
  }

  /** The event in a batch with the kept orders (oldest first, at most 200): duplicates where a region has them. */
  private batchWith(event: { eventId: string }): Array<{ eventId: string }> {
    const others = [...this.kept.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, e]) => e)
      .filter((e) => e.eventId !== event.eventId)
      .slice(-199);
    return [...others, event];
  }

  private async send(event: { eventId: string }): Promise<string> {
    const reasons: string[] = [];
    for (const client of this.clients) {
      try {
        const answer = await client.sendBatch({
          storeId: this.spec.storeId,
          registerId: this.spec.registerId,
          events: this.batchWith(event),
        });
        const result = answer.results.find((r) => r.eventId === event.eventId);
        if (result?.status === "accepted" || result?.status === "duplicate") {
          // Held by every region up to replicatedSeq: those need not be kept any longer.
          for (const seq of [...this.kept.keys()]) if (seq <= answer.watermark.replicatedSeq) this.kept.delete(seq);
          return answer.region;
        }
        throw new OrderChannelError(`${answer.region} refused order event ${event.eventId}: ${result?.reason ?? "no result"}`);
      } catch (error) {
        // A region that is down or cut off (its balancer answering 502/503/504 with no instance
        // up, or failing itself): the same event goes to the next one.
        if (error instanceof RegionApiError && (error.kind !== "http" || (error.status ?? 0) >= 500)) {
          reasons.push(error.message);
          continue;
        }
        throw error;
      }
    }
    throw new OrderChannelError(`no region took order event ${event.eventId}: ${reasons.join("; ")}`);
  }
}
