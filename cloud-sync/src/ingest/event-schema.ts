import { findPanFields, formatPath, TenderEventSchema } from "@tenderline/shared";
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
