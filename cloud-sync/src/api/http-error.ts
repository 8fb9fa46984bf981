import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The one error type routes throw; app.onError turns it into `{ error, message }`. */
export function fail(status: ContentfulStatusCode, code: string, message: string): never {
  throw new HTTPException(status, { message, cause: code });
}

export function errorCode(error: HTTPException): string {
  return typeof error.cause === "string" ? error.cause : "error";
}
