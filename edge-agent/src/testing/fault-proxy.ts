import { once } from "node:events";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * pass: forward; hang: accept and never answer; error500: answer 500 without forwarding;
 * drop-after-commit: forward the batch, let the region commit and answer, then cut the connection
 * so the answer (the ack) is lost.
 */
export type FaultMode = "pass" | "hang" | "error500" | "drop-after-commit";

export interface FaultProxy {
  url: string;
  /** Set the behaviour for batch posts; `health` also applies it to health probes. */
  set(mode: FaultMode, options?: { health?: boolean }): void;
  /** Batches the proxy forwarded whose answer it then withheld. */
  dropped: number;
  close(): Promise<void>;
}

/** A loopback HTTP proxy in front of a real region, to make it misbehave in controlled ways. */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let mode: FaultMode = "pass";
  let healthToo = false;
  const sockets = new Set<Socket>();
  const state = { dropped: 0 };
  const server = http.createServer(async (req, res) => {
    const isHealth = req.url?.startsWith("/v1/health") ?? false;
    const effective: FaultMode = isHealth && !healthToo ? "pass" : isHealth && mode === "drop-after-commit" ? "pass" : mode;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (effective === "hang") return; // never answer; the socket stays open
    if (effective === "error500") {
      res.writeHead(500, { "content-type": "application/json" }).end('{"error":"internal","message":"injected failure"}');
      return;
    }
    let upstream: Response;
    try {
      upstream = await fetch(new URL(req.url ?? "/", target), {
        method: req.method,
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(([k]) => k !== "host" && k !== "content-length" && k !== "connection"),
        ) as Record<string, string>,
        ...(req.method === "GET" || req.method === "HEAD" ? {} : { body: Buffer.concat(chunks) }),
      });
    } catch (error) {
      res.writeHead(502).end(`proxy: upstream unreachable (${(error as Error).message})`);
      return;
    }
    const body = Buffer.from(await upstream.arrayBuffer());
    if (effective === "drop-after-commit" && req.url?.startsWith("/v1/events/batch")) {
      state.dropped++;
      req.socket.destroy();
      return;
    }
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" }).end(body);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    set(next, options = {}) {
      mode = next;
      healthToo = options.health ?? false;
    },
    get dropped() {
      return state.dropped;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
