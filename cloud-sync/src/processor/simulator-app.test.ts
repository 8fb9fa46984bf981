import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrorBodySchema } from "@tenderline/shared";
import { afterAll, describe, expect, it, vi } from "vitest";
import { autoApprovedSettlement } from "./auto-approve.ts";
import { SettlementBook, SettlementFileError } from "./settlement-book.ts";
import { LookupResponseSchema } from "./settlement-wire.ts";
import { createSimulatorApp, type Sleep } from "./simulator-app.ts";

const usd = (amount: number) => ({ amount, currency: "USD" });

/** The simulator's 400: the shared error body, with the issues (one per field to fix) present. */
const InvalidRequestSchema = ErrorBodySchema.required({ issues: true });
const PAN = "4111 1111 1111 1111";

function json(method: string, body: unknown, signal?: AbortSignal): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...(signal ? { signal } : {}),
  };
}

type App = ReturnType<typeof createSimulatorApp>["app"];

async function seed(app: App, body: unknown) {
  return app.request("/v1/settlements", json("POST", body));
}

async function lookup(app: App, tenders: unknown[], signal?: AbortSignal) {
  return app.request("/v1/settlements/lookup", json("POST", { tenders }, signal));
}

async function behave(app: App, body: unknown, terminalTxnId?: string) {
  return app.request(terminalTxnId ? `/v1/behaviour/${terminalTxnId}` : "/v1/behaviour", json("PUT", body));
}

const approved = (terminalTxnId: string, amount = 3000) => ({
  terminalTxnId,
  amount: usd(amount),
  status: "approved",
  authCode: `A-${terminalTxnId}`,
  processorRef: `R-${terminalTxnId}`,
});

const ask = (terminalTxnId: string, amount = 3000, extra: object = {}) => ({ terminalTxnId, expected: usd(amount), ...extra });

describe("seeding settlements", () => {
  it("stores a record once: created, then unchanged, and a different record for the same id is a conflict", async () => {
    const { app, book } = createSimulatorApp();
    const first = await seed(app, approved("T-1"));
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ results: [{ terminalTxnId: "T-1", status: "created" }] });
    const again = await seed(app, approved("T-1"));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ results: [{ terminalTxnId: "T-1", status: "unchanged" }] });

    const conflict = await seed(app, approved("T-1", 3100));
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ error: "settlement_conflict", details: { terminalTxnId: "T-1" } });
    expect(book.get("T-1")?.amount).toEqual(usd(3000));

    const read = await app.request("/v1/settlements/T-1");
    expect(await read.json()).toMatchObject({ terminalTxnId: "T-1", amount: usd(3000), authCode: "A-T-1" });
    expect((await app.request("/v1/settlements/T-404")).status).toBe(404);
  });

  it("seeds a batch all or nothing", async () => {
    const { app, book } = createSimulatorApp();
    await seed(app, approved("T-1"));
    const res = await seed(app, { records: [approved("T-2"), approved("T-1", 1)] });
    expect(res.status).toBe(409);
    expect(book.get("T-2")).toBeUndefined();
    const ok = await seed(app, { records: [approved("T-2"), approved("T-3")] });
    expect(ok.status).toBe(201);
    expect(book.size).toBe(3);
  });

  it("answers 400 naming the field to fix, and stores nothing", async () => {
    const { app, book } = createSimulatorApp();
    const noCodes = await seed(app, { terminalTxnId: "T-1", amount: usd(100) });
    expect(noCodes.status).toBe(400);
    const body = InvalidRequestSchema.parse(await noCodes.json());
    expect(body.error).toBe("invalid_request");
    expect(body.issues.map((i) => i.field)).toContain("authCode");

    const fractional = await seed(app, { ...approved("T-2"), amount: { amount: 19.99, currency: "USD" } });
    expect(fractional.status).toBe(400);
    expect(await fractional.text()).toContain("amount.amount");

    const typo = await seed(app, { ...approved("T-3"), auth_code: "x" });
    expect(typo.status).toBe(400);
    expect(await typo.text()).toContain("auth_code");

    const notJson = await app.request("/v1/settlements", json("POST", "{nope"));
    expect(notJson.status).toBe(400);
    expect(ErrorBodySchema.parse(await notJson.json()).error).toBe("invalid_json");
    expect(book.size).toBe(0);
  });

  it("accepts a declined record without codes", async () => {
    const { app } = createSimulatorApp();
    const res = await seed(app, {
      terminalTxnId: "T-9",
      amount: usd(500),
      status: "declined",
      declineReason: "insufficient_funds",
    });
    expect(res.status).toBe(201);
  });

  it("refuses a card number anywhere with 422, naming the field but never echoing the digits", async () => {
    const { app, book } = createSimulatorApp();
    const res = await seed(app, { ...approved("T-1"), token: PAN });
    expect(res.status).toBe(422);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: "pan_detected", details: { fields: ["token"] } });
    expect(text).not.toContain("4111");
    expect(book.size).toBe(0);

    const inLookup = await lookup(app, [ask("T-1", 3000, { token: "4111111111111111" })]);
    expect(inLookup.status).toBe(422);
    expect(await inLookup.json()).toMatchObject({ details: { fields: ["tenders[0].token"] } });

    const inPath = await app.request(
      `/v1/behaviour/${encodeURIComponent("4111111111111111")}`,
      json("PUT", { respond: "decline" }),
    );
    expect(inPath.status).toBe(422);
  });
});

