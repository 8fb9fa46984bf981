import type { z } from "zod";
import { type FieldIssue, fieldIssues } from "../events/issues.ts";
import { maskPans } from "../pan/pan-guard.ts";
import type { ErrorBody } from "./error-body.ts";

/** The statuses our services refuse or fail with; each is one hono can send with a JSON body. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 421 | 422 | 423 | 429 | 500 | 502 | 503 | 504;

export interface ServiceErrorExtras {
  /** The fields to fix, one per problem (validation failures). */
  issues?: FieldIssue[];
  /** Facts about the refusal a program may act on (`requested`, `returnable`, `retryAfterMs` …). */
  details?: Record<string, unknown>;
}

/**
 * The one error every service's routes throw (region, agent, processor simulator); each app's
 * onError answers it as its ErrorBody. The message is for a person and says what to fix; it never
 * repeats what was sent, and a card number in it is masked all the same.
 */
export class ServiceError extends Error {
  readonly issues?: FieldIssue[];
  readonly details?: Record<string, unknown>;

  constructor(
    readonly status: ErrorStatus,
    readonly code: string,
    message: string,
    extras: ServiceErrorExtras = {},
  ) {
    super(message);
    this.name = "ServiceError";
    if (extras.issues) this.issues = extras.issues;
    if (extras.details) this.details = extras.details;
  }

  toBody(): ErrorBody {
    return {
      error: this.code,
      message: maskPans(this.message),
      ...(this.issues ? { issues: this.issues.map((i) => ({ field: i.field, message: maskPans(i.message) })) } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }

  /** 400 naming every field to fix; 422 `pan_detected` when what failed was a full card number. */
  static invalid(error: z.ZodError, pan = false): ServiceError {
    const issues = fieldIssues(error);
    if (pan) {
      const panIssues = issues.filter((i) => i.message.includes("full card number"));
      return new ServiceError(
        422,
        "pan_detected",
        `a full card number is not accepted (${panIssues.map((i) => i.field).join(", ")}); send the terminal's card token and the last four digits only`,
        { issues: panIssues },
      );
    }
    return new ServiceError(
      400,
      "invalid_request",
      `the request is invalid: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
      { issues },
    );
  }
}

/** Throws a ServiceError; an expression, so `row ?? fail(404, …)` reads as the rule it is. */
export function fail(status: ErrorStatus, code: string, message: string, extras?: ServiceErrorExtras): never {
  throw new ServiceError(status, code, message, extras);
}
