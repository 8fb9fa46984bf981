import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseListeningLine, ServiceProcess, ServiceStartError } from "./service-process.ts";

const SCRIPTS = {
  "region.mjs": `process.stdout.write('{"listening":1234,"region":"A"}\\n'); setInterval(() => {}, 1000);`,
  "agent.mjs": [
    `console.log("starting the agent");`,
    `console.log("{not json, only a brace");`,
    `console.log(JSON.stringify({ level: "info", msg: "other JSON" }));`,
    `console.error("a log line on stderr");`,
    `console.log(JSON.stringify({ listening: "http://127.0.0.1:4321", port: 4321 }));`,
    `setInterval(() => {}, 1000);`,
  ].join("\n"),
  "early-exit.mjs": `console.log("reading config"); console.error("invalid config: port must be an integer"); process.exit(2);`,
  "silent.mjs": `console.log("never says where it listens"); setInterval(() => {}, 1000);`,
  "stubborn.mjs": `process.on("SIGTERM", () => console.log("ignoring SIGTERM")); console.log('{"listening":2345}'); setInterval(() => {}, 1000);`,
  "env.mjs": `console.log(JSON.stringify({ listening: 3456, foo: process.env.TL_FOO ?? null, bar: process.env.TL_BAR ?? null, path: process.env.PATH ?? null })); setInterval(() => {}, 1000);`,
  "niced.mjs": `import { getPriority } from "node:os"; console.log(JSON.stringify({ listening: 4567, pid: process.pid, nice: getPriority() })); setInterval(() => {}, 1000);`,
  "typescript.ts": `const port: number = 5678; console.log(JSON.stringify({ listening: port })); setInterval(() => {}, 1000);`,
} as const;

