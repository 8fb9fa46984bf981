import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { MANAGERS, tempDir } from "../testing/fixtures.ts";
import { loadConfig } from "./config.ts";
import { ConfigReloader, type ConfigReloadOptions, watchConfig } from "./config-reload.ts";

const OLD = "tl_store_old_credential_0123456789ab";
const NEW = "tl_store_new_credential_9876543210yz";

const BASE = {
  storeId: "store-1",
  registerId: "reg-1",
  dataDir: "data",
  regions: [{ name: "A", url: "http://127.0.0.1:7431" }],
  managers: [{ id: MANAGERS.dana.id, name: MANAGERS.dana.name, pinHash: MANAGERS.dana.pinHash }],
};

/** A config file on disk, the agent's view of it at start-up, and a reloader that records what it hands on and logs. */
function setup(initial: Record<string, unknown> = { ...BASE, storeToken: OLD }) {
  const dir = tempDir("tl-config-reload-");
  const file = join(dir.dir, "agent.json");
  const write = (config: Record<string, unknown> | string) =>
    writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config, null, 2));
  write(initial);
  const handedOn: string[] = [];
  const logLines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  const options: ConfigReloadOptions = {
    file,
    running: loadConfig(file, {}),
    env: {},
    setCredential: (token) => void handedOn.push(token),
    logger,
  };
  const logs = () => logLines.map((l) => JSON.parse(l) as { level: number; msg: string; [k: string]: unknown });
  return { dir, file, write, handedOn, logLines, logs, options, reloader: new ConfigReloader(options) };
}

describe("re-reading the agent's config while it runs (ConfigReloader)", () => {
  const dirs: Array<{ cleanup: () => void }> = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.cleanup();
  });
  const fresh = (initial?: Record<string, unknown>) => {
    const s = setup(initial);
    dirs.push(s.dir);
    return s;
  };

  it("hands on a changed credential, once, and logs that it did without the credential itself", async () => {
    const s = fresh();
    s.write({ ...BASE, storeToken: NEW });
    expect(await s.reloader.reload("file changed")).toEqual({ kind: "changed", credential: true, needsRestart: [] });
    expect(s.handedOn).toEqual([NEW]);
    expect(s.logs()).toEqual([expect.objectContaining({ msg: expect.stringMatching(/new credential \(storeToken\) taken/) })]);
    // Read again, the same file is no news.
    expect(await s.reloader.reload("file changed")).toEqual({ kind: "unchanged" });
    expect(s.handedOn).toEqual([NEW]);
    expect(s.logLines.join("")).not.toContain("tl_store");
  });

  it("an unchanged file hands on nothing, even rewritten with other spacing and key order", async () => {
    const s = fresh();
    const { storeToken: _token, ...rest } = { ...BASE, storeToken: OLD };
    s.write(JSON.stringify({ storeToken: OLD, ...rest }));
    expect(await s.reloader.reload("file changed")).toEqual({ kind: "unchanged" });
    expect(s.handedOn).toEqual([]);
    expect(s.logLines).toEqual([]);
    // Asked for with SIGHUP, the agent answers in its log that there was nothing to do.
    expect(await s.reloader.reload("SIGHUP")).toEqual({ kind: "unchanged" });
    expect(s.logs()).toEqual([expect.objectContaining({ msg: "config re-read: nothing changed", trigger: "SIGHUP" })]);
  });

  it("a file that does not load changes nothing, says why, and the old credential stays until a good file comes", async () => {
    const s = fresh();
    const bad: Array<[string, RegExp]> = [
      // Not JSON, with the new credential in the broken text: the reason must not quote it.
      [`{ "storeId": "store-1", "storeToken": ${NEW}" }`, /not valid JSON/],
      [JSON.stringify({ ...BASE, storeToken: NEW, port: "7420" }), /port/],
      [JSON.stringify({ ...BASE, storeToken: NEW, registerId: "" }), /registerId is required/],
      ["[]", /must hold a JSON object/],
    ];
    for (const [text, reason] of bad) {
      s.write(text);
      const outcome = await s.reloader.reload("file changed");
      expect(outcome).toEqual({ kind: "invalid", reason: expect.stringMatching(reason) });
    }
    rmSync(s.file);
    expect(await s.reloader.reload("SIGHUP")).toEqual({
      kind: "invalid",
      reason: expect.stringMatching(/cannot read config file/),
    });
    expect(s.handedOn).toEqual([]);
    const errors = s.logs().filter((l) => l.level === 50);
    expect(errors).toHaveLength(bad.length + 1);
    for (const e of errors)
      expect(e.msg).toMatch(/config file not applied: the agent keeps running with the config and credential it has/);
    // Not even a piece of either credential (V8 quotes some of a broken JSON text in its message).
    expect(s.logLines.join("")).not.toContain("tl_store");

    s.write({ ...BASE, storeToken: NEW });
    expect(await s.reloader.reload("file changed")).toMatchObject({ kind: "changed", credential: true });
    expect(s.handedOn).toEqual([NEW]);
  });

  it("other changed fields are named, once, as taking effect at the next restart; their values are not logged", async () => {
    const s = fresh();
    const changed = { ...BASE, storeToken: OLD, port: 7555, allowedHosts: ["register-07.store.local"] };
    s.write(changed);
    expect(await s.reloader.reload("file changed")).toEqual({
      kind: "changed",
      credential: false,
      needsRestart: ["port", "allowedHosts"],
    });
    expect(s.handedOn).toEqual([]);
    const warnings = () => s.logs().filter((l) => l.level === 40);
    expect(warnings()).toEqual([
      expect.objectContaining({
        msg: "config fields changed that take effect at the next restart: port, allowedHosts",
        fields: ["port", "allowedHosts"],
      }),
    ]);
    expect(s.logLines.join("")).not.toContain("register-07.store.local");

    // Said once: a later credential change does not repeat it.
    s.write({ ...changed, storeToken: NEW });
    expect(await s.reloader.reload("SIGHUP")).toEqual({ kind: "changed", credential: true, needsRestart: [] });
    expect(s.handedOn).toEqual([NEW]);
    expect(warnings()).toHaveLength(1);

    // A field put back to what the agent runs with needs no restart; one changed anew is named.
    s.write({ ...changed, storeToken: NEW, port: BASE_PORT_DEFAULT, logLevel: "debug" });
    expect(await s.reloader.reload("file changed")).toEqual({ kind: "changed", credential: false, needsRestart: ["logLevel"] });
    expect(warnings()).toHaveLength(2);
  });

  it("a credential the sync engine could not take is handed on again at the next reload", async () => {
    const s = fresh();
    let attempts = 0;
    const reloader = new ConfigReloader({
      ...s.options,
      setCredential: async (token) => {
        attempts++;
        if (attempts === 1) throw new Error("the sync worker stopped");
        s.handedOn.push(token);
      },
    });
    s.write({ ...BASE, storeToken: NEW });
    expect(await reloader.reload("file changed")).toEqual({ kind: "failed", reason: "the sync worker stopped" });
    expect(s.handedOn).toEqual([]);
    expect(await reloader.reload("SIGHUP")).toEqual({ kind: "changed", credential: true, needsRestart: [] });
    expect(s.handedOn).toEqual([NEW]);
    expect(s.logLines.join("")).not.toContain("tl_store");
  });

  it("reloads run one at a time, in order: two at once hand the credential on once", async () => {
    const s = fresh();
    s.write({ ...BASE, storeToken: NEW });
    const outcomes = await Promise.all([s.reloader.reload("SIGHUP"), s.reloader.reload("file changed")]);
    expect(outcomes.map((o) => o.kind)).toEqual(["changed", "unchanged"]);
    expect(s.handedOn).toEqual([NEW]);
  });
});

