/** Every change is JSON from this page: the agent refuses anything else as a possible forgery. */
export async function send(path: string, method: string, body: unknown = {}): Promise<unknown> {
  const res = await fetch(path, {
    method,
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  const answer = (await res.json().catch((error: unknown) => ({ error: { message: String(error) } }))) as {
    error?: { message?: string };
  } | null;
  if (!res.ok) throw new Error(answer?.error?.message ?? `the agent answered ${res.status}`);
  return answer;
}
