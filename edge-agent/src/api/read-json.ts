import { ServiceError } from "@tenderline/shared";
import type { Context } from "hono";

/** The request body as parsed JSON; a body that is not JSON is a 400 that says what to send, never quoting it. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // The parser's message can quote the body, which might hold a card number or a PIN: say only what to fix.
    throw new ServiceError(400, "invalid_json", "the request body must be a JSON object");
  }
}