/** The schema's default port, which the BASE config leaves out. */
const BASE_PORT_DEFAULT = 7420;

describe("watching the config file (watchConfig)", () => {
  const dirs: Array<{ cleanup: () => void }> = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.cleanup();
  });

  it("a change of the file is picked up by the poll", async () => {
    const s = setup();
    dirs.push(s.dir);
    const watch = watchConfig({ ...s.options, intervalMs: 50 });
    try {
      await watch.ready;
      s.write({ ...BASE, storeToken: NEW });
      await expect.poll(() => s.handedOn, { timeout: 10_000, interval: 20 }).toEqual([NEW]);
      expect(s.logs()).toEqual([
        expect.objectContaining({ trigger: "file changed", msg: expect.stringMatching(/new credential/) }),
      ]);
    } finally {
      watch.close();
    }
  });

  it("an edit made after start-up read the file but before the watch began is picked up too", async () => {
    const s = setup();
    dirs.push(s.dir);
    s.write({ ...BASE, storeToken: NEW });
    const watch = watchConfig({ ...s.options, intervalMs: 50 });
    try {
      await watch.ready;
      expect(s.handedOn).toEqual([NEW]);
    } finally {
      watch.close();
    }
  });

  it("SIGHUP re-reads the file; close stops listening for it", async () => {
    const s = setup();
    dirs.push(s.dir);
    const listeners = process.listenerCount("SIGHUP");
    const watch = watchConfig({ ...s.options, poll: false });
    expect(process.listenerCount("SIGHUP")).toBe(listeners + 1);
    try {
      await watch.ready;
      s.write({ ...BASE, storeToken: NEW });
      process.emit("SIGHUP", "SIGHUP");
      await expect.poll(() => s.handedOn, { timeout: 10_000, interval: 20 }).toEqual([NEW]);
    } finally {
      watch.close();
    }
    expect(process.listenerCount("SIGHUP")).toBe(listeners);
  });
});
