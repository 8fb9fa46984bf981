import type { ErrorBody } from "@tenderline/shared";

/** Every change is JSON from this page: the agent refuses anything else as a possible forgery. */
export async function send(path: string, method: string, body: unknown = {}): Promise<unknown> {
  const res = await fetch(path, {
    method,
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  // A refusal is `{ error: code, message }` (ErrorBodySchema in @tenderline/shared).
  const answer = (await res
    .json()
    .catch((error: unknown) => ({ error: "not_json", message: String(error) }))) as Partial<ErrorBody> | null;
  if (!res.ok) throw new Error(typeof answer?.message === "string" ? answer.message : `the agent answered ${res.status}`);
  return answer;
}