describe("lookups from the records", () => {
  it("answers each outcome in one batch, in the order asked", async () => {
    const { app, stats } = createSimulatorApp();
    await seed(app, {
      records: [
        approved("T-match"),
        approved("T-more", 3500),
        approved("T-eur"),
        { terminalTxnId: "T-decl", amount: usd(3000), status: "declined", declineReason: "insufficient_funds" },
        { ...approved("T-card"), token: "tok_other", last4: "1111" },
      ],
    });
    const res = await lookup(app, [
      ask("T-match", 3000, { token: "tok_1", last4: "4242" }),
      ask("T-more"),
      { terminalTxnId: "T-eur", expected: { amount: 3000, currency: "EUR" } },
      ask("T-decl"),
      ask("T-none"),
      ask("T-card", 3000, { token: "tok_1", last4: "4242" }),
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      results: [
        { terminalTxnId: "T-match", outcome: "matched", authCode: "A-T-match", processorRef: "R-T-match", settled: usd(3000) },
        {
          terminalTxnId: "T-more",
          outcome: "amount_mismatch",
          expected: usd(3000),
          processorAmount: usd(3500),
          authCode: "A-T-more",
          processorRef: "R-T-more",
        },
        {
          terminalTxnId: "T-eur",
          outcome: "amount_mismatch",
          expected: { amount: 3000, currency: "EUR" },
          processorAmount: usd(3000),
          authCode: "A-T-eur",
          processorRef: "R-T-eur",
        },
        { terminalTxnId: "T-decl", outcome: "declined", reason: "insufficient_funds" },
        { terminalTxnId: "T-none", outcome: "not_found" },
        { terminalTxnId: "T-card", outcome: "not_found", detail: expect.stringContaining("another card") },
      ],
    });
    expect(stats.lookupRequests).toBe(1);
  });

  it("rejects a lookup with a repeated terminalTxnId, an empty list or a negative amount", async () => {
    const { app, stats } = createSimulatorApp();
    const dup = await lookup(app, [ask("T-1"), ask("T-1")]);
    expect(dup.status).toBe(400);
    expect(await dup.text()).toContain("tenders[1].terminalTxnId");
    expect((await lookup(app, [])).status).toBe(400);
    const negative = await lookup(app, [ask("T-1", -5)]);
    expect(negative.status).toBe(400);
    expect(await negative.text()).toContain("must not be negative");
    expect(stats.lookupRequests).toBe(0);
  });
});

