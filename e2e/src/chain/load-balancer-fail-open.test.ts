import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./free-port.ts";
import { LoadBalancer } from "./load-balancer.ts";

/** An instance whose health check answers too late for HAProxy (a loaded one), and everything else at once. */
async function slowHealthInstance(name: string): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer((req, res) => {
    const answer = () => res.writeHead(200, { "content-type": "text/plain" }).end(`served by ${name}`);
    if (req.url === "/v1/health") setTimeout(answer, 5_000);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, port };
}

describe("a region's balancer when no instance passes its health check", () => {
  const dir = mkdtempSync(join(tmpdir(), "tl-fail-open-"));
  let instances: Array<{ server: Server; port: number }>;
  let lb: LoadBalancer;
  beforeAll(async () => {
    instances = await Promise.all(["i0", "i1"].map(slowHealthInstance));
    lb = await new LoadBalancer({
      region: "A",
      port: await freePort(),
      statsPort: await freePort(),
      servers: instances.map((s, i) => ({ name: `i${i}`, port: s.port })),
      dir,
    }).start();
  });
  afterAll(async () => {
    await lb.stop();
    for (const s of instances) s.server.closeAllConnections();
    await Promise.all(instances.map((s) => new Promise((resolve) => s.server.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });

  it("still sends requests to instances that are slow but alive, and answers 503 once none accepts", async () => {
    await lb.waitFor("i0", "DOWN");
    await lb.waitFor("i1", "DOWN");
    const through = await fetch(`${lb.url}/v1/events/batch`);
    expect(through.status).toBe(200);
    expect(await through.text()).toMatch(/^served by i[01]$/);

    // Both instances gone (killed): the balancer refuses rather than waiting on them.
    for (const s of instances) s.server.closeAllConnections();
    await Promise.all(instances.map((s) => new Promise((resolve) => s.server.close(resolve))));
    let status = 0;
    for (let i = 0; i < 100 && status !== 503; i++) {
      status = (await fetch(`${lb.url}/v1/events/batch`)).status;
      if (status !== 503) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(503);
  });
});
