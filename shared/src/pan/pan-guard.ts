/**
 * The PAN guard: a full card number (PAN) is never accepted, stored, logged or sent. It walks a
 * value (every string, number and object key, at any depth) and asks the detector
 * (pan-detector.ts) about each, knowing which field it reads:
 * - a barcode field (`sku`, `barcode`, `gtin`, `upc`, `ean`) takes a GTIN whose check digit is
 *   right: a Luhn-valid barcode is still a barcode a store must be able to sell;
 * - an identifier a processor or terminal assigns (`processorRef`, `terminalTxnId`, `authCode`)
 *   holds a card number only when one starts a run of its digits with at most an expiry or a CVV
 *   after it: a long reference that merely begins like a card is the processor's own;
 * - every other field, and every key, is read in full.
 */
import { gtinValid } from "./gtin.ts";
import { containsPan, type DetectOptions, maskPans, mayHoldCardNumber } from "./pan-detector.ts";

export { isCardNumber, luhnValid } from "./card-brands.ts";
export { gtinValid } from "./gtin.ts";
export { type CardNumberMatch, containsPan, findCardNumbers, maskPans } from "./pan-detector.ts";

/** Fields that hold a product's barcode. */
export const BARCODE_FIELDS: ReadonlySet<string> = new Set(["sku", "barcode", "gtin", "upc", "ean"]);
/** Fields that hold an identifier the processor or terminal assigned. */
export const REFERENCE_FIELDS: ReadonlySet<string> = new Set(["processorRef", "terminalTxnId", "authCode"]);

const IDENTIFIER: DetectOptions = { anchoredWithTrailing: 4 };

export type FieldPath = ReadonlyArray<string | number>;

export function formatPath(path: FieldPath): string {
  if (path.length === 0) return "(root)";
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

/** Whether a string in this field is (or holds) a card number. */
export function fieldHoldsPan(field: string | number | undefined, text: string): boolean {
  if (!mayHoldCardNumber(text)) return false;
  if (typeof field === "string") {
    if (BARCODE_FIELDS.has(field) && gtinValid(text.trim())) return false;
    if (REFERENCE_FIELDS.has(field)) return containsPan(text, IDENTIFIER);
  }
  return containsPan(text);
}

/**
 * Whether a JSON number is (or holds) a card number. A PAN sent as a number is still a PAN, in
 * any shape: 4111111111111111, 4111111111111111.0, 4.111111111111111e15, 4111111111111.111.
 */
export function numberHoldsPan(value: number): boolean {
  if (!Number.isFinite(value) || Math.abs(value) < 1e12) return false;
  const whole = Math.trunc(value);
  return containsPan(String(value)) || (Math.abs(whole) < 1e21 && containsPan(BigInt(whole).toString()));
}

/**
 * Walks every string, number and object key of the value, calling `found` with the path (a stack
 * reused along the walk: copy it to keep it) of each that holds a card number; stops as soon as
 * `found` returns false. Short strings and small numbers are passed over at a glance, so the walk
 * is cheap when, as almost always, nothing is found.
 */
function walkPanFields(value: unknown, path: Array<string | number>, found: (path: FieldPath) => boolean): boolean {
  if (typeof value === "string") return !fieldHoldsPan(path[path.length - 1], value) || found(path);
  if (typeof value === "number") return !numberHoldsPan(value) || found(path);
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const more = walkPanFields(value[i], path, found);
      path.pop();
      if (!more) return false;
    }
    return true;
  }
  // Object.keys and an index, not Object.entries: no pair array per member on the ingest hot path.
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    path.push(key);
    const more =
      (!fieldHoldsPan(undefined, key) || found([...path.slice(0, -1), "(key)"])) && walkPanFields(record[key], path, found);
    path.pop();
    if (!more) return false;
  }
  return true;
}

/** Whether any field of the value (at any depth, keys included) holds a card number; stops at the first. */
export function holdsPan(value: unknown): boolean {
  return !walkPanFields(value, [], () => false);
}

/** Paths of every field (at any depth, object keys included) that holds a card number. */
export function findPanFields(value: unknown, path: FieldPath = []): FieldPath[] {
  const fields: FieldPath[] = [];
  walkPanFields(value, [...path], (p) => {
    fields.push([...p]);
    return true;
  });
  return fields;
}

export class PanDetectedError extends Error {
  readonly code = "pan_detected";
  constructor(readonly fields: string[]) {
    super(
      `a full card number was found in ${fields.join(", ")}; send the card token and last four digits only (the number itself is never accepted)`,
    );
    this.name = "PanDetectedError";
  }
}

/** Throws PanDetectedError naming every offending field; never includes the digits. */
export function assertNoPan(value: unknown): void {
  const fields = findPanFields(value);
  if (fields.length > 0) throw new PanDetectedError(fields.map(formatPath));
}

/**
 * A copy of the value for a log line, every string and key masked (see maskPans) and a number that
 * is a card number replaced. Works on the values themselves: masking JSON text would miss a number
 * whose separators JSON escapes (a tab is written `\t`).
 */
export function maskPansIn(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return maskPans(value);
  if (typeof value === "number") return numberHoldsPan(value) ? "[card number]" : value;
  if (value === null || typeof value !== "object" || depth > 20) return value;
  if (value instanceof Error) return { type: value.name, message: maskPans(value.message), stack: maskPans(value.stack ?? "") };
  if (Array.isArray(value)) return value.map((v) => maskPansIn(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[maskPans(key)] = maskPansIn((value as Record<string, unknown>)[key], depth + 1);
  return out;
}
