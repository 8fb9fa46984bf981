import { afterAll, describe, expect, it } from "vitest";
import { saleEvent } from "../testing/events.ts";
import { ClassifyPool } from "./classify-pool.ts";
import { parseBatch } from "./parse-batch.ts";

/** A body's bytes in an ArrayBuffer of their own, as the route hands them over. */
const bytesOf = (...parts: Array<string | number[]>): ArrayBuffer => {
  const bytes = Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
};

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
    const fromPool = await Promise.all(bodies.map((b) => pool.parse(bytesOf(b))));
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

  it("reads bytes that are not UTF-8 with replacement characters, as a text body would be read", async () => {
    const text = JSON.stringify({ storeId: "s1", registerId: "r1", events: [{ ...saleEvent({ seq: 1 }), note: "caf@" }] });
    const [before, after] = text.split("@") as [string, string];
    const parsed = await pool.parse(bytesOf(before, [0xff], after));
    expect(parsed).toEqual(parseBatch(`${before}\ufffd${after}`));
    expect(parsed.ok && parsed.classified.candidates[0]?.body).toContain('"note":"caf\ufffd"');
  });
});
