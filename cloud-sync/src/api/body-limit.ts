import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

/**
 * hono's bodyLimit, without its cost when the request declares its length: bodyLimit first reads
 * `c.req.raw.body`, which turns @hono/node-server's direct body read into a web stream (measurably
 * slower for large batches). With a Content-Length (and no Transfer-Encoding) the declared length is
 * the body's length (the HTTP parser enforces it), so checking it is enough; otherwise bodyLimit counts.
 */
export function limitBody(maxSize: number, onTooLarge: (c: Context) => Response | Promise<Response>): MiddlewareHandler {
  const counting = bodyLimit({ maxSize, onError: onTooLarge });
  return async (c, next) => {
    const declared = c.req.header("content-length");
    if (declared === undefined || c.req.header("transfer-encoding") !== undefined || !/^\d{1,15}$/.test(declared)) {
      return counting(c, next);
    }
    if (Number(declared) > maxSize) return onTooLarge(c);
    await next();
  };
}
