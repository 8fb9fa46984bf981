import { describeIssues, fail } from "@tenderline/shared";
import type { Context } from "hono";
import type { z } from "zod";

/** A JSON body checked against `schema`; 400 naming what to fix otherwise. An empty body is `{}`. */
export async function readBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const text = await c.req.text();
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch (error) {
      fail(400, "invalid_json", `the body must be JSON (${(error as Error).message})`);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) fail(400, "invalid_request", describeIssues(parsed.error));
  return parsed.data;
}
