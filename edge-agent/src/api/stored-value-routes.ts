import { hasPanIssue, InquiryRequestSchema, type Sealed, SealRequestSchema, ServiceError } from "@tenderline/shared";
import { Hono } from "hono";
import type { CloudStoredValue } from "../stored-value/cloud-stored-value.ts";
import { type Sealing, StoredValueNumberError, sealStoredValueNumber } from "../stored-value/seal.ts";
import { readJson } from "./read-json.ts";

export interface StoredValueRoutesDeps {
  /** Absent: no region configured; an inquiry answers 503. */
  cloud?: CloudStoredValue;
  sealing: Sealing;
}

/**
 * `POST /api/v1/stored-value/seal` and `/inquiry` (shared/src/api/agent-stored-value.ts). The seal
 * route is the one place a gift card or credit number reaches the agent: it answers the number
 * sealed for the regions and its last four, and keeps, logs and repeats nothing else. A body that
 * fails validation is refused without quoting it.
 */
export function storedValueRoutes(deps: StoredValueRoutesDeps): Hono {
  const app = new Hono();

  app.post("/seal", async (c) => {
    const parsed = SealRequestSchema.safeParse(await readJson(c));
    if (!parsed.success) {
      // The issues could quote the number: name the fields only.
      if (hasPanIssue(parsed.error)) throw ServiceError.invalid(parsed.error, true);
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(body)"))];
      throw new ServiceError(
        400,
        "invalid_request",
        `send { kind: "gift_card" | "store_credit", number }; fix: ${fields.join(", ")}`,
        {
          issues: fields.map((field) => ({ field, message: "missing or not valid" })),
        },
      );
    }
    const { kind, number } = parsed.data;
    try {
      const sealed = sealStoredValueNumber(kind, number, deps.sealing);
      return c.json({ kind, sealed: sealed.sealed, last4: sealed.last4 } satisfies Sealed);
    } catch (error) {
      if (!(error instanceof StoredValueNumberError)) throw error;
      throw new ServiceError(422, error.code, error.message, { issues: [{ field: "number", message: error.message }] });
    }
  });

  app.post("/inquiry", async (c) => {
    const parsed = InquiryRequestSchema.safeParse(await readJson(c));
    if (!parsed.success) throw ServiceError.invalid(parsed.error, hasPanIssue(parsed.error));
    if (!deps.cloud) {
      throw new ServiceError(
        503,
        "region_unavailable",
        "no region is configured, so a balance cannot be checked on this register",
      );
    }
    return c.json(await deps.cloud.inquire(parsed.data));
  });

  return app;
}
