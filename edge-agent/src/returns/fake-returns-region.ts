import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  type Money,
  RegionClient,
  type ReservationRequest,
  ReservationRequestSchema,
  type ReturnOriginal,
  type SaleLine,
  type Tender,
  type UnverifiedReturn,
} from "@tenderline/shared";
import { Hono } from "hono";
import type { ReturnsRegion } from "./cloud-returns.ts";

/** An original as a test hands it to the fake: what was sold and paid; what is left is worked out. */
export interface FakeOriginal {
  transactionId: string;
  receiptNumber?: string;
  storeId: string;
  registerId: string;
  channel?: string;
  occurredAt?: string;
  lines: SaleLine[];
  tenders: Tender[];
}

/**
 * A small stand-in for the region's returns routes (GET /v1/returns/originals/:ref, POST and
 * DELETE /v1/returns/reservations, GET /v1/stores/:storeId/unverified-returns), answering the
 * shared schemas' shapes: originals with what is returned, reserved and returnable, reservations
 * all or nothing (409 already_returned), releases noted. It lets a test hold reservations until it
 * says go, to make a race happen in a known order.
 */
export interface FakeReturnsRegion {
  name: string;
  url: string;
  /** The region as the agent takes it (AgentOptions.returnsRegion). */
  region(token?: string): ReturnsRegion;
  addOriginal(original: FakeOriginal): void;
  /** Units of a sku returned at the cloud already (another register's return the cloud has). */
  markReturned(transactionId: string, lineNo: number, quantity: number): void;
  reservations: ReadonlyMap<string, ReservationRequest>;
  /** Every reservation posted, held or refused, in arrival order. */
  posted: readonly ReservationRequest[];
  /** Return event ids released, in order. */
  releases: readonly string[];
  lookups: readonly string[];
  setUnverified(items: UnverifiedReturn[]): void;
  /** Holds the next reservation posts until `go()`; `arrived` resolves when the first one is held. */
  holdReservations(): { arrived: Promise<void>; go(): void };
  close(): Promise<void>;
}

interface State {
  original: FakeOriginal;
  returned: number[];
}

