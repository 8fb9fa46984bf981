import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config/config.ts";
import { listEpochs } from "../replication/log-epochs.ts";
import { openDatabase } from "../storage/open-database.ts";
import { runLogCommand } from "./log-cli.ts";

function capture() {
  const out: string[] = [];
  return { out, io: { out: (l: string) => out.push(l), err: (l: string) => out.push(l) } };
}

describe("log CLI: the operator starts a new epoch after a restore", () => {
  const dir = mkdtempSync(join(tmpdir(), "tl-log-cli-"));
  const flags = ["--region", "A", "--data-dir", join(dir, "region")];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps the reason with the new epoch, after the log's head, and lists every epoch", async () => {
    const started = capture();
    expect(
      await runLogCommand(["log", "new-epoch", "--reason", "restored from the 02:00 backup", ...flags], {}, started.io),
    ).toBe(0);
    const epoch = JSON.parse(started.out[0] ?? "{}");
    expect(epoch).toMatchObject({ n: 2, startsAfter: 0, reason: "operator: restored from the 02:00 backup" });
    const listed = capture();
    await runLogCommand(["log", "epochs", ...flags], {}, listed.io);
    expect(listed.out.map((l) => JSON.parse(l).n)).toEqual([1, 2]);
    const db = await openDatabase({ dataDir: join(dir, "region") });
    try {
      expect((await listEpochs(db)).at(-1)?.epoch).toBe(epoch.epoch);
    } finally {
      await db.close();
    }
  });

  it("refuses a new epoch without a reason, naming the flag, and starts none", async () => {
    await expect(runLogCommand(["log", "new-epoch", ...flags], {}, capture().io)).rejects.toThrow(ConfigError);
    await expect(runLogCommand(["log", "new-epoch", ...flags], {}, capture().io)).rejects.toThrow(/--reason/);
    const listed = capture();
    await runLogCommand(["log", "epochs", ...flags], {}, listed.io);
    expect(listed.out).toHaveLength(2);
  });
});
