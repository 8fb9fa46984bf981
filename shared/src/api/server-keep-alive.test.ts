import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { CLIENT_IDLE_MS, keepIdleConnections, SERVER_IDLE_MS } from "./server-keep-alive.ts";

describe("keepIdleConnections", () => {
  it("tells clients the server keeps an idle connection longer than our clients keep theirs", async () => {
    const server = createServer((_req, res) => res.end("ok"));
    keepIdleConnections(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await request(`http://127.0.0.1:${port}/`);
      await answer.body.text();
      // The hint a client obeys: undici closes a connection the server says it will close sooner.
      expect(answer.headers["keep-alive"]).toBe(`timeout=${SERVER_IDLE_MS / 1000}`);
      expect(SERVER_IDLE_MS).toBeGreaterThan(CLIENT_IDLE_MS);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
