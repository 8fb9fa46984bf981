import type { ErrorBody } from "@tenderline/shared";

/** A refusal or failure from the agent: its HTTP status and error code when it answered with one. */
export class ApiProblem extends Error {
  constructor(
    message: string,
    readonly status = 0,
    readonly code = "",
  ) {
    super(message);
  }
}

export interface CallInit {
  method?: string;
  body?: unknown;
  /** Sent as the Idempotency-Key header. */
  key?: string;
}

/** JSON to and from the agent; anything but a 2xx becomes an ApiProblem carrying the agent's message and code. */
export async function call<T>(path: string, init?: CallInit): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (init?.body !== undefined) headers["content-type"] = "application/json";
  if (init?.key) headers["idempotency-key"] = init.key;
  const res = await fetch(path, {
    method: init?.method ?? (init?.body === undefined ? "GET" : "POST"),
    headers,
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new ApiProblem(`the agent answered ${res.status} with something that is not JSON (${String(error)})`);
    }
  }
  if (!res.ok) {
    // Every refusal is `{ error: code, message }` (ErrorBodySchema in @tenderline/shared).
    const b = body as Partial<ErrorBody> | null;
    const message = typeof b?.message === "string" ? b.message : `the agent answered ${res.status}`;
    const code = typeof b?.error === "string" ? b.error : "";
    throw new ApiProblem(message, res.status, code);
  }
  return body as T;
}
