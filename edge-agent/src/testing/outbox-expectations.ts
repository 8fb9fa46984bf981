/** What sync tests record into an in-process agent's outbox and wait to see acknowledged. */
import { expect } from "vitest";
import { sampleSale, type testAgent } from "./fixtures.ts";

type TestAgent = ReturnType<typeof testAgent>;

/** Records n sample sales, each answered 201. */
export function recordSales(agent: TestAgent, n: number): void {
  for (let i = 0; i < n; i++) expect(agent.service.recordSale(sampleSale()).status).toBe(201);
}

/** Every event id the outbox holds, in seq order. */
export function outboxEventIds(agent: TestAgent): string[] {
  return (agent.db.prepare("SELECT event_id FROM outbox ORDER BY seq").all() as Array<{ event_id: string }>).map(
    (r) => r.event_id,
  );
}

/** Waits until the outbox holds exactly n events, every one acknowledged by a region, none pending or dead. */
export async function waitForAcked(agent: TestAgent, n: number, timeoutMs = 20_000): Promise<void> {
  await expect
    .poll(() => agent.queue.read().counts, { timeout: timeoutMs, interval: 50 })
    .toMatchObject({ pending: 0, acked: n, dead: 0 });
}
