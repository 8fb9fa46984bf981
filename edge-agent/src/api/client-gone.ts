import { ServiceError } from "@tenderline/shared";
import type { Context, MiddlewareHandler } from "hono";

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

/** Two turns of the event loop: a hang-up that waited in the socket behind the request is read in the second. */
const twoTurns = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

/**
 * Middleware for the routes that record: a request whose client already hung up (it waited in the
 * listen backlog, behind a busy loop, past the client's timeout) is answered ClientGoneError
 * before anything is asked of the cloud or written. Checked here, not at the commit: by the
 * commit a return or a stored-value tender may already hold a reservation at the region, and a
 * recording refused after it leaves a hold to release, which the next return's lookup may still see.
 */
export const shedGoneClients: MiddlewareHandler = async (c, next) => {
  if (c.req.method === "POST" && c.env !== undefined) {
    await twoTurns();
    if (clientGone(c)) throw new ClientGoneError();
  }
  await next();
};
