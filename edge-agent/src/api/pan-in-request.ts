import { fieldHoldsPan, panInHref, ServiceError } from "@tenderline/shared";
import type { MiddlewareHandler } from "hono";

/**
 * A card number in the address (path, query) or in the Idempotency-Key is refused before any
 * route reads it: an idempotency key is stored with the answer, and a path ends up in logs.
 */
export const refusePansInRequest: MiddlewareHandler = async (c, next) => {
  const key = c.req.header("idempotency-key");
  const where =
    panInHref(c.req.url) ?? (key !== undefined && fieldHoldsPan(undefined, key) ? "the Idempotency-Key header" : undefined);
  if (where !== undefined) {
    throw new ServiceError(
      422,
      "pan_detected",
      `${where} holds a full card number; it was refused and nothing was recorded. Use a random key or id, never a card number`,
    );
  }
  await next();
};