describe("auto-approve", () => {
  it("approves unknown ids for the expected amount with codes derived from the id alone, then keeps that record", async () => {
    const a = createSimulatorApp({ autoApprove: true });
    const b = createSimulatorApp({ autoApprove: true });
    const fromA = LookupResponseSchema.parse(await (await lookup(a.app, [ask("T-77", 1234)])).json());
    const fromB = LookupResponseSchema.parse(await (await lookup(b.app, [ask("T-77", 1234)])).json());
    const expected = autoApprovedSettlement("T-77", usd(1234));
    expect(fromA.results[0]).toEqual({
      terminalTxnId: "T-77",
      outcome: "matched",
      authCode: expected.authCode,
      processorRef: expected.processorRef,
      settled: usd(1234),
    });
    expect(fromB).toEqual(fromA);
    expect(autoApprovedSettlement("T-78", usd(1)).authCode).not.toBe(expected.authCode);

    // The processor's record is now fixed: another expected amount is a mismatch, not a second approval.
    const later = LookupResponseSchema.parse(await (await lookup(a.app, [ask("T-77", 999)])).json());
    expect(later.results[0]?.outcome).toBe("amount_mismatch");
  });

  it("is off unless asked for", async () => {
    const { app } = createSimulatorApp();
    expect(LookupResponseSchema.parse(await (await lookup(app, [ask("T-77")])).json())).toEqual({
      results: [{ terminalTxnId: "T-77", outcome: "not_found" }],
    });
    expect(await (await app.request("/v1/health")).json()).toMatchObject({ autoApprove: false, records: 0 });
  });
});

