import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  generateStoredValueKeys,
  lastFourOf,
  type Money,
  RegionClient,
  type StoredValueBalance,
  type StoredValueHold,
  type StoredValueHoldRequest,
  StoredValueHoldRequestSchema,
  StoredValueInquirySchema,
  type StoredValueKeys,
  type StoredValueKind,
  storedValueToken,
  unsealNumber,
} from "@tenderline/shared";
import { Hono } from "hono";
import type { StoredValueRegion } from "./cloud-stored-value.ts";

interface Account {
  token: string;
  kind: StoredValueKind;
  last4: string;
  balance: Money;
}

/**
 * A small stand-in for the region's stored-value routes (POST /v1/stored-value/inquiries, POST and
 * DELETE /v1/stored-value/holds), answering the shared schemas' shapes with keys of its own: it
 * opens sealed numbers with its private key and names accounts by the keyed hash, as a region
 * does. A hold checks and takes the balance in one synchronous step, so two registers racing for
 * one balance get one hold and one `insufficient_balance`. It lets a test hold requests until it
 * says go, to make a race happen at a known moment, and keeps every body it was sent.
 */
export interface FakeStoredValueRegion {
  name: string;
  url: string;
  keys: StoredValueKeys;
  region(timeoutMs?: number): StoredValueRegion;
  /** Opens (or loads) an account by its plain number, as an activation reaching the ledger would. */
  issue(kind: StoredValueKind, number: string, amount: Money): string;
  /** Opens an account from a sealed number, as the ledger does when a return's store credit arrives. */
  issueSealed(kind: StoredValueKind, sealed: string, amount: Money): string;
  /** Takes a held amount off the balance, as the ledger does when the sale's event arrives. */
  capture(holdId: string): void;
  balance(token: string): StoredValueBalance | undefined;
  holds: ReadonlyMap<string, StoredValueHoldRequest & { token: string }>;
  releases: readonly string[];
  /** Every request body the fake was sent, as text, for checking no number travelled in clear. */
  bodies: readonly string[];
  /** Holds the next `count` hold posts until `go()`; `arrived` resolves when all have come. */
  gateHolds(count: number): { arrived: Promise<void>; go(): void };
  close(): Promise<void>;
}

export async function startFakeStoredValueRegion(name = "fake-stored-value"): Promise<FakeStoredValueRegion> {
  const keys = generateStoredValueKeys();
  const accounts = new Map<string, Account>();
  const holds = new Map<string, StoredValueHoldRequest & { token: string }>();
  const releases: string[] = [];
  const bodies: string[] = [];
  let gate: { promise: Promise<void>; waiting: number; arrived: () => void } | undefined;

  const held = (token: string) =>
    [...holds.values()].filter((h) => h.token === token).reduce((sum, h) => sum + h.amount.amount, 0);
  const view = (a: Account): StoredValueBalance => {
    const h = held(a.token);
    return {
      token: a.token,
      kind: a.kind,
      last4: a.last4,
      currency: a.balance.currency,
      balance: a.balance,
      held: { amount: h, currency: a.balance.currency },
      available: { amount: a.balance.amount - h, currency: a.balance.currency },
      status: "active",
    };
  };
  const open = (kind: StoredValueKind, number: string, amount: Money) => {
    const token = storedValueToken(keys.tokenKey, kind, number);
    const found = accounts.get(token);
    if (found) found.balance = { amount: found.balance.amount + amount.amount, currency: found.balance.currency };
    else accounts.set(token, { token, kind, last4: lastFourOf(number), balance: amount });
    return token;
  };
  const tokenOf = (kind: StoredValueKind, sealed: string) =>
    storedValueToken(keys.tokenKey, kind, unsealNumber(keys.sealPrivateKey, sealed));

  const app = new Hono();
  app.post("/v1/stored-value/inquiries", async (c) => {
    const text = await c.req.text();
    bodies.push(text);
    const request = StoredValueInquirySchema.parse(JSON.parse(text));
    const account = accounts.get(tokenOf(request.kind, request.sealed));
    if (!account) return c.json({ error: "account_not_found", message: "no such account" }, 404);
    return c.json(view(account));
  });
  app.post("/v1/stored-value/holds", async (c) => {
    const text = await c.req.text();
    bodies.push(text);
    const request = StoredValueHoldRequestSchema.parse(JSON.parse(text));
    if (gate) {
      const g = gate;
      g.waiting -= 1;
      if (g.waiting <= 0) {
        gate = undefined;
        g.arrived();
      }
      await g.promise;
    }
    // From here to the answer nothing awaits: the check and the hold are one step.
    const token = request.token ?? tokenOf(request.kind, request.sealed as string);
    const account = accounts.get(token);
    if (!account || account.kind !== request.kind) return c.json({ error: "account_not_found", message: "no such account" }, 404);
    const answer = (status: 200 | 201) =>
      c.json(
        {
          holdId: request.holdId,
          token,
          last4: account.last4,
          amount: request.amount,
          available: view(account).available,
          expiresAt: "2099-01-01T00:00:00.000Z",
        } satisfies StoredValueHold,
        status,
      );
    const existing = holds.get(request.holdId);
    if (existing) {
      if (existing.token === token && existing.amount.amount === request.amount.amount) return answer(200);
      return c.json({ error: "hold_conflict", message: "that hold id holds something else" }, 409);
    }
    const available = view(account).available;
    if (request.amount.currency !== account.balance.currency || request.amount.amount > available.amount) {
      return c.json({ error: "insufficient_balance", message: "not enough on the account", details: { available } }, 409);
    }
    holds.set(request.holdId, { ...request, token });
    return answer(201);
  });
  app.delete("/v1/stored-value/holds/:holdId", (c) => {
    const id = c.req.param("holdId");
    releases.push(id);
    holds.delete(id);
    return c.body(null, 204);
  });

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
    keys,
    region: (timeoutMs = 5_000) => ({ name, client: new RegionClient(url, "tl_test_register", { timeoutMs }) }),
    issue: open,
    issueSealed: (kind, sealed, amount) => open(kind, unsealNumber(keys.sealPrivateKey, sealed), amount),
    capture(holdId) {
      const hold = holds.get(holdId);
      if (!hold) throw new Error(`the fake holds nothing under ${holdId}`);
      const account = accounts.get(hold.token) as Account;
      account.balance = { amount: account.balance.amount - hold.amount.amount, currency: account.balance.currency };
      holds.delete(holdId);
    },
    balance: (token) => {
      const a = accounts.get(token);
      return a ? view(a) : undefined;
    },
    holds,
    releases,
    bodies,
    gateHolds(count) {
      let go = () => {};
      let arrived = () => {};
      const arrival = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const promise = new Promise<void>((resolve) => {
        go = resolve;
      });
      gate = { promise, waiting: count, arrived };
      return { arrived: arrival, go };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) (server as { closeAllConnections(): void }).closeAllConnections();
      }),
  };
}
