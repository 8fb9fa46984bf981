import {
  ErrorBodySchema,
  type ReservationRequest,
  ReservationSchema,
  ReturnOriginalSchema,
  receiptNumber,
  UnverifiedReturnListSchema,
} from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedTokens } from "../auth/tokens.ts";
import type { Database } from "../storage/database.ts";
import { seedTestTokens, type TestApp, TOKENS, testApp } from "../testing/test-app.ts";
import { type TestStore, testStore } from "../testing/test-databases.ts";
import { record, returned, sale } from "./test-events.ts";

/** A register of another store than the sale's: returns anywhere means it may look the sale up. */
const OTHER_STORE_REGISTER = "tl_register_s2_r_9_test_000000000077";

describe("returns routes through the region app", () => {
  let store: TestStore;
  let db: Database;
  let t: TestApp;
  const receipt = receiptNumber("s1", "r1", 21);

  beforeAll(async () => {
    store = await testStore("pglite", "returns_routes");
    db = await store.open();
    await seedTestTokens(db);
    await seedTokens(db, [{ token: OTHER_STORE_REGISTER, kind: "register", storeId: "s2", registerId: "r-9" }]);
    t = testApp(db);
    await record(db, [
      sale({
        storeId: "s1",
        registerId: "r1",
        seq: 21,
        transactionId: "RT-1",
        lines: [{ sku: "SKU-1", quantity: 1, unitPrice: 1500 }],
        giftCard: 500,
      }),
      returned({
        storeId: "s1",
        registerId: "r2",
        seq: 1,
        transactionId: "RT-U1",
        items: [{ original: "RT-404", sku: "SKU-1", quantity: 1, refund: 100 }],
        verified: false,
        managerId: "m-3",
      }),
    ]);
  });
  afterAll(async () => {
    await store?.cleanup();
  });

  const send = (method: string, path: string, token: string | undefined, body?: unknown) =>
    t.app.request(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
  const errorOf = async (res: Response) => ErrorBodySchema.parse(await res.json());
  const reservation = (returnEventId: string, storeId = "s2", registerId = "r-9"): ReservationRequest => ({
    returnEventId,
    storeId,
    registerId,
    originals: [
      {
        transactionId: "RT-1",
        items: [{ sku: "SKU-1", quantity: 1 }],
        refunds: [{ tenderId: "RT-1-t1", amount: { amount: 1000, currency: "USD" } }],
      },
    ],
  });

  it("lets a register of any store look an original up by receipt number, with only what a return needs", async () => {
    const res = await send("GET", `/v1/returns/originals/${encodeURIComponent(receipt.toLowerCase())}`, OTHER_STORE_REGISTER);
    expect(res.status).toBe(200);
    const body: unknown = await res.json();
    const parsed = ReturnOriginalSchema.parse(body);
    expect(parsed).toEqual(body);
    expect(parsed).toMatchObject({ transactionId: "RT-1", receiptNumber: receipt, storeId: "s1", registerId: "r1" });
    expect(JSON.stringify(body)).not.toMatch(/gift_tok_secret|cashier|c-9/);
    expect((await send("GET", "/v1/returns/originals/RT-1", TOKENS.s2)).status).toBe(200);
    expect((await send("GET", "/v1/returns/originals/RT-1", TOKENS.admin)).status).toBe(200);
    const missing = await send("GET", "/v1/returns/originals/S1-R1-999-X", OTHER_STORE_REGISTER);
    expect([missing.status, (await errorOf(missing)).error]).toEqual([404, "original_not_found"]);
    expect((await send("GET", "/v1/returns/originals/RT-1", undefined)).status).toBe(401);
    expect((await send("GET", "/v1/returns/originals/RT-1", TOKENS.consumer)).status).toBe(403);
  });

  it("reserves for the credential's own register only, idempotently, and says what is left when it is gone", async () => {
    const first = await send("POST", "/v1/returns/reservations", OTHER_STORE_REGISTER, reservation("rt-res-1"));
    expect(first.status).toBe(201);
    const held = ReservationSchema.parse(await first.json());
    const again = await send("POST", "/v1/returns/reservations", OTHER_STORE_REGISTER, reservation("rt-res-1"));
    expect([again.status, ReservationSchema.parse(await again.json())]).toEqual([200, held]);
    const other = await send("POST", "/v1/returns/reservations", TOKENS.register, reservation("rt-res-2", "s1", "r-own"));
    expect(other.status).toBe(409);
    const refusal = await errorOf(other);
    expect(refusal.error).toBe("already_returned");
    expect(refusal.message).toContain(
      `1 of SKU-1 on receipt ${receipt} was already returned or are being returned at another register; 0 left`,
    );
    const foreign = await send("POST", "/v1/returns/reservations", TOKENS.register, reservation("rt-res-3"));
    expect([foreign.status, (await errorOf(foreign)).error]).toEqual([403, "wrong_register"]);
    expect((await send("POST", "/v1/returns/reservations", TOKENS.s1, reservation("rt-res-3", "s1", "r-own"))).status).toBe(403);
    const invalid = await send("POST", "/v1/returns/reservations", OTHER_STORE_REGISTER, { returnEventId: "x", originals: [] });
    expect([invalid.status, (await errorOf(invalid)).error]).toEqual([400, "invalid_request"]);
    const notJson = await send("POST", "/v1/returns/reservations", OTHER_STORE_REGISTER, "{");
    expect([notJson.status, (await errorOf(notJson)).error]).toEqual([400, "invalid_json"]);

    const lookedUp = ReturnOriginalSchema.parse(await (await send("GET", "/v1/returns/originals/RT-1", TOKENS.s1)).json());
    expect(lookedUp.lines[0]).toMatchObject({ reserved: 1, returnable: 0 });

    // Released by the register holding it only; then the unit is free again.
    expect((await send("DELETE", "/v1/returns/reservations/rt-res-1", TOKENS.register)).status).toBe(403);
    const released = await send("DELETE", "/v1/returns/reservations/rt-res-1", OTHER_STORE_REGISTER);
    expect(released.status).toBe(204);
    const twice = await send("DELETE", "/v1/returns/reservations/rt-res-1", OTHER_STORE_REGISTER);
    expect([twice.status, (await errorOf(twice)).error]).toEqual([404, "reservation_not_found"]);
    expect((await send("POST", "/v1/returns/reservations", TOKENS.register, reservation("rt-res-2", "s1", "r-own"))).status).toBe(
      201,
    );
  });

  it("lists a store's unverified returns for its store, its registers and admins", async () => {
    const res = await send("GET", "/v1/stores/s1/unverified-returns?status=waiting", TOKENS.s1);
    expect(res.status).toBe(200);
    const list = UnverifiedReturnListSchema.parse(await res.json());
    expect(list.items.map((i) => [i.transactionId, i.registerId, i.approvedBy, i.status])).toEqual([
      ["RT-U1", "r2", "m-3", "waiting"],
    ]);
    expect(
      UnverifiedReturnListSchema.parse(await (await send("GET", "/v1/stores/s1/unverified-returns", TOKENS.register)).json())
        .items,
    ).toHaveLength(1);
    expect(
      UnverifiedReturnListSchema.parse(
        await (await send("GET", "/v1/stores/s1/unverified-returns?status=verified", TOKENS.admin)).json(),
      ).items,
    ).toEqual([]);
    expect((await send("GET", "/v1/stores/s1/unverified-returns", TOKENS.s2)).status).toBe(403);
    expect((await send("GET", "/v1/stores/s1/unverified-returns", OTHER_STORE_REGISTER)).status).toBe(403);
    const bad = await send("GET", "/v1/stores/s1/unverified-returns?status=later", TOKENS.s1);
    expect([bad.status, (await errorOf(bad)).error]).toEqual([400, "invalid_query"]);
  });
});
