/**
 * Typed failures of a TenderAuthority call. Outcomes the processor answered (declined, not found…)
 * are results, not errors; these are the cases where it did not answer usefully.
 */
export type TenderAuthorityErrorKind = "timeout" | "unavailable" | "invalid_request" | "bad_response";

export abstract class TenderAuthorityError extends Error {
  abstract readonly kind: TenderAuthorityErrorKind;
  /** True when the same lookup may succeed later: the caller retries with backoff. */
  abstract readonly retryable: boolean;
}

/** No answer within the request timeout (a slow or hung processor). */
export class AuthorityTimeoutError extends TenderAuthorityError {
  readonly kind = "timeout";
  readonly retryable = true;
  constructor(
    readonly timeoutMs: number,
    readonly url: string,
  ) {
    super(`the processor did not answer within ${timeoutMs} ms (${url}); retry later`);
    this.name = "AuthorityTimeoutError";
  }
}

/** The processor could not be reached, or answered 5xx/429. */
export class AuthorityUnavailableError extends TenderAuthorityError {
  readonly kind = "unavailable";
  readonly retryable = true;
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AuthorityUnavailableError";
  }
}

/** The lookup itself is wrong (bad input, or the processor answered 4xx): retrying will not help. */
export class AuthorityInvalidRequestError extends TenderAuthorityError {
  readonly kind = "invalid_request";
  readonly retryable = false;
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "AuthorityInvalidRequestError";
  }
}

/** The processor answered 2xx with something that is not a valid answer to the lookup. */
export class AuthorityBadResponseError extends TenderAuthorityError {
  readonly kind = "bad_response";
  readonly retryable = true;
  constructor(message: string) {
    super(message);
    this.name = "AuthorityBadResponseError";
  }
}
