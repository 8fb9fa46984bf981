import { afterAll, describe, expect, it } from "vitest";
import { saleEvent } from "../testing/events.ts";
import { ClassifyPool } from "./classify-pool.ts";
import { parseBatch } from "./parse-batch.ts";

describe("ClassifyPool", () => {
  const pool = new ClassifyPool(2);
  afterAll(() => pool.close());

  it("answers exactly what parsing on the main thread answers, for good and bad batches", async () => {
    const e1 = saleEvent({ seq: 1 });
    const withPan = { ...saleEvent({ seq: 2 }), note: "4111 1111 1111 1111" };
    const bodies = [
      JSON.stringify({
        storeId: "s1",
        registerId: "r1",
        events: [e1, e1, { ...e1, occurredAt: "2026-01-01T00:00:00Z" }, withPan, 7],
      }),
      JSON.stringify({ storeId: "s1", registerId: "r1", events: [saleEvent({ seq: 3, storeId: "s2" })] }),
      JSON.stringify({ storeId: "s1", registerId: "r1", events: [] }),
      '{"storeId":',
    ];
    const fromPool = await Promise.all(bodies.map((b) => pool.parse(b)));
    expect(fromPool).toEqual(bodies.map((b) => parseBatch(b)));
    const first = fromPool[0];
    expect(first?.ok && first.classified.candidates.map((c) => c.eventId)).toEqual([e1.eventId]);
    expect(first?.ok && first.classified.results.map((r) => r?.reason ?? r?.status)).toEqual([
      undefined,
      "duplicate",
      "conflict",
      "pan_detected",
      "invalid",
    ]);
    expect(fromPool[1]).toMatchObject({ ok: true, foreignIndex: 0 });
    expect(fromPool[3]).toMatchObject({ ok: false, status: 400, code: "malformed_json" });
  });
});
