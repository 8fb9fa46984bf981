import {
  CurrencyMismatchError,
  OverReturnError,
  PanDetectedError,
  RefundAllocationError,
  SaleValidationError,
  ServiceError,
} from "@tenderline/shared";
import { RegisterRefusal } from "../register/refusal.ts";
import { WalFlushError } from "../storage/wal-flush.ts";

function sqliteCode(error: unknown): string | undefined {
  if (error instanceof Error && error.name === "SqliteError") return (error as Error & { code?: string }).code;
  return undefined;
}

/** Turns what the domain throws into the services' one error type; undefined for a genuine bug (500). */
export function toServiceError(error: unknown): ServiceError | undefined {
  if (error instanceof ServiceError) return error;
  if (error instanceof RegisterRefusal)
    return new ServiceError(error.status, error.code, error.message, error.details ? { details: error.details } : {});
  if (error instanceof SaleValidationError) return new ServiceError(422, error.reason, error.message);
  if (error instanceof OverReturnError) {
    return new ServiceError(422, error.reason, error.message, {
      details: { sku: error.sku, requested: error.requested, returnable: error.returnable },
    });
  }
  if (error instanceof RefundAllocationError) return new ServiceError(422, error.reason, error.message);
  if (error instanceof CurrencyMismatchError) return new ServiceError(422, error.code, error.message);
  if (error instanceof PanDetectedError) return new ServiceError(422, error.code, error.message);
  if (error instanceof WalFlushError) {
    // 500, not 503: the transaction may be on disk. Its Idempotency-Key tells which, once the disk answers.
    return new ServiceError(
      500,
      "storage_unconfirmed",
      "the register could not confirm this transaction on its disk, so it may or may not be recorded: send the same request again (its Idempotency-Key answers with what was recorded) before you take the payment again, and call support if this repeats",
    );
  }
  const code = sqliteCode(error);
  if (code === "SQLITE_FULL") {
    return new ServiceError(
      503,
      "storage_full",
      "the register's disk is full, so this transaction was NOT recorded (everything recorded before it is safe). Do not complete the sale on this register: ask the manager to free disk space or call support, then try again.",
    );
  }
  if (code === "SQLITE_BUSY" || code === "SQLITE_IOERR" || code?.startsWith("SQLITE_IOERR_")) {
    return new ServiceError(
      503,
      "storage_unavailable",
      "the register's storage is busy or failing, so this transaction was NOT recorded; try again in a moment",
    );
  }
  return undefined;
}
