import { request } from "node:http";
import { ErrorBodySchema } from "@tenderline/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sampleSale, testAgent } from "../testing/fixtures.ts";

type TestAgent = ReturnType<typeof testAgent>;

const SALE = JSON.stringify(sampleSale());

function outboxCount(agent: TestAgent): number {
  return (agent.db.prepare("SELECT COUNT(*) AS n FROM outbox").get() as { n: number }).n;
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  const body = ErrorBodySchema.parse(await res.json());
  return { code: body.error, message: body.message };
}

describe("the register's door (through app.request)", () => {
  let agent: TestAgent;
  beforeEach(() => {
    agent = testAgent();
  });
  afterEach(async () => {
    await agent.done();
  });

  const postSale = (headers: Record<string, string>, body = SALE) =>
    agent.app.request("http://127.0.0.1/api/v1/sales", { method: "POST", headers, body });

  it("records the register software's JSON (no Origin) and the screens' JSON (own Origin)", async () => {
    expect((await postSale({ "content-type": "application/json" })).status).toBe(201);
    const own = await postSale({
      "content-type": "application/json; charset=utf-8",
      origin: "http://127.0.0.1",
      "sec-fetch-site": "same-origin",
    });
    expect(own.status).toBe(201);
    expect(outboxCount(agent)).toBe(2);
  });

  it("refuses a cross-site text/plain post (no preflight) with 403 and records nothing", async () => {
    const res = await postSale({ "content-type": "text/plain;charset=UTF-8", origin: "https://shop.example" });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toContain("https://shop.example");
    // The same body as text/plain without an Origin is refused too: only JSON changes anything.
    const plain = await postSale({ "content-type": "text/plain" });
    expect(plain.status).toBe(403);
    expect((await errorOf(plain)).code).toBe("json_required");
    expect(outboxCount(agent)).toBe(0);
  });

  it("refuses a form post with 403 and records nothing", async () => {
    const form = new URLSearchParams({ json: SALE }).toString();
    const res = await postSale({ "content-type": "application/x-www-form-urlencoded" }, form);
    expect(res.status).toBe(403);
    expect((await errorOf(res)).message).toMatch(/Content-Type: application\/json/);
    const multipart = await postSale({ "content-type": "multipart/form-data; boundary=x" }, "--x--");
    expect(multipart.status).toBe(403);
    expect(outboxCount(agent)).toBe(0);
  });

  it("refuses JSON carrying a foreign Origin, or a browser's cross-site mark, with 403", async () => {
    const foreign = await postSale({ "content-type": "application/json", origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect((await errorOf(foreign)).code).toBe("foreign_origin");
    // A sandboxed frame's opaque origin is foreign too.
    expect((await postSale({ "content-type": "application/json", origin: "null" })).status).toBe(403);
    // Another port on loopback is another origin.
    expect((await postSale({ "content-type": "application/json", origin: "http://127.0.0.1:8080" })).status).toBe(403);
    expect((await postSale({ "content-type": "application/json", "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await postSale({ "content-type": "application/json", "sec-fetch-site": "same-site" })).status).toBe(403);
    expect(outboxCount(agent)).toBe(0);
  });

  it("refuses a foreign Host on every route (API, screens, assets) with 421, whatever the method", async () => {
    const paths = [
      "/api/v1/queue",
      "/api/v1/health",
      "/cashier",
      "/manager",
      "/screens/cashier.js",
      "/screens/screens.css",
      "/screens/manager/panel",
      "/nowhere",
    ];
    for (const path of paths) {
      const res = await agent.app.request(`http://127.0.0.1${path}`, { headers: { host: "rebind.evil.example:7420" } });
      expect(res.status, path).toBe(421);
      expect((await errorOf(res)).code).toBe("wrong_host");
    }
    const write = await agent.app.request("http://127.0.0.1/api/v1/sales", {
      method: "POST",
      headers: { host: "rebind.evil.example", "content-type": "application/json" },
      body: SALE,
    });
    expect(write.status).toBe(421);
    expect(outboxCount(agent)).toBe(0);
  });

  it("refuses Host values that only look like loopback", async () => {
    for (const host of ["127.0.0.1.evil.example", "127.0.0.1@evil.example", "localhost.", "127.0.0.1:7420/x", "0.0.0.0"]) {
      const res = await agent.app.request("http://127.0.0.1/api/v1/queue", { headers: { host } });
      expect(res.status, host).toBe(421);
    }
  });

  it("answers the loopback names and a configured store host name", async () => {
    for (const host of ["127.0.0.1", "localhost", "[::1]", "LOCALHOST"]) {
      expect((await agent.app.request("http://127.0.0.1/api/v1/health", { headers: { host } })).status, host).toBe(200);
    }
    const named = testAgent({ allowedHosts: ["register-01.store.local"] });
    try {
      const res = await named.app.request("http://x/api/v1/health", { headers: { host: "register-01.store.local" } });
      expect(res.status).toBe(200);
    } finally {
      await named.done();
    }
  });

  it("limits the body of every route, the screens' included, with 413", async () => {
    const big = "x".repeat(agent.config.bodyLimitBytes + 1);
    for (const path of [
      "/api/v1/sales",
      "/screens/api/checkout",
      "/screens/api/gift-card",
      "/api/v1/manager/session",
      "/nowhere",
    ]) {
      const res = await agent.app.request(`http://127.0.0.1${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: big,
      });
      expect(res.status, path).toBe(413);
      expect((await errorOf(res)).code).toBe("body_too_large");
    }
  });
});

describe("the register's door (on the running agent)", () => {
  it("knows its own port: a loopback Host naming another port is refused; the real one works", async () => {
    const agent = testAgent();
    try {
      const { port, url } = await agent.listen();
      expect((await fetch(`${url}/api/v1/health`)).status).toBe(200);
      expect((await fetch(`http://localhost:${port}/api/v1/health`)).status).toBe(200);
      expect((await getWithHost(port, "/api/v1/queue", `127.0.0.1:${port}`)).status).toBe(200);
      expect((await getWithHost(port, "/api/v1/queue", `127.0.0.1:${port + 1}`)).status).toBe(421);
      const evil = await getWithHost(port, "/manager", `evil.example:${port}`);
      expect(evil.status).toBe(421);
      expect(evil.body).not.toContain("Dead letters");
      // What a page on another site can send, straight at the listening agent.
      const own = `127.0.0.1:${port}`;
      const attempts: Array<Record<string, string>> = [
        { host: own, "content-type": "text/plain;charset=UTF-8", origin: "https://shop.example" },
        { host: own, "content-type": "application/x-www-form-urlencoded", origin: "https://shop.example" },
        { host: own, "content-type": "application/json", origin: "https://shop.example" },
        { host: `evil.example:${port}`, "content-type": "application/json" },
      ];
      for (const headers of attempts) {
        const res = await send(port, "POST", "/api/v1/sales", headers, SALE);
        expect(res.status, JSON.stringify(headers)).toBe(headers.host === own ? 403 : 421);
      }
      expect(outboxCount(agent)).toBe(0);
      expect((await send(port, "POST", "/api/v1/sales", { host: own, "content-type": "application/json" }, SALE)).status).toBe(
        201,
      );
    } finally {
      await agent.done();
    }
  });
});

/** fetch() will not send a Host or Origin of our choosing; node:http does, as a page's browser would. */
function getWithHost(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return send(port, "GET", path, { host });
}

function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
