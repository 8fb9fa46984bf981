import { type FieldIssue, fieldIssues, maskPans, type ErrorBody as SharedErrorBody } from "@tenderline/shared";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";

/** The region's error body (ErrorBodySchema), with the fields to fix and the refusal's details beside it when there are any. */
export interface ErrorBody extends SharedErrorBody {
  issues?: FieldIssue[];
  details?: Record<string, unknown>;
}

/** The one HTTP error type of the register API: a status, a stable code and a message a person can act on. */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues?: FieldIssue[],
    readonly details?: Record<string, unknown>,
  ) {
    super(status, { message });
  }

  toBody(): ErrorBody {
    return {
      error: this.code,
      message: maskPans(this.message),
      ...(this.issues ? { issues: this.issues.map((i) => ({ field: i.field, message: maskPans(i.message) })) } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }

  static invalid(error: z.ZodError, pan: boolean): ApiError {
    const issues = fieldIssues(error);
    if (pan) {
      const panIssues = issues.filter((i) => i.message.includes("full card number"));
      return new ApiError(
        422,
        "pan_detected",
        `a full card number is not accepted (${panIssues.map((i) => i.field).join(", ")}); send the terminal's card token and the last four digits only`,
        panIssues,
      );
    }
    return new ApiError(
      400,
      "invalid_request",
      `the request is invalid: ${issues.map((i) => `${i.field}: ${i.message}`).join("; ")}`,
      issues,
    );
  }
}
