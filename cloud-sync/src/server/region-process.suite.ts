import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BatchResponseSchema, CredentialListSchema, DigestSchema, OperatorHealthSchema } from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saleEvent } from "../testing/events.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { type RegionProcess, startRegionProcess } from "./region-process.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const run = promisify(execFile);

/** The region as a real process: the entry, its stdout contract, persistence, and the admin command. */
export function regionProcessSuite(backend: Backend): void {
  describe(`region process over ${backend}`, () => {
    let store: TestStore;
    let dir: string;
    const running: RegionProcess[] = [];
    beforeAll(async () => {
      store = await testStore(backend, "process");
      dir = mkdtempSync(join(tmpdir(), "tl-region-"));
    });
    afterAll(async () => {
      await Promise.all(running.map((p) => p.stop()));
      await store.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Where this backend keeps the region's data across restarts: a PGlite directory or a PostgreSQL database. */
    async function storage(): Promise<{ dataDir: string } | { databaseUrl: string }> {
      return backend === "pglite" ? { dataDir: join(dir, "A") } : store.processStorage("a");
    }

    /** The operator's CLI: secrets (the admin credential, the issuer key) in its environment, never its argv. */
    const cli = (args: string[], env: Record<string, string> = {}) =>
      run(process.execPath, ["--import", "tsx", MAIN, "token", ...args], { env: { ...process.env, ...env } });

    it("issues a credential with the CLI over HTTP, serves on the printed port, and keeps its data across a restart", async () => {
      const where = await storage();
      // A secret is never taken on the command line (this process touches nothing: it runs beside the rest).
      const refusedOnArgv =
        "databaseUrl" in where
          ? run(process.execPath, ["--import", "tsx", MAIN, "--region", "A", "--database-url", where.databaseUrl], {
              timeout: 20_000,
            }).then(
              () => "started",
              (error: { stderr?: string }) => error.stderr ?? "",
            )
          : undefined;
      // The retailer's keys go in the region's config file; the first admin is signed with them offline.
      const keys = JSON.parse((await cli(["keygen"])).stdout) as Record<string, unknown>;
      const configFile = join(dir, `${backend}.config.json`);
      writeFileSync(configFile, JSON.stringify({ ...keys, ...("databaseUrl" in where ? where : {}) }), { mode: 0o600 });
      const adminToken = (await cli(["create", "--offline", "--kind", "admin", "--config", configFile])).stdout.trim();
      expect(adminToken).toMatch(/^eyJ/);
      if (refusedOnArgv) expect(await refusedOnArgv).toContain("would put a secret on the command line");

      const start = () =>
        startRegionProcess({
          region: "A",
          ...("dataDir" in where ? where : {}),
          env: { TENDERLINE_REGION_CONFIG: configFile },
        }).then((p) => {
          running.push(p);
          return p;
        });
      const first = await start();
      expect(first.port).toBeGreaterThan(0);
      // Anyone learns up or down; the details are for an operator (admin) or a peer region.
      expect(await (await fetch(`${first.url}/v1/health`)).json()).toEqual({ region: "A", status: "ok" });
      const health = OperatorHealthSchema.parse(
        await (await fetch(`${first.url}/v1/health`, { headers: { authorization: `Bearer ${adminToken}` } })).json(),
      );
      expect(health).toMatchObject({ region: "A", status: "ok", backend });

      const asAdmin = { TENDERLINE_REGION_URL: first.url, TENDERLINE_ADMIN_CREDENTIAL: adminToken };
      // The admin credential is refused on the command line, where ps shows it (run beside the next call:
      // a refused command does nothing).
      const [onArgv, created] = await Promise.all([
        cli(["list", "--url", first.url, "--admin-credential", adminToken]).then(
          () => "accepted",
          (error: { stderr?: string }) => error.stderr ?? "",
        ),
        cli(["create", "--kind", "store", "--store-id", "s9", "--label", "tooling"], asAdmin),
      ]);
      expect(onArgv).toContain("readable by every user of this machine");
      const token = created.stdout.trim();
      expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(created.stderr).toContain("shown this once");
      // The list shows records, never a credential.
      const listed = (await cli(["list", "--json"], asAdmin)).stdout;
      expect(listed).toContain("s9");
      expect(listed).not.toContain(token);
      expect(listed).not.toContain(adminToken);

      const post = (url: string, events: unknown[]) =>
        fetch(`${url}/v1/events/batch`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ storeId: "s9", registerId: "r1", events }),
        });
      const e1 = saleEvent({ storeId: "s9", registerId: "r1", seq: 1 });
      const res = await post(first.url, [e1]);
      expect(res.status).toBe(200);
      expect(BatchResponseSchema.parse(await res.json()).results[0]?.status).toBe("accepted");
      await first.stop();
      expect(first.child?.exitCode).toBe(0);

      const second = await start();
      const again = BatchResponseSchema.parse(
        await (await post(second.url, [e1, saleEvent({ storeId: "s9", registerId: "r1", seq: 2 })])).json(),
      );
      expect(again.results.map((r) => r.status)).toEqual(["duplicate", "accepted"]);
      expect(again.watermark.contiguousSeq).toBe(2);
      // The record survived the restart too: the admin (recorded when first used) and the store's.
      const kinds = CredentialListSchema.parse(
        JSON.parse((await cli(["list", "--json"], { ...asAdmin, TENDERLINE_REGION_URL: second.url })).stdout),
      ).items.map((i) => i.kind);
      expect(kinds.sort()).toEqual(["admin", "store"]);
    }, 180_000);

    it("seeds bootstrap tokens, answers with them, and refuses unknown ones", async () => {
      const region = await startRegionProcess({
        region: "B",
        ...(await store.processStorage("b")),
        bootstrapTokens: [{ token: "tl_consumer_bootstrap_0000000001", kind: "consumer" }],
      });
      running.push(region);
      const ok = await fetch(`${region.url}/v1/feed`, { headers: { authorization: "Bearer tl_consumer_bootstrap_0000000001" } });
      // A store's token reads its own store's registers in the digest, never another store's.
      const stores = { s7: "tl_store_bootstrap_s7_00000000001", s8: "tl_store_bootstrap_s8_00000000001" };
      const scoped = await startRegionProcess({
        region: "D",
        dataDir: "memory://",
        bootstrapTokens: [
          { token: stores.s7, kind: "store", storeId: "s7" },
          { token: stores.s8, kind: "store", storeId: "s8" },
          { token: "tl_admin_bootstrap_0000000000001", kind: "admin" },
        ],
      });
      running.push(scoped);
      for (const [storeId, t] of Object.entries(stores)) {
        const res = await fetch(`${scoped.url}/v1/events/batch`, {
          method: "POST",
          headers: { authorization: `Bearer ${t}`, "content-type": "application/json" },
          body: JSON.stringify({ storeId, registerId: "r1", events: [saleEvent({ storeId, registerId: "r1", seq: 1 })] }),
        });
        expect(res.status).toBe(200);
      }
      const digestAs = async (t: string) =>
        DigestSchema.parse(await (await fetch(`${scoped.url}/v1/digest`, { headers: { authorization: `Bearer ${t}` } })).json());
      expect((await digestAs(stores.s7)).registers.map((r) => r.storeId)).toEqual(["s7"]);
      expect((await digestAs(stores.s7)).tenderResults).toBeUndefined();
      expect((await digestAs("tl_admin_bootstrap_0000000000001")).registers.map((r) => r.storeId)).toEqual(["s7", "s8"]);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ items: [], nextCursor: "0", epoch: expect.stringMatching(/^[0-9a-f]{12}$/) });
      const no = await fetch(`${region.url}/v1/feed`, { headers: { authorization: "Bearer tl_consumer_other_00000000000001" } });
      expect(no.status).toBe(401);
    }, 180_000);

    if (backend === "postgres") {
      it("runs two instances of one region on one database: the same batch sent to both at once is stored once", async () => {
        const { databaseUrl } = (await store.processStorage("twin")) as { databaseUrl: string };
        const tokens = [{ token: "tl_store_twin_0000000000000001", kind: "store" as const, storeId: "s1" }];
        const [one, two] = await Promise.all(
          [1, 2].map(() => startRegionProcess({ region: "A", databaseUrl, bootstrapTokens: tokens })),
        );
        running.push(one as RegionProcess, two as RegionProcess);
        const events = Array.from({ length: 300 }, (_, i) => saleEvent({ registerId: "twin", seq: i + 1 }));
        const send = (p: RegionProcess) =>
          fetch(`${p.url}/v1/events/batch`, {
            method: "POST",
            headers: { authorization: `Bearer ${tokens[0]?.token}`, "content-type": "application/json" },
            body: JSON.stringify({ storeId: "s1", registerId: "twin", events }),
          }).then(async (r) => ({ status: r.status, body: BatchResponseSchema.parse(await r.json()) }));
        const answers = await Promise.all([send(one as RegionProcess), send(two as RegionProcess), send(one as RegionProcess)]);
        for (const a of answers) {
          expect(a.status).toBe(200);
          expect(a.body.watermark).toEqual({ contiguousSeq: 300, replicatedSeq: 300, gaps: [] });
        }
        for (const [i, e] of events.entries()) {
          const verdicts = answers.map((a) => a.body.results[i]?.status).sort();
          expect(verdicts, e.eventId).toEqual(["accepted", "duplicate", "duplicate"]);
        }
      });
    }

    it("exits with code 2 and names the field when its configuration is wrong", async () => {
      const failed = await run(process.execPath, ["--import", "tsx", MAIN, "--region", "A", "--port", "70000"]).then(
        () => undefined,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed?.code).toBe(2);
      expect(failed?.stderr).toContain("port");
    });
  });
}
