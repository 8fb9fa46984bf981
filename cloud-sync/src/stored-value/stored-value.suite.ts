import { Writable } from "node:stream";
import {
  ErrorBodySchema,
  StoredValueAccountSchema,
  StoredValueBalanceSchema,
  StoredValueBalancesSchema,
  StoredValueHoldSchema,
} from "@tenderline/shared";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../api/app.ts";
import { seedTokens } from "../auth/tokens.ts";
import { listExceptions } from "../exceptions/exception-store.ts";
import { createLogger } from "../logging/logger.ts";
import { createMetrics } from "../metrics/metrics.ts";
import type { Database } from "../storage/database.ts";
import { seedTestTokens, TOKENS } from "../testing/test-app.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { holdStoredValue } from "./holds.ts";
import { readAccount, readBalance } from "./ledger-reads.ts";
import { applyStoredValuePage } from "./stored-value-indexer.ts";
import {
  KEYS,
  newCard,
  recordSv,
  resolver,
  svCreditReturn,
  svRefund,
  svSale,
  svTenderId,
  svVoid,
  type TenderSpec,
  type TestCard,
} from "./test-events.ts";

/** A clock the test moves by hand. */
export function clock(start = "2026-12-01T12:00:00.000Z") {
  let t = Date.parse(start);
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

const REGISTER_TWO = "tl_register_s1_r_two_test_0000000007";
const usd = (amount: number) => ({ amount, currency: "USD" });

/** The region app with the stored-value keys and a hand clock, driven through app.request(). */
export function storedValueApp(db: Database, now: () => Date, region = "A") {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = createApp({
    region,
    db,
    metrics: createMetrics(region),
    logger: createLogger(region, "debug", sink),
    bodyLimitBytes: 1024 * 1024,
    storedValue: { keys: KEYS, now },
  });
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  };
  return {
    logs,
    call,
    hold: (holdId: string, card: TestCard, amount: number, o: { token?: string; registerId?: string; bySealed?: boolean } = {}) =>
      call("POST", "/v1/stored-value/holds", o.token ?? TOKENS.register, {
        holdId,
        storeId: "s1",
        registerId: o.registerId ?? "r-own",
        kind: card.kind,
        ...(o.bySealed === false ? { token: card.token } : { sealed: card.sealed() }),
        amount: usd(amount),
      }),
    inquire: (card: TestCard) =>
      call("POST", "/v1/stored-value/inquiries", TOKENS.register, { kind: card.kind, sealed: card.sealed() }),
  };
}

