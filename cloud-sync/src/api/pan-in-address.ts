import { fail, panInHref } from "@tenderline/shared";
import type { MiddlewareHandler } from "hono";

/** A card number in the path or query string: 422 before any route reads it, naming where, never the digits. */
export const refusePansInAddress: MiddlewareHandler = async (c, next) => {
  const where = panInHref(c.req.url);
  if (where !== undefined) fail(422, "pan_detected", `${where} holds a full card number; it was refused and not logged`);
  await next();
};
