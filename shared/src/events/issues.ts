import type { z } from "zod";
import { formatPath } from "../pan/pan-guard.ts";

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `payload.tenders[0].amount.amount`. */
  field: string;
  message: string;
}

/** zod's issues as a person reads them: which field, what to fix. Never includes input values. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: formatPath(issue.path.filter((p): p is string | number => typeof p !== "symbol")),
    message: issue.message,
  }));
}

export function describeIssues(error: z.ZodError): string {
  return fieldIssues(error)
    .map((i) => `${i.field}: ${i.message}`)
    .join("; ");
}

/** True when the failure is (also) a card number somewhere in the input. */
export function hasPanIssue(error: z.ZodError): boolean {
  return error.issues.some(
    (i) => i.code === "custom" && (i as { params?: { reason?: string } }).params?.reason === "pan_detected",
  );
}
