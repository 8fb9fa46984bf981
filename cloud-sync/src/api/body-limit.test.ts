import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limitBody } from "./body-limit.ts";

/** A real HTTP server (the Content-Length path only exists there): echoes the body's length. */
function echoApp(maxSize: number) {
  const app = new Hono();
  app.post(
    "/",
    limitBody(maxSize, (c) => c.json({ error: "body_too_large" }, 413)),
    async (c) => c.json({ length: (await c.req.text()).length }),
  );
  return app;
}

/** POST over a socket, with a Content-Length or chunked (no declared length). */
function post(port: number, body: string, chunked: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/",
        headers: chunked ? { "transfer-encoding": "chunked" } : { "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    if (chunked) for (let i = 0; i < body.length; i += 100) req.write(body.slice(i, i + 100));
    else req.write(body);
    req.end();
  });
}

describe("limitBody", () => {
  let server: ReturnType<typeof serve>;
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: echoApp(1000).fetch, port: 0, hostname: "127.0.0.1" }, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("passes bodies up to the limit whole, declared or chunked", async () => {
    for (const chunked of [false, true]) {
      for (const size of [1, 999, 1000]) {
        const res = await post(port, "x".repeat(size), chunked);
        expect(res.status).toBe(200);
        expect(JSON.parse(res.body)).toEqual({ length: size });
      }
    }
  });

  it("refuses bodies over the limit, declared or chunked", async () => {
    for (const chunked of [false, true]) {
      const res = await post(port, "é".repeat(501), chunked); // 1002 bytes in 501 characters
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ error: "body_too_large" });
    }
  });

  it("refuses through app.request too (no socket, no declared length)", async () => {
    const res = await echoApp(10).request("/", { method: "POST", body: "x".repeat(11) });
    expect(res.status).toBe(413);
    expect((await echoApp(10).request("/", { method: "POST", body: "x".repeat(10) })).status).toBe(200);
  });
});
