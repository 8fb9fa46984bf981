/**
 * What the card number guard costs per event on the ingest path: the same walk the region makes
 * (`holdsPan` over each event as parsed), timed over the bench's events in one thread, beside a
 * walk of the same values that reads every string and does nothing with it (the floor any
 * field-by-field check pays).
 */

import { performance } from "node:perf_hooks";
import { holdsPan } from "@tenderline/shared";
import type { Batch } from "./batches.ts";

function touchAll(value: unknown): number {
  if (typeof value === "string") return value.length;
  if (value === null || typeof value !== "object") return 1;
  let n = 0;
  if (Array.isArray(value)) for (const v of value) n += touchAll(v);
  else for (const k of Object.keys(value)) n += k.length + touchAll((value as Record<string, unknown>)[k]);
  return n;
}

export function panGuardCost(batches: readonly Batch[]): { guardMicrosPerEvent: number; walkMicrosPerEvent: number } {
  const events = batches.flatMap((b) => b.events);
  const time = (fn: (e: unknown) => unknown) => {
    for (const e of events.slice(0, 2000)) fn(e); // warm up the JIT
    const t0 = performance.now();
    let sink = 0;
    for (const e of events) sink += fn(e) ? 1 : 0;
    const ms = performance.now() - t0;
    if (sink < 0) throw new Error("unreachable");
    return Number(((ms * 1000) / events.length).toFixed(2));
  };
  const found = events.filter((e) => holdsPan(e)).length;
  if (found > 0) throw new Error(`the bench's events are clean, but the guard found a card number in ${found}`);
  return { guardMicrosPerEvent: time(holdsPan), walkMicrosPerEvent: time(touchAll) };
}