describe("ServiceProcess", () => {
  let dir: string;
  const started: ServiceProcess[] = [];
  const script = (name: keyof typeof SCRIPTS) => join(dir, name);
  const track = (proc: ServiceProcess) => {
    started.push(proc);
    return proc;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tl-service-process-"));
    for (const [name, text] of Object.entries(SCRIPTS)) writeFileSync(join(dir, name), `${text}\n`);
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((p) => p.kill()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts a plain node script and learns its port from {"listening": port}', async () => {
    const proc = track(new ServiceProcess({ name: "region", script: script("region.mjs") }));
    expect(proc.running).toBe(false);
    await proc.start();
    expect(proc.port).toBe(1234);
    expect(proc.url).toBe("http://127.0.0.1:1234");
    expect(proc.running).toBe(true);
    expect(proc.pid).toBeGreaterThan(0);
    expect(proc.child?.spawnargs.slice(1)).toEqual([script("region.mjs")]);
    await expect(proc.start()).rejects.toThrow(/already running/);
  });

  it("reads the agent's line after log lines, other JSON and a line that only starts with a brace, and forwards every line", async () => {
    const lines: Array<[string, string]> = [];
    const proc = track(
      await ServiceProcess.start({
        name: "agent",
        script: script("agent.mjs"),
        onLine: (line, stream) => lines.push([stream, line]),
      }),
    );
    expect(proc.port).toBe(4321);
    expect(proc.url).toBe("http://127.0.0.1:4321");
    expect(lines).toContainEqual(["stdout", "starting the agent"]);
    expect(lines).toContainEqual(["stdout", "{not json, only a brace"]);
    await expect.poll(() => lines).toContainEqual(["stderr", "a log line on stderr"]);
    expect(proc.output()).toContain("{not json, only a brace");
    expect(proc.output("stderr")).toBe("a log line on stderr\n");
  });

  it("reports a service that exits before listening with its name, the reason and its output", async () => {
    const proc = track(new ServiceProcess({ name: "bad-region", script: script("early-exit.mjs") }));
    const error = await proc.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceStartError);
    const startError = error as ServiceStartError;
    expect(startError.service).toBe("bad-region");
    expect(startError.reason).toBe("exited before listening (code 2, signal null)");
    expect(startError.output).toContain("invalid config: port must be an integer");
    expect(startError.message).toMatch(/bad-region did not start: exited before listening.*port must be an integer/s);
    expect(proc.running).toBe(false);
  });

  it("gives up on a service that never listens, killing it", async () => {
    const proc = track(new ServiceProcess({ name: "mute", script: script("silent.mjs"), startTimeoutMs: 500 }));
    const error = await proc.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServiceStartError);
    expect((error as ServiceStartError).reason).toBe("no listening line within 500 ms");
    expect((error as ServiceStartError).output).toContain("never says where it listens");
    expect(proc.running).toBe(false);
    expect(proc.child?.signalCode).toBe("SIGKILL");
  });

  it("stop() escalates to SIGKILL after the grace period and resolves once the process is gone", async () => {
    const proc = track(await ServiceProcess.start({ name: "stubborn", script: script("stubborn.mjs") }));
    const began = Date.now();
    await proc.stop("SIGTERM", 300);
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    expect(proc.running).toBe(false);
    expect(proc.child?.signalCode).toBe("SIGKILL");
    await expect.poll(() => proc.output()).toContain("ignoring SIGTERM");
    await proc.stop(); // already gone: a no-op
  });

  it("stops a well-behaved service with SIGTERM and starts it again", async () => {
    const proc = track(await ServiceProcess.start({ name: "region", script: script("region.mjs") }));
    const firstPid = proc.pid;
    await proc.stop();
    expect(proc.child?.signalCode).toBe("SIGTERM");
    await proc.start();
    expect(proc.running).toBe(true);
    expect(proc.pid).not.toBe(firstPid);
    expect(proc.port).toBe(1234);
    await proc.kill();
    expect(proc.running).toBe(false);
  });

  it("lays env over this process's environment, removes undefined keys, or starts from nothing", async () => {
    process.env.TL_BAR = "from-parent";
    try {
      const seen: string[] = [];
      const onLine = (line: string) => seen.push(line);
      track(
        await ServiceProcess.start({ name: "env", script: script("env.mjs"), env: { TL_FOO: "1", TL_BAR: undefined }, onLine }),
      );
      expect(JSON.parse(seen.at(-1) as string)).toMatchObject({ foo: "1", bar: null, path: process.env.PATH });
      track(
        await ServiceProcess.start({ name: "bare", script: script("env.mjs"), inheritEnv: false, env: { TL_FOO: "2" }, onLine }),
      );
      expect(JSON.parse(seen.at(-1) as string)).toMatchObject({ foo: "2", bar: null, path: null });
    } finally {
      delete process.env.TL_BAR;
    }
  });

  it("runs a load generator at the nice value asked, as the process it tracks and stops", async () => {
    let said: { pid: number; nice: number } | undefined;
    const proc = track(
      await ServiceProcess.start({
        name: "niced",
        script: script("niced.mjs"),
        niceness: 10,
        onLine: (line) => {
          if (line.startsWith("{")) said = JSON.parse(line) as { pid: number; nice: number };
        },
      }),
    );
    expect(said?.nice).toBe(10);
    expect(said?.pid).toBe(proc.pid);
    await proc.stop();
    expect(proc.running).toBe(false);
    await expect(ServiceProcess.start({ name: "bad", script: script("niced.mjs"), niceness: 40 })).rejects.toThrow(
      /niceness must be a whole number from 1 to 19, not 40/,
    );
  });

  it("runs a TypeScript entry through tsx by default", async () => {
    const proc = track(await ServiceProcess.start({ name: "ts", script: script("typescript.ts") }));
    expect(proc.port).toBe(5678);
    expect(proc.child?.spawnargs.slice(1, 3)).toEqual(["--import", "tsx"]);
  });
});

describe("parseListeningLine", () => {
  it("reads both formats and nothing else", () => {
    expect(parseListeningLine('{"listening":1234,"region":"A"}')).toEqual({ port: 1234, url: "http://127.0.0.1:1234" });
    expect(parseListeningLine('{"listening":"http://localhost:80","port":80}')).toEqual({ port: 80, url: "http://localhost:80" });
    expect(parseListeningLine("listening on 1234")).toBeUndefined();
    expect(parseListeningLine('{"listening": 12')).toBeUndefined();
    expect(parseListeningLine('{"level":30,"msg":"listening"}')).toBeUndefined();
    expect(parseListeningLine('{"listening":"soon"}')).toBeUndefined();
    expect(parseListeningLine('{"listening":0}')).toBeUndefined();
    expect(parseListeningLine("[1234]")).toBeUndefined();
  });
});
