import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { canonicalJson, findPanFields, formatPath } from "@tenderline/shared";
import { z } from "zod";
import { type SettlementRecord, SettlementRecordSchema } from "./settlement-wire.ts";

export class SettlementConflictError extends Error {
  readonly code = "settlement_conflict";
  constructor(readonly terminalTxnId: string) {
    super(`a different settlement is already recorded for terminalTxnId ${terminalTxnId}; settlements are never overwritten`);
    this.name = "SettlementConflictError";
  }
}

export class SettlementFileError extends Error {
  readonly code = "settlement_file_invalid";
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`settlement file ${file} cannot be loaded: ${detail}; fix or remove it`);
    this.name = "SettlementFileError";
  }
}

export type PutOutcome = "created" | "unchanged";

const FileSchema = z.object({ records: z.array(SettlementRecordSchema) });

/**
 * The processor's settlement records by terminal transaction id. A settlement, once recorded, is
 * fixed: the same record again is a no-op, a different one is a conflict (a real processor does
 * not rewrite history, and tests rely on answers staying stable). With `file`, every change is
 * written through (temp file + rename, so a crash leaves the old or the new file, never half).
 */
export class SettlementBook {
  private readonly records = new Map<string, SettlementRecord>();

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) this.load(file);
  }

  get size(): number {
    return this.records.size;
  }

  get(terminalTxnId: string): SettlementRecord | undefined {
    return this.records.get(terminalTxnId);
  }

  list(): SettlementRecord[] {
    return [...this.records.values()];
  }

  /** All or nothing: checks every record for conflicts before storing any. */
  putAll(records: readonly SettlementRecord[]): PutOutcome[] {
    const pending = new Map<string, SettlementRecord>();
    const outcomes = records.map((r): PutOutcome => {
      const existing = this.records.get(r.terminalTxnId) ?? pending.get(r.terminalTxnId);
      if (existing === undefined) {
        pending.set(r.terminalTxnId, r);
        return "created";
      }
      if (canonicalJson(existing) !== canonicalJson(r)) throw new SettlementConflictError(r.terminalTxnId);
      return "unchanged";
    });
    if (pending.size > 0) {
      for (const [id, r] of pending) this.records.set(id, r);
      this.save();
    }
    return outcomes;
  }

  private load(file: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new SettlementFileError(file, `not JSON (${(err as Error).message})`);
    }
    const panFields = findPanFields(parsed).map(formatPath);
    if (panFields.length > 0) throw new SettlementFileError(file, `a full card number is in ${panFields.join(", ")}`);
    const result = FileSchema.safeParse(parsed);
    if (!result.success) throw new SettlementFileError(file, result.error.issues[0]?.message ?? "invalid");
    for (const r of result.data.records) this.records.set(r.terminalTxnId, r);
  }

  private save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ records: this.list() }, null, 2)}\n`);
    renameSync(tmp, this.file);
  }
}
