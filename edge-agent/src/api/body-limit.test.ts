import { readFileSync } from "node:fs";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentProcess, startAgentProcess, writeConfig } from "../testing/agent-process.ts";
import { tempDir } from "../testing/fixtures.ts";

const MiB = 1024 * 1024;

/** The process's peak resident memory so far (VmHWM), in bytes: it would jump if a body were buffered. */
function peakRss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  if (!line) throw new Error("no VmHWM in /proc status");
  return Number(line.replace(/\D/g, "")) * 1024;
}

/**
 * Streams `mib` MiB at the agent, as a declared length or chunked, and resolves with the status as
 * soon as the agent answers (it may cut the upload short: that is the point). The headers go first
 * and the body only after a pause (cut short by the answer), so a refusal of the declared length
 * arrives before the agent closes the connection. If the agent's close still beats its answer to
 * us (it drains an upload for half a second, then closes; the reset discards what we had not yet
 * read, and a CI machine running every suite at once can be that slow to read), the upload is sent
 * again: every try counts towards the memory the test watches.
 */
async function flood(port: number, path: string, mib: number, chunked: boolean, tries = 6): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await floodOnce(port, path, mib, chunked);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= tries || (code !== "ECONNRESET" && code !== "EPIPE")) throw error;
    }
  }
}

function floodOnce(port: number, path: string, mib: number, chunked: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (!chunked) headers["content-length"] = String(mib * MiB);
    let answered = false;
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers }, (res) => {
      answered = true;
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    req.flushHeaders();
    const chunk = Buffer.alloc(MiB, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < mib && !answered) {
        sent++;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      req.end();
    };
    setTimeout(pump, chunked ? 50 : 500);
  });
}

describe("body limits on the running agent", () => {
  const dirs = tempDir("tl-body-limit-");
  let agent: AgentProcess;
  beforeAll(async () => {
    agent = await startAgentProcess(
      writeConfig(dirs.dir, { storeId: "s1", registerId: "r1", dataDir: "data", port: 0, logLevel: "silent" }),
    );
  });
  afterAll(async () => {
    await agent.kill("SIGTERM");
    dirs.cleanup();
  });

  it("answers 413 to oversized bodies on every kind of route without holding them in memory", async () => {
    const pid = agent.child.pid as number;
    const paths = ["/api/v1/sales", "/screens/api/checkout", "/screens/api/terminal", "/api/v1/manager/session"];
    // A first round warms the process up (modules, JIT, heap sizing), so the peak measured after it is the agent's own.
    for (const path of paths) expect(await flood(agent.port, path, 4, false), `${path} warm-up`).toBe(413);
    const before = peakRss(pid);
    for (const path of paths) {
      expect(await flood(agent.port, path, 64, false), `${path} with a declared length`).toBe(413);
      expect(await flood(agent.port, path, 64, true), `${path} chunked`).toBe(413);
    }
    // An agent that read a body whole would take all 64 MiB before answering, and its peak would grow by at least that.
    expect(peakRss(pid) - before).toBeLessThan(48 * MiB);
    const health = await fetch(`http://127.0.0.1:${agent.port}/api/v1/health`);
    expect(health.status).toBe(200);
  });
});
