import { createHash } from "node:crypto";

/**
 * The one region that looks a tender up at the processor: every region computes the same answer
 * from the same region names, so two regions never race for one tender.
 */
export function ownerRegion(key: string, regions: readonly string[]): string {
  const sorted = [...new Set(regions)].sort();
  if (sorted.length === 0) throw new RangeError("ownerRegion needs at least one region");
  const n = createHash("sha256").update(key).digest().readUInt32BE(0);
  return sorted[n % sorted.length] as string;
}
