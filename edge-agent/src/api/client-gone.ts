import { ServiceError } from "@tenderline/shared";
import type { Context } from "hono";
import type { GroupCommit } from "../outbox/group-commit.ts";

/**
 * The client hung up before the transaction was recorded (its request timed out while the register
 * was busy): nothing is recorded, as nobody would be told it was. Its retry with the same
 * Idempotency-Key records it then. A register that records for clients that have gone only gets
 * further behind under a burst, and every later cashier waits longer for it.
 */
export class ClientGoneError extends ServiceError {
  constructor() {
    super(
      503,
      "client_gone",
      "the connection closed before this transaction was recorded, so it was NOT recorded; send it again with the same Idempotency-Key",
    );
    this.name = "ClientGoneError";
  }
}

/**
 * Whether the connection the request came on is gone (the Node server's bindings; none under
 * app.request()): closed, or ended by the client (its FIN: an HTTP/1.1 client that still waits
 * does not end its side). Not the request stream's own state: that ends with every whole body.
 */
export function clientGone(c: Context): boolean {
  const socket = (c.env as { incoming?: { socket?: { destroyed?: boolean; readableEnded?: boolean } } } | undefined)?.incoming
    ?.socket;
  return socket?.destroyed === true || socket?.readableEnded === true;
}

/**
 * The commit a recording route hands the register service: the group commit, which runs the
 * recording only if the client still waits for its answer, checked at the last moment before it
 * is written (after any cloud call the recording waited for).
 */
export function commitWhileAsked(c: Context, commits: GroupCommit): <T>(fn: () => T) => Promise<T> {
  return (fn) =>
    commits.run(() => {
      if (clientGone(c)) throw new ClientGoneError();
      return fn();
    });
}
