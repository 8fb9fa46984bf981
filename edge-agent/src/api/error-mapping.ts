import {
  CurrencyMismatchError,
  OverReturnError,
  PanDetectedError,
  RefundAllocationError,
  SaleValidationError,
} from "@tenderline/shared";
import { RegisterRefusal } from "../register/refusal.ts";
import { ApiError } from "./errors.ts";

function sqliteCode(error: unknown): string | undefined {
  if (error instanceof Error && error.name === "SqliteError") return (error as Error & { code?: string }).code;
  return undefined;
}

/** Turns what the domain throws into the API's one error type; undefined for a genuine bug (500). */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof RegisterRefusal) return new ApiError(error.status, error.code, error.message, undefined, error.details);
  if (error instanceof SaleValidationError) return new ApiError(422, error.reason, error.message);
  if (error instanceof OverReturnError) {
    return new ApiError(422, error.reason, error.message, undefined, {
      sku: error.sku,
      requested: error.requested,
      returnable: error.returnable,
    });
  }
  if (error instanceof RefundAllocationError) return new ApiError(422, error.reason, error.message);
  if (error instanceof CurrencyMismatchError) return new ApiError(422, error.code, error.message);
  if (error instanceof PanDetectedError) return new ApiError(422, error.code, error.message);
  const code = sqliteCode(error);
  if (code === "SQLITE_FULL") {
    return new ApiError(
      503,
      "storage_full",
      "the register's disk is full, so this transaction was NOT recorded (everything recorded before it is safe). Do not complete the sale on this register: ask the manager to free disk space or call support, then try again.",
    );
  }
  if (code === "SQLITE_BUSY" || code === "SQLITE_IOERR" || code?.startsWith("SQLITE_IOERR_")) {
    return new ApiError(
      503,
      "storage_unavailable",
      "the register's storage is busy or failing, so this transaction was NOT recorded; try again in a moment",
    );
  }
  return undefined;
}
