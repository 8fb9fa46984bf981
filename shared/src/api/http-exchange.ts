import { Agent, type Dispatcher, request } from "undici";

/**
 * One HTTP request and its whole answer as text, for the typed clients (region, agent). undici's
 * `request`, not `fetch`: a fleet of registers makes thousands of these a second, and fetch's web
 * streams, Request/Response objects and abort plumbing cost several times the CPU for the same
 * bytes. undici, not Node 20's bundled copy: that one waits out a GET's whole timeout when a
 * connection is hung up on at once (what a store's link does while its region is dead).
 */
export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** The whole call's limit, from sending to the last byte of the answer. */
  timeoutMs: number;
  /** Calls the request off. */
  signal?: AbortSignal;
}

export interface ExchangeAnswer {
  status: number;
  /** The answer's headers, names in lower case. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  text: string;
}

/**
 * Why there is no whole answer: `timed_out` (the limit passed), `called_off` (the caller's signal),
 * `unreachable` (no answer at all: refused, reset, closed) or `cut_off` (an answer began, its body
 * did not arrive whole; `status` is set).
 */
export type ExchangeFailureKind = "timed_out" | "called_off" | "unreachable" | "cut_off";

export class ExchangeFailure extends Error {
  constructor(
    readonly kind: ExchangeFailureKind,
    /** Why, in words: the socket error's code and message, or the limit passed. */
    readonly detail: string,
    readonly status?: number,
  ) {
    super(detail);
    this.name = "ExchangeFailure";
  }
}

/**
 * Idle connections are kept 20 s (undici's default is 4 s): a register selling every 10 s then
 * reuses its connection instead of opening one per batch. A Node server's own hint
 * (`Keep-Alive: timeout=5`) still wins; a balancer that sends none (HAProxy) must keep idle
 * connections longer than this (the drill's keeps them 60 s).
 */
const dispatcher = new Agent({ keepAliveTimeout: 20_000 });

/** undici puts the cause (ECONNREFUSED …) on the error itself or one level down. */
function socketFailure(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } } | undefined;
  const source = e?.cause?.code ? e.cause : e;
  if (source?.code && source.message) return `${source.code}: ${source.message}`;
  return source?.message ?? source?.code ?? String(error);
}

export async function exchange(x: Exchange): Promise<ExchangeAnswer> {
  // One controller and one timer, cleared on the way out: nothing is aborted (and no abort error
  // built) when the answer came in time.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, x.timeoutMs);
  const callOff = () => controller.abort();
  if (x.signal?.aborted) controller.abort();
  else x.signal?.addEventListener("abort", callOff, { once: true });
  const stopped = (what: string) =>
    timedOut
      ? new ExchangeFailure("timed_out", `${what} within ${x.timeoutMs} ms`)
      : new ExchangeFailure("called_off", `${what}: the call was called off`);
  try {
    let answer: Awaited<ReturnType<typeof request>>;
    try {
      answer = await request(x.url, {
        method: x.method as Dispatcher.HttpMethod,
        headers: x.headers,
        signal: controller.signal,
        dispatcher,
        ...(x.body === undefined ? {} : { body: x.body }),
      });
    } catch (error) {
      if (controller.signal.aborted) throw stopped("no answer");
      throw new ExchangeFailure("unreachable", socketFailure(error));
    }
    try {
      return { status: answer.statusCode, headers: answer.headers, text: await answer.body.text() };
    } catch (error) {
      if (controller.signal.aborted) throw stopped("no whole answer");
      throw new ExchangeFailure("cut_off", `answer cut off (${socketFailure(error)})`, answer.statusCode);
    }
  } finally {
    clearTimeout(timer);
    x.signal?.removeEventListener("abort", callOff);
  }
}