/** The stored-value ledger over one backend: holds and their races, captures, refunds, store credit, overdrafts. */
export function storedValueSuite(backend: Backend): void {
  describe(`stored value over ${backend}`, () => {
    let store: TestStore;
    let db: Database;
    let second: Database;
    const time = clock();
    let api: ReturnType<typeof storedValueApp>;
    beforeAll(async () => {
      store = await testStore(backend, "stored_value");
      db = await store.open();
      // PostgreSQL: a second pool on the same database (other connections); PGlite has one connection.
      second = backend === "postgres" ? await store.open() : db;
      await seedTestTokens(db);
      await seedTokens(db, [{ token: REGISTER_TWO, kind: "register", storeId: "s1", registerId: "r-two" }]);
      api = storedValueApp(db, time.now);
    });
    afterAll(async () => {
      await store?.cleanup();
    });

    const activated = async (amount: number, kind: "gift_card" | "store_credit" = "gift_card") => {
      const card = newCard(kind);
      if (kind === "gift_card") await recordSv(db, [svSale({ activate: [{ card, amount }] })]);
      else await recordSv(db, [svCreditReturn({ card, amount })]);
      return card;
    };

    it("activates a card by a sale line, holds against it, and captures the hold when the sale arrives", async () => {
      const card = await activated(5000);
      const inquiry = await api.inquire(card);
      expect(inquiry.status).toBe(200);
      expect(StoredValueBalanceSchema.parse(inquiry.body)).toEqual({
        token: card.token,
        kind: "gift_card",
        last4: card.last4,
        currency: "USD",
        balance: usd(5000),
        held: usd(0),
        available: usd(5000),
        status: "active",
        expiresAt: null,
      });
      const held = await api.hold("H-cap-1", card, 3000);
      expect(held.status).toBe(201);
      expect(StoredValueHoldSchema.parse(held.body)).toMatchObject({
        token: card.token,
        last4: card.last4,
        available: usd(2000),
      });
      // The answer was lost; the register asks again: the same hold, nothing more held.
      const again = await api.hold("H-cap-1", card, 3000);
      expect(again.status).toBe(200);
      expect((await api.inquire(card)).body).toMatchObject({ balance: usd(5000), held: usd(3000), available: usd(2000) });
      await recordSv(db, [
        svSale({
          registerId: "r-own",
          goods: 3000,
          tenders: [{ type: "gift_card", amount: 3000, card, online: { holdId: "H-cap-1" } }],
        }),
      ]);
      expect((await api.inquire(card)).body).toMatchObject({ balance: usd(2000), held: usd(0), available: usd(2000) });
      // Asked again after the sale synced: still the same hold, never a second charge.
      expect((await api.hold("H-cap-1", card, 3000)).status).toBe(200);
      expect((await api.inquire(card)).body).toMatchObject({ available: usd(2000) });
      // Numbers never reach the log.
      expect(api.logs.join("\n")).not.toContain(card.number);
      const account = await api.call("GET", `/v1/stored-value/accounts/${card.token}`, TOKENS.admin);
      expect(account.status).toBe(200);
      const parsed = StoredValueAccountSchema.parse(account.body);
      expect(parsed.entries.map((e) => [e.kind, e.amount.amount, e.online])).toEqual([
        ["issue", 5000, true],
        ["redeem", -3000, true],
      ]);
      expect(JSON.stringify(account.body)).not.toContain(card.number);
      // A store that used it reads it; another store does not learn it exists.
      expect((await api.call("GET", `/v1/stored-value/accounts/${card.token}`, TOKENS.s1)).status).toBe(200);
      expect((await api.call("GET", `/v1/stored-value/accounts/${card.token}`, TOKENS.s2)).status).toBe(404);
    });

    it("refuses a hold past the balance with what is left, and a number never activated", async () => {
      const card = await activated(1250);
      const refused = await api.hold("H-ref-1", card, 2000);
      expect(refused.status).toBe(409);
      const body = ErrorBodySchema.parse(refused.body);
      expect(body.error).toBe("insufficient_balance");
      expect(body.message).toContain("USD 12.50 left");
      expect(body.details).toMatchObject({ available: usd(1250) });
      const unknown = await api.hold("H-ref-2", newCard(), 100);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ error: "account_not_found" });
      const never = await api.inquire(newCard());
      expect(never.status).toBe(404);
      expect(ErrorBodySchema.parse(never.body).error).toBe("account_not_found");
      // Another register's hold request with this credential: refused.
      const wrong = await api.hold("H-ref-3", card, 100, { registerId: "r-two" });
      expect(wrong.status).toBe(403);
      // A sealed number that will not open.
      const bad = await api.call("POST", "/v1/stored-value/holds", TOKENS.register, {
        holdId: "H-ref-4",
        storeId: "s1",
        registerId: "r-own",
        kind: "gift_card",
        sealed: "A".repeat(40),
        amount: usd(100),
      });
      expect(bad.status).toBe(422);
      expect(bad.body).toMatchObject({ error: "sealed_number_unreadable" });
      // Same hold id, other content: a conflict.
      expect((await api.hold("H-ref-5", card, 100)).status).toBe(201);
      expect((await api.hold("H-ref-5", card, 200)).body).toMatchObject({ error: "hold_conflict" });
    });

    it("of two holds racing for the whole balance on two connections, exactly one is held", async () => {
      for (let round = 0; round < 5; round++) {
        const card = await activated(4000);
        const request = (holdId: string, registerId: string) => ({
          holdId,
          storeId: "s1",
          registerId,
          kind: "gift_card" as const,
          sealed: card.sealed(),
          amount: usd(4000),
        });
        const outcomes = await Promise.allSettled([
          holdStoredValue(db, request(`race-${round}-a`, "r-own"), { resolve: resolver, now: time.now }),
          holdStoredValue(second, request(`race-${round}-b`, "r-two"), { resolve: resolver, now: time.now }),
        ]);
        expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
        const rejected = outcomes.find((o) => o.status === "rejected") as PromiseRejectedResult;
        expect(rejected.reason).toMatchObject({ status: 409, code: "insufficient_balance" });
        expect((await readBalance(db, card.token, time.now()))?.available.amount).toBe(0);
      }
    });

    it("releases a hold (its own register only) and lets one expire by the clock", async () => {
      const card = await activated(1000);
      expect((await api.hold("H-rel-1", card, 1000)).status).toBe(201);
      expect((await api.hold("H-rel-2", card, 1000)).status).toBe(409);
      expect((await api.call("DELETE", "/v1/stored-value/holds/H-rel-1", REGISTER_TWO)).status).toBe(404);
      expect((await api.call("DELETE", "/v1/stored-value/holds/H-rel-1", TOKENS.register)).status).toBe(204);
      expect((await api.call("DELETE", "/v1/stored-value/holds/H-rel-1", TOKENS.register)).status).toBe(404);
      expect((await api.hold("H-rel-2", card, 1000)).status).toBe(201);
      time.advance(119_000);
      expect((await api.hold("H-rel-3", card, 1000)).status).toBe(409);
      time.advance(2_000);
      const after = await api.hold("H-rel-3", card, 1000);
      expect(after.status).toBe(201);
      expect(after.body).toMatchObject({ available: usd(0) });
    });

    it("a store credit past the expiry its issuing register set is expired: shown so, and refused for spending", async () => {
      const card = newCard("store_credit");
      const expiresAt = new Date(time.now().getTime() + 60_000).toISOString();
      await recordSv(db, [svCreditReturn({ card, amount: 1500, expiresAt })]);
      expect((await api.inquire(card)).body).toMatchObject({ status: "active", expiresAt, available: usd(1500) });
      time.advance(61_000);
      expect((await api.inquire(card)).body).toMatchObject({ status: "expired", expiresAt, balance: usd(1500) });
      const refused = await api.hold("H-exp-1", card, 100);
      expect(refused.status).toBe(409);
      expect(ErrorBodySchema.parse(refused.body)).toMatchObject({ error: "stored_value_expired", details: { expiresAt } });
    });

    it("a void takes what is left off as a void entry, captures its hold, and closes the account to holds", async () => {
      const card = await activated(3300);
      expect((await api.hold("H-void-1", card, 3300)).status).toBe(201);
      await recordSv(db, [svVoid({ card, amount: 3300, holdId: "H-void-1" })]);
      const after = StoredValueBalanceSchema.parse((await api.inquire(card)).body);
      expect(after).toMatchObject({ status: "void", balance: usd(0), held: usd(0), available: usd(0) });
      const refused = await api.hold("H-void-2", card, 0);
      expect(refused.status).toBe(409);
      expect(ErrorBodySchema.parse(refused.body).error).toBe("account_void");
      const account = StoredValueAccountSchema.parse(
        (await api.call("GET", `/v1/stored-value/accounts/${card.token}`, TOKENS.admin)).body,
      );
      expect(account.entries.map((e) => [e.kind, e.amount.amount])).toEqual([
        ["issue", 3300],
        ["void", -3300],
      ]);
      // An offline redemption taken before the void, arriving after: the overdraft is raised.
      await recordSv(db, [svSale({ registerId: "r-late", goods: 500, tenders: [{ type: "gift_card", amount: 500, card }] })]);
      const raised = await listExceptions(db, { kind: "stored_value_overdrawn", limit: 100, state: "all" });
      expect(raised.filter((x) => x.subject === card.token)).toHaveLength(1);
    });

    it("charges a retried sale event (same eventId) once, however often it is delivered or indexed", async () => {
      const card = await activated(3000);
      const sale = svSale({ goods: 1000, tenders: [{ type: "gift_card", amount: 1000, card }] });
      await recordSv(db, [sale]);
      await recordSv(db, [sale]);
      const row = { pos: 0, record_id: sale.eventId, kind: "event" as const, store_id: "s1", body: JSON.stringify(sale) };
      await db.transaction((tx) => applyStoredValuePage(tx, [row, row], resolver));
      expect((await readBalance(db, card.token, time.now()))?.balance).toEqual(usd(2000));
    });

    it("refunds back to the card a sale redeemed, also when the refund arrives first", async () => {
      const card = await activated(3000);
      const sale = svSale({ goods: 2000, tenders: [{ type: "gift_card", amount: 2000, card }] });
      const refund = svRefund({
        originalTransactionId: (sale.payload as { transactionId: string }).transactionId,
        tenderId: svTenderId(sale),
        tenderType: "gift_card",
        amount: 1500,
      });
      await recordSv(db, [refund]);
      expect((await readBalance(db, card.token, time.now()))?.balance).toEqual(usd(3000));
      await recordSv(db, [sale]);
      const account = await api.call("GET", `/v1/stored-value/accounts/${card.token}`, TOKENS.admin);
      expect(account.body).toMatchObject({ balance: usd(2500) });
      expect((account.body as { entries: Array<{ kind: string }> }).entries.map((e) => e.kind).sort()).toEqual([
        "issue",
        "redeem",
        "refund",
      ]);
    });

    it("issues store credit from a return, then redeems it online", async () => {
      const credit = await activated(2500, "store_credit");
      expect((await api.inquire(credit)).body).toMatchObject({ kind: "store_credit", balance: usd(2500), status: "active" });
      // The same number as a gift card is another account, never issued.
      expect((await api.inquire({ ...credit, kind: "gift_card" })).status).toBe(404);
      expect(StoredValueBalanceSchema.parse((await api.inquire(credit)).body).kind).toBe("store_credit");
      expect((await api.hold("H-sc-1", credit, 2000)).status).toBe(201);
      await recordSv(db, [
        svSale({
          registerId: "r-own",
          goods: 2000,
          tenders: [{ type: "store_credit", amount: 2000, card: credit, online: { holdId: "H-sc-1" } }],
        }),
      ]);
      expect((await api.inquire(credit)).body).toMatchObject({ balance: usd(500), held: usd(0), available: usd(500) });
      expect((await api.hold("H-sc-2", credit, 600)).body).toMatchObject({ error: "insufficient_balance" });
    });

    it("raises one stored_value_overdrawn naming both offline redemptions that overdrew a card", async () => {
      const card = await activated(5000);
      const a = svSale({ registerId: "r-a", goods: 4000, tenders: [{ type: "gift_card", amount: 4000, card }] });
      const b = svSale({ registerId: "r-b", goods: 4000, tenders: [{ type: "gift_card", amount: 4000, card }] });
      await recordSv(db, [a, b]);
      expect((await readBalance(db, card.token, time.now()))?.balance).toEqual(usd(-3000));
      const found = (await listExceptions(db, { kind: "stored_value_overdrawn", limit: 100, state: "all" })).filter(
        (x) => x.subject === card.token,
      );
      expect(found).toHaveLength(1);
      const detail = found[0]?.detail as {
        last4: string;
        balance: unknown;
        redemptions: Array<{ eventId: string; registerId: string; online: boolean }>;
      };
      expect(detail.last4).toBe(card.last4);
      expect(detail.balance).toEqual(usd(-3000));
      expect(detail.redemptions.map((r) => [r.eventId, r.registerId, r.online]).sort()).toEqual(
        [
          [a.eventId, "r-a", false],
          [b.eventId, "r-b", false],
        ].sort(),
      );
      expect(found[0]?.message).toContain(`ending ${card.last4}`);
      expect(JSON.stringify(found)).not.toContain(card.number);
    });

    it("accounts old events under their legacy token or credit id, without raising overdrafts for them", async () => {
      const sale = svSale({ goods: 900 });
      const p = sale.payload as { transactionId: string; tenders: unknown[] };
      const legacyToken = `gift_tok_${p.transactionId}`;
      const creditId = `sc-old-${p.transactionId}`;
      p.tenders = [
        {
          tenderId: `${p.transactionId}-g`,
          type: "gift_card",
          amount: usd(400),
          giftCard: { token: legacyToken, last4: "9876" },
        },
        { tenderId: `${p.transactionId}-c`, type: "store_credit", amount: usd(500), creditId },
      ];
      await recordSv(db, [sale]);
      const gift = await readBalance(db, legacyToken, time.now());
      expect(gift).toMatchObject({ balance: usd(-400), status: "not_issued", last4: "9876" });
      expect(await readBalance(db, creditId, time.now())).toMatchObject({ balance: usd(-500), kind: "store_credit" });
      const overdrawn = await listExceptions(db, { kind: "stored_value_overdrawn", limit: 100, state: "all" });
      expect(overdrawn.filter((x) => x.subject === legacyToken || x.subject === creditId)).toEqual([]);
      // Never activated here: no online hold against it.
      const refused = await api.call("POST", "/v1/stored-value/holds", TOKENS.register, {
        holdId: "H-old-1",
        storeId: "s1",
        registerId: "r-own",
        kind: "gift_card",
        token: legacyToken,
        amount: usd(1),
      });
      expect(refused.status).toBe(404);
    });

    it("records an exception, not a crash, for a sealed number that will not open", async () => {
      const card = newCard();
      const other = newCard("gift_card", (await import("@tenderline/shared")).generateStoredValueKeys());
      const sale = svSale({ goods: 100, tenders: [{ type: "gift_card", amount: 100, card: other }] });
      await recordSv(db, [sale]);
      const found = await listExceptions(db, { kind: "stored_value_unreadable", limit: 100 });
      expect(found.some((x) => x.detail.eventId === sale.eventId)).toBe(true);
      expect(await readBalance(db, card.token, time.now())).toBeNull();
      const balances = await api.call("GET", "/v1/stored-value/balances", TOKENS.consumer);
      expect(StoredValueBalancesSchema.parse(balances.body).accounts.length).toBeGreaterThan(0);
    });

    type Op =
      | { op: "issue" | "load"; card: number; amount: number }
      | { op: "online" | "offline"; card: number; amount: number; register: number; retryHold: boolean }
      | { op: "refund"; of: number; amount: number }
      | { op: "redeliver"; of: number };
    const opArb = (offline: boolean): fc.Arbitrary<Op> =>
      fc.oneof(
        fc.record({
          op: fc.constantFrom("issue" as const, "load" as const),
          card: fc.nat(2),
          amount: fc.integer({ min: 1, max: 5000 }),
        }),
        fc.record({
          op: offline ? fc.constantFrom("online" as const, "offline" as const) : fc.constant("online" as const),
          card: fc.nat(2),
          amount: fc.integer({ min: 1, max: 4000 }),
          register: fc.nat(2),
          retryHold: fc.boolean(),
        }),
        fc.record({ op: fc.constant("refund" as const), of: fc.nat(30), amount: fc.integer({ min: 1, max: 4000 }) }),
        fc.record({ op: fc.constant("redeliver" as const), of: fc.nat(30) }),
      );

    /** Runs one sequence; returns the balances the model expects, by card. */
    const play = async (ops: readonly Op[], run: string) => {
      const cards = [newCard(), newCard(), newCard()];
      const expected = [0, 0, 0];
      const sent: Array<ReturnType<typeof svSale>> = [];
      const redemptions: Array<{ sale: ReturnType<typeof svSale>; card: number; left: number; tenderType: "gift_card" }> = [];
      let n = 0;
      for (const o of ops) {
        n++;
        if (o.op === "issue" || o.op === "load") {
          const e = svSale({
            registerId: "r-p0",
            activate: [{ card: cards[o.card] as TestCard, amount: o.amount, action: o.op === "issue" ? "activate" : "load" }],
          });
          await recordSv(db, [e]);
          sent.push(e);
          expected[o.card] = (expected[o.card] as number) + o.amount;
        } else if (o.op === "online" || o.op === "offline") {
          const card = cards[o.card] as TestCard;
          const registerId = `r-p${o.register}`;
          let tender: TenderSpec = { type: "gift_card", amount: o.amount, card };
          if (o.op === "online") {
            const holdId = `P-${run}-${n}`;
            const ask = () =>
              holdStoredValue(
                db,
                { holdId, storeId: "s1", registerId, kind: "gift_card", sealed: card.sealed(), amount: usd(o.amount) },
                { resolve: resolver, now: time.now },
              ).then(
                () => true,
                (error: unknown) => {
                  expect(error).toMatchObject({ code: expect.stringMatching(/^(insufficient_balance|account_not_found)$/) });
                  return false;
                },
              );
            const held = await ask();
            // A retry after a lost answer: the same hold again, never a second one.
            if (held && o.retryHold) expect(await ask()).toBe(true);
            if (!held) continue;
            tender = { ...tender, online: { holdId } };
          }
          const e = svSale({ registerId, goods: o.amount, tenders: [tender] });
          await recordSv(db, [e]);
          sent.push(e);
          redemptions.push({ sale: e, card: o.card, left: o.amount, tenderType: "gift_card" });
          expected[o.card] = (expected[o.card] as number) - o.amount;
        } else if (o.op === "refund") {
          const r = redemptions[o.of % Math.max(1, redemptions.length)];
          if (!r || r.left === 0) continue;
          const amount = Math.min(r.left, o.amount);
          r.left -= amount;
          const e = svRefund({
            registerId: "r-p1",
            originalTransactionId: (r.sale.payload as { transactionId: string }).transactionId,
            tenderId: svTenderId(r.sale),
            tenderType: r.tenderType,
            amount,
          });
          await recordSv(db, [e]);
          sent.push(e);
          expected[r.card] = (expected[r.card] as number) + amount;
        } else {
          const e = sent[(o as { of: number }).of % Math.max(1, sent.length)];
          if (e) await recordSv(db, [e]);
        }
        // The ledger after every step: as the model says.
        for (const [i, card] of cards.entries()) {
          const b = await readBalance(db, card.token, time.now());
          expect(b?.balance.amount ?? 0).toBe(expected[i]);
        }
      }
      for (const card of cards) {
        const account = await readAccount(db, card.token, time.now());
        if (!account) continue;
        const byKind = (k: string) => account.entries.filter((e) => e.kind === k).reduce((s, e) => s + e.amount.amount, 0);
        expect(account.balance.amount).toBe(byKind("issue") + byKind("load") + byKind("redeem") + byKind("refund"));
        expect(new Set(account.entries.map((e) => e.entryId)).size).toBe(account.entries.length);
      }
      return { cards, expected };
    };

    it("property: every balance is issued + loaded − redeemed + refunded, and online redemptions never overdraw", async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(opArb(false), { minLength: 1, maxLength: 12 }), async (ops) => {
          const { expected } = await play(ops, `on${run++}`);
          for (const b of expected) expect(b).toBeGreaterThanOrEqual(0);
        }),
        { numRuns: 15 },
      );
    });

    it("property: with offline redemptions too, every balance still adds up (and may go below zero)", async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(opArb(true), { minLength: 1, maxLength: 12 }), async (ops) => {
          await play(ops, `off${run++}`);
        }),
        { numRuns: 10 },
      );
    });
  });
}