describe("behaviours", () => {
  it("answers another amount, a decline or not-found for one id while others answer from the records", async () => {
    const { app } = createSimulatorApp();
    await seed(app, { records: [approved("T-1"), approved("T-2"), approved("T-3"), approved("T-4")] });
    expect((await behave(app, { respond: "amount", amount: usd(2999) }, "T-1")).status).toBe(200);
    await behave(app, { respond: "decline", declineReason: "stolen_card" }, "T-2");
    await behave(app, { respond: "not_found" }, "T-3");
    const res = LookupResponseSchema.parse(await (await lookup(app, [ask("T-1"), ask("T-2"), ask("T-3"), ask("T-4")])).json());
    expect(res.results.map((r) => r.outcome)).toEqual(["amount_mismatch", "declined", "not_found", "matched"]);
    expect(res.results[0]).toMatchObject({ processorAmount: usd(2999), expected: usd(3000), authCode: "A-T-1" });
    expect(res.results[1]).toMatchObject({ reason: "stolen_card" });

    expect(await (await app.request("/v1/behaviour")).json()).toMatchObject({
      default: { respond: "as_recorded" },
      byTerminalTxnId: { "T-1": { respond: "amount" }, "T-2": { respond: "decline" }, "T-3": { respond: "not_found" } },
    });
    expect((await app.request("/v1/behaviour/T-2", { method: "DELETE" })).status).toBe(204);
    expect((await app.request("/v1/behaviour/T-2", { method: "DELETE" })).status).toBe(404);
    const after = LookupResponseSchema.parse(await (await lookup(app, [ask("T-2")])).json());
    expect(after.results[0]?.outcome).toBe("matched");
  });

  it("applies a global behaviour to every id without its own, until reset", async () => {
    const { app } = createSimulatorApp({ autoApprove: true });
    await behave(app, { respond: "decline" });
    await behave(app, { respond: "as_recorded" }, "T-own");
    const res = LookupResponseSchema.parse(await (await lookup(app, [ask("T-a"), ask("T-own")])).json());
    expect(res.results).toEqual([
      { terminalTxnId: "T-a", outcome: "declined", reason: "do_not_honor" },
      expect.objectContaining({ terminalTxnId: "T-own", outcome: "matched" }),
    ]);
    await app.request("/v1/behaviour", { method: "DELETE" });
    const reset = LookupResponseSchema.parse(await (await lookup(app, [ask("T-a")])).json());
    expect(reset.results[0]?.outcome).toBe("matched");
  });

  it("lets a behaviour with `times` lapse after that many lookups", async () => {
    const { app } = createSimulatorApp();
    await seed(app, approved("T-1"));
    await behave(app, { respond: "unavailable", times: 2 }, "T-1");
    expect((await lookup(app, [ask("T-1")])).status).toBe(503);
    expect(await (await lookup(app, [ask("T-1")])).json()).toMatchObject({ error: "unavailable" });
    expect((await lookup(app, [ask("T-1")])).status).toBe(200);
    expect(await (await app.request("/v1/behaviour")).json()).toMatchObject({ byTerminalTxnId: {} });
  });

  it("delays the answer by the largest delayMs in the batch", async () => {
    const sleeps: number[] = [];
    const sleep: Sleep = async (ms) => {
      sleeps.push(ms);
    };
    const { app } = createSimulatorApp({ sleep, autoApprove: true });
    await behave(app, { delayMs: 250 }, "T-1");
    await behave(app, { delayMs: 900 }, "T-2");
    const res = await lookup(app, [ask("T-1"), ask("T-2"), ask("T-3")]);
    expect(res.status).toBe(200);
    expect(sleeps).toEqual([900]);
    await lookup(app, [ask("T-3")]);
    expect(sleeps).toEqual([900]);
  });

  it("hangs a lookup until the client gives up, and releases hangs on reset", async () => {
    const sim = createSimulatorApp({ autoApprove: true });
    await behave(sim.app, { respond: "hang" }, "T-hang");
    const client = new AbortController();
    const pending = lookup(sim.app, [ask("T-ok"), ask("T-hang")], client.signal);
    await vi.waitFor(() => expect(sim.stats.hanging).toBe(1));
    client.abort();
    await pending.catch((err: unknown) => err);
    await vi.waitFor(() => expect(sim.stats.hanging).toBe(0));

    const second = lookup(sim.app, [ask("T-hang")]);
    await vi.waitFor(() => expect(sim.stats.hanging).toBe(1));
    await sim.app.request("/v1/behaviour", { method: "DELETE" });
    const released = await second;
    expect(released.status).toBe(503);
    expect(await released.json()).toMatchObject({ error: "released" });
    expect(sim.stats.hanging).toBe(0);
  });

  it("rejects a behaviour that cannot be applied with 400 and keeps the old one", async () => {
    const { app } = createSimulatorApp();
    const noAmount = await behave(app, { respond: "amount" }, "T-1");
    expect(noAmount.status).toBe(400);
    expect(await noAmount.text()).toContain("amount");
    const unknown = await behave(app, { respond: "explode" });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("respond must be one of");
    const typo = await behave(app, { delay: 100 });
    expect(typo.status).toBe(400);
    expect((await behave(app, { delayMs: -1 })).status).toBe(400);
    expect(await (await app.request("/v1/behaviour")).json()).toEqual({
      default: { respond: "as_recorded", delayMs: 0 },
      byTerminalTxnId: {},
    });
  });
});

describe("persistence", () => {
  const dir = mkdtempSync(join(tmpdir(), "processor-sim-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes records through to the file and loads them back, auto-approved ones included", async () => {
    const file = join(dir, "settlements.json");
    const first = createSimulatorApp({ book: new SettlementBook(file), autoApprove: true });
    await seed(first.app, approved("T-1"));
    await lookup(first.app, [ask("T-auto", 42)]);
    const reloaded = new SettlementBook(file);
    expect(reloaded.size).toBe(2);
    expect(reloaded.get("T-auto")).toEqual(autoApprovedSettlement("T-auto", usd(42)));
    expect(JSON.parse(readFileSync(file, "utf8")).records).toHaveLength(2);
  });

  it("refuses a file that is not a settlement file, naming it", () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, "{ not json");
    expect(() => new SettlementBook(file)).toThrow(SettlementFileError);
    writeFileSync(file, JSON.stringify({ records: [{ terminalTxnId: "T-1" }] }));
    expect(() => new SettlementBook(file)).toThrow(/broken\.json/);
    writeFileSync(file, JSON.stringify({ records: [{ ...approved("T-1"), token: PAN }] }));
    expect(() => new SettlementBook(file)).toThrow(/card number is in records\[0\]\.token/);
  });
});
