import { SaleRecordedSchema } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleSale, testAgent } from "../testing/fixtures.ts";

describe("concurrent posts over real HTTP", () => {
  const agent = testAgent();
  let url = "";
  beforeAll(async () => {
    url = (await agent.listen()).url;
  });
  afterAll(() => agent.done());

  it("100 sales in flight at once get distinct, contiguous seqs", async () => {
    const N = 100;
    const results = await Promise.all(
      Array.from({ length: N }, async () => {
        const res = await fetch(`${url}/api/v1/sales`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(sampleSale()),
        });
        expect(res.status).toBe(201);
        return SaleRecordedSchema.parse(await res.json());
      }),
    );
    const seqs = results.map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(new Set(results.map((r) => r.eventId)).size).toBe(N);
    const rows = agent.db.prepare("SELECT seq, event_id AS eventId FROM outbox ORDER BY seq").all();
    expect(rows).toEqual([...results].sort((a, b) => a.seq - b.seq).map((r) => ({ seq: r.seq, eventId: r.eventId })));
  });
});
