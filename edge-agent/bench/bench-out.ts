import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";

/** The figures file: one key per benchmark, whatever each wrote. */
const BenchOutSchema = z.record(z.string(), z.unknown());

/** Merges this package's figures into the JSON file named by BENCH_OUT (if set); each benchmark adds its own key. */
export function writeBenchOut(figures: Record<string, unknown>): void {
  const out = process.env.BENCH_OUT;
  if (!out) return;
  const existing = existsSync(out) ? BenchOutSchema.parse(JSON.parse(readFileSync(out, "utf8"))) : {};
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ ...existing, ...figures }, null, 2)}\n`);
}
