import { Server } from "node:http";

/** How long a client keeps an idle connection (http-exchange.ts): a server must keep it longer. */
export const CLIENT_IDLE_MS = 20_000;

/**
 * How long our servers keep an idle connection: longer than any of our clients does, so the client
 * always closes first and never sends a request on a connection the server is closing. Node's
 * default (5 s) closed a register's connection between two sales 10 s apart, so every sale opened
 * a new one: at 2,000 registers, hundreds of connections a second waiting in a full listen queue.
 */
export const SERVER_IDLE_MS = 30_000;

/** Applies SERVER_IDLE_MS to an HTTP/1 server (what hono's serve() starts by default); others are left as they are. */
export function keepIdleConnections(server: object): void {
  if (!(server instanceof Server)) return;
  server.keepAliveTimeout = SERVER_IDLE_MS;
  // Node needs the headers timeout above the keep-alive one, or an idle socket can be cut mid-request.
  server.headersTimeout = SERVER_IDLE_MS + 1_000;
}