export async function startFakeReturnsRegion(name = "fake-returns"): Promise<FakeReturnsRegion> {
  const originals = new Map<string, State>();
  const reservations = new Map<string, ReservationRequest>();
  const releases: string[] = [];
  const lookups: string[] = [];
  const posted: ReservationRequest[] = [];
  let unverified: UnverifiedReturn[] = [];
  let gate: { promise: Promise<void>; arrived: () => void } | undefined;

  const find = (ref: string) =>
    originals.get(ref) ?? [...originals.values()].find((s) => s.original.receiptNumber && s.original.receiptNumber === ref);

  /** Units of each line and amounts of each tender held by reservations other than `except`. */
  const held = (transactionId: string, except?: string) => {
    const units = new Map<string, number>();
    const amounts = new Map<string, number>();
    for (const [eventId, r] of reservations) {
      if (eventId === except) continue;
      for (const o of r.originals.filter((x) => x.transactionId === transactionId)) {
        for (const i of o.items) units.set(i.sku, (units.get(i.sku) ?? 0) + i.quantity);
        for (const f of o.refunds) amounts.set(f.tenderId, (amounts.get(f.tenderId) ?? 0) + f.amount.amount);
      }
    }
    return { units, amounts };
  };

  /** Reserved units handed out to a sku's lines in order (the fake keeps reservations per sku). */
  const view = (state: State): ReturnOriginal => {
    const { original } = state;
    const h = held(original.transactionId);
    const skuLeft = new Map(h.units);
    const currency = original.lines[0]?.unitPrice.currency ?? "USD";
    return {
      transactionId: original.transactionId,
      receiptNumber: original.receiptNumber ?? null,
      kind: original.channel ? "order" : "sale",
      storeId: original.storeId,
      registerId: original.registerId,
      channel: original.channel ?? null,
      occurredAt: original.occurredAt ?? "2026-12-01T10:00:00.000Z",
      currency,
      lines: original.lines.map((l, lineNo) => {
        const returned = state.returned[lineNo] ?? 0;
        const free = l.quantity - returned;
        const reserved = Math.min(free, skuLeft.get(l.sku) ?? 0);
        skuLeft.set(l.sku, (skuLeft.get(l.sku) ?? 0) - reserved);
        return { ...l, lineNo, returned, reserved, returnable: free - reserved };
      }),
      tenders: original.tenders.map((t) => {
        const reserved = h.amounts.get(t.tenderId) ?? 0;
        const money = (amount: number): Money => ({ amount, currency: t.amount.currency });
        return {
          tenderId: t.tenderId,
          type: t.type,
          amount: t.amount,
          // This fake tracks units returned at the cloud (markReturned), not amounts refunded.
          refunded: money(0),
          reserved: money(reserved),
          refundable: money(t.amount.amount - reserved),
          ...(t.type === "card"
            ? { card: { brand: t.card.brand, last4: t.card.last4, token: t.card.token, processorRef: t.card.processorRef } }
            : {}),
        };
      }),
    };
  };

  const app = new Hono();
  app.get("/v1/returns/originals/:ref", (c) => {
    const ref = c.req.param("ref");
    lookups.push(ref);
    const state = find(ref);
    if (!state) return c.json({ error: "not_found", message: `no original ${ref}` }, 404);
    return c.json(view(state));
  });
  app.post("/v1/returns/reservations", async (c) => {
    const request = ReservationRequestSchema.parse(await c.req.json());
    posted.push(request);
    if (gate) {
      gate.arrived();
      await gate.promise;
    }
    if (reservations.has(request.returnEventId))
      return c.json({ returnEventId: request.returnEventId, expiresAt: "2099-01-01T00:00:00.000Z" }, 200);
    for (const o of request.originals) {
      const state = originals.get(o.transactionId);
      if (!state) return c.json({ error: "not_found", message: `no original ${o.transactionId}` }, 404);
      const others = held(o.transactionId, request.returnEventId);
      for (const item of o.items) {
        const left = state.original.lines.reduce(
          (s, l, lineNo) => (l.sku === item.sku ? s + l.quantity - (state.returned[lineNo] ?? 0) : s),
          -(others.units.get(item.sku) ?? 0),
        );
        if (item.quantity > left) {
          return c.json({ error: "already_returned", message: `only ${Math.max(0, left)} of ${item.sku} left to return` }, 409);
        }
      }
    }
    reservations.set(request.returnEventId, request);
    return c.json({ returnEventId: request.returnEventId, expiresAt: "2099-01-01T00:00:00.000Z" }, 201);
  });
  app.delete("/v1/returns/reservations/:id", (c) => {
    const id = c.req.param("id");
    releases.push(id);
    reservations.delete(id);
    return c.body(null, 204);
  });
  app.get("/v1/stores/:storeId/unverified-returns", (c) =>
    c.json({ region: name, items: unverified.filter((u) => u.storeId === c.req.param("storeId")) }),
  );

  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve({ server: s, port: info.port }),
    );
    s.once("error", reject);
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    name,
    url,
    region: (token = "tl_test_register") => ({ name, client: new RegionClient(url, token, { timeoutMs: 5_000 }) }),
    addOriginal(original) {
      originals.set(original.transactionId, { original, returned: original.lines.map(() => 0) });
    },
    markReturned(transactionId, lineNo, quantity) {
      const state = originals.get(transactionId);
      if (!state) throw new Error(`the fake has no original ${transactionId}`);
      state.returned[lineNo] = (state.returned[lineNo] ?? 0) + quantity;
    },
    reservations,
    posted,
    releases,
    lookups,
    setUnverified(items) {
      unverified = items;
    },
    holdReservations() {
      let go = () => {};
      let arrived = () => {};
      const arrival = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const promise = new Promise<void>((resolve) => {
        go = resolve;
      });
      gate = { promise, arrived };
      return {
        arrived: arrival,
        go: () => {
          gate = undefined;
          go();
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) (server as { closeAllConnections(): void }).closeAllConnections();
      }),
  };
}
