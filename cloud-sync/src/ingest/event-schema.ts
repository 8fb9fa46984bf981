import { hash } from "node:crypto";
import { fastCanonicalJson, hasPanIssue, holdsPan, type TenderEvent, TenderEventSchema } from "@tenderline/shared";
import { z } from "zod";

export type EventCheck =
  | { ok: true; event: TenderEvent; body: string; hash: string }
  | { ok: false; error: z.ZodError; pan: boolean };

/**
 * Validates one event as received and gives its canonical JSON and content hash. What is stored is
 * the event as the register sent it (canonical form), unknown fields included: the contract lets
 * registers add fields. When no field holds a card number (the common case, checked by a cheap walk)
 * the schema's own per-field PAN refinement, which names each offending field, is skipped.
 */
export function checkEvent(raw: unknown): EventCheck {
  let body: string;
  try {
    body = fastCanonicalJson(raw);
  } catch (error) {
    const issue = { code: "custom" as const, path: [], message: `not a JSON event: ${(error as Error).message}`, input: raw };
    return { ok: false, error: new z.ZodError([issue]), pan: false };
  }
  const parsed = holdsPan(raw) ? TenderEventSchema.safeParse(raw) : TenderEventSchema.out.safeParse(raw);
  if (!parsed.success) return { ok: false, error: parsed.error, pan: hasPanIssue(parsed.error) };
  // The shared sha256Hex in one call (no Hash object per event); event-schema.test.ts checks it matches contentHash.
  return { ok: true, event: parsed.data, body, hash: hash("sha256", body, "hex") };
}
