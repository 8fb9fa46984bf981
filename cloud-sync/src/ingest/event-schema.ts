import { hash } from "node:crypto";
import {
  containsPan,
  fastCanonicalJson,
  findPanFields,
  formatPath,
  hasPanIssue,
  type TenderEvent,
  TenderEventSchema,
} from "@tenderline/shared";
import { z } from "zod";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/**
 * Card-number fields, except strings shaped exactly like a UUID. The shared guard reads digit runs
 * joined by dashes, so about 1 UUIDv7 in 400 (a normal eventId!) looks like a Luhn-valid 13–19 digit
 * number; a value in UUID form is an identifier, never how a card number is written.
 */
export function panFieldsOutsideUuids(value: unknown): Array<ReadonlyArray<string | number>> {
  return findPanFields(value).filter((path) => {
    if (path.at(-1) === "(key)") return true;
    const v = valueAt(value, path);
    return !(typeof v === "string" && UUID.test(v));
  });
}

/** The shared event schema, with the PAN check above in front of it (same messages, same `pan_detected` marker). */
export const RegionEventSchema = z
  .unknown()
  .superRefine((value, ctx) => {
    for (const path of panFieldsOutsideUuids(value)) {
      ctx.addIssue({
        code: "custom",
        path: [...path],
        message: `a full card number is not allowed in ${formatPath(path)}; send the card token and last four digits only`,
        params: { reason: "pan_detected" },
      });
    }
  })
  .pipe(TenderEventSchema.out);

/** 13 or more digits, optionally single-space/dash separated: the only text a card number can hide in. */
const LONG_DIGIT_RUN = /\d(?:[ -]?\d){12}/;

export type EventCheck =
  | { ok: true; event: TenderEvent; body: string; hash: string }
  | { ok: false; error: z.ZodError; pan: boolean };

/**
 * Validates one event as received and gives its canonical JSON and content hash. What is stored is
 * the event as the register sent it (canonical form), unknown fields included: the contract lets
 * registers add fields. The canonical text holds every digit of every key, string and number, so
 * when it has no card-number-shaped run the per-field PAN walk is skipped (the common, fast case).
 */
export function checkEvent(raw: unknown): EventCheck {
  let body: string;
  try {
    body = fastCanonicalJson(raw);
  } catch (error) {
    const issue = { code: "custom" as const, path: [], message: `not a JSON event: ${(error as Error).message}`, input: raw };
    return { ok: false, error: new z.ZodError([issue]), pan: false };
  }
  const parsed =
    LONG_DIGIT_RUN.test(body) && containsPan(body) ? RegionEventSchema.safeParse(raw) : TenderEventSchema.out.safeParse(raw);
  if (!parsed.success) return { ok: false, error: parsed.error, pan: hasPanIssue(parsed.error) };
  // The shared sha256Hex in one call (no Hash object per event); event-schema.test.ts checks it matches contentHash.
  return { ok: true, event: parsed.data, body, hash: hash("sha256", body, "hex") };
}
