import { createHash } from "node:crypto";

/**
 * Canonical JSON: object keys sorted by code point at every depth, no whitespace, `undefined`
 * members dropped (as JSON.stringify does). Two values that differ only in key order encode to the
 * same bytes, so their hashes match.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("canonical JSON has no encoding for NaN or Infinity");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The content hash both sides use to tell a duplicate (same id, same hash) from a conflict. */
export function contentHash(event: unknown): string {
  return sha256Hex(canonicalJson(event));
}

export type IdempotencyVerdict = "new" | "duplicate" | "conflict";

/** Compare an incoming event's hash with the one already stored under its eventId (if any). */
export function idempotencyVerdict(storedHash: string | undefined, incomingHash: string): IdempotencyVerdict {
  if (storedHash === undefined) return "new";
  return storedHash === incomingHash ? "duplicate" : "conflict";
}
