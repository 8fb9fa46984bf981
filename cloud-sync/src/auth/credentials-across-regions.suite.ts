import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BatchResponseSchema,
  CredentialListSchema,
  ErrorBodySchema,
  IssuedCredentialSchema,
  RotatedCredentialSchema,
} from "@tenderline/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { orderEvent } from "../ingest/order-test-region.ts";
import { type RegionProcess, startRegionProcess } from "../server/region-process.ts";
import { saleEvent } from "../testing/events.ts";
import { freePort } from "../testing/free-port.ts";
import { type Backend, type TestStore, testStore } from "../testing/test-databases.ts";
import { generateCredentialKeys, importIssuerKey } from "./credential-keys.ts";
import { signCredential } from "./signed-credentials.ts";

/** The bound this suite holds regions to: one replication interval plus one refresh, after they can talk. */
const REPLICATION_MS = 500;
const REFRESH_MS = 500;
const BOUND_MS = REPLICATION_MS + REFRESH_MS;
/** Room for a pull's own round trip on a loaded machine; the bound above is what the design promises. */
const SLACK_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Signed credentials across two regions as real processes: issued at one, good at the other
 * (also one that was down when it was issued), revoked, rotated and cut off by store everywhere.
 */
export function credentialsAcrossRegionsSuite(backend: Backend): void {
  describe(`credentials across two regions over ${backend}`, () => {
    let store: TestStore;
    let dir: string;
    let keys: Awaited<ReturnType<typeof generateCredentialKeys>>;
    let admin: string;
    const regionCredential: Record<"A" | "B", string> = { A: "", B: "" };
    const ports = { A: 0, B: 0 };
    const storage: Record<"A" | "B", { dataDir: string } | { databaseUrl: string }> = {
      A: { dataDir: "" },
      B: { dataDir: "" },
    };
    const regions: Partial<Record<"A" | "B", RegionProcess>> = {};

    async function start(name: "A" | "B"): Promise<RegionProcess> {
      const other = name === "A" ? "B" : "A";
      const proc = await startRegionProcess({
        region: name,
        port: ports[name],
        ...storage[name],
        // A issues; B only verifies, as a region without the private key would.
        ...(name === "A" ? { credentialIssuerKey: keys.credentialIssuerKey } : {}),
        credentialTrustedKeys: keys.credentialTrustedKeys,
        peers: [{ name: other, url: `http://127.0.0.1:${ports[other]}`, token: regionCredential[name] }],
        extraArgs: ["--replication-interval-ms", String(REPLICATION_MS), "--credential-refresh-ms", String(REFRESH_MS)],
      });
      regions[name] = proc;
      return proc;
    }
    const url = (name: "A" | "B") => `http://127.0.0.1:${ports[name]}`;

    const call = async (name: "A" | "B", method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${url(name)}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      // Read as sent; each check parses it with the schema of the answer it expects.
      const answer: unknown = await res.json();
      return { status: res.status, body: answer };
    };
    const issue = async (body: Record<string, unknown>) => {
      const res = await call("A", "POST", "/v1/admin/credentials", admin, body);
      expect(res.status).toBe(201);
      return IssuedCredentialSchema.parse(res.body);
    };
    let seq = 0;
    const send = (name: "A" | "B", credential: string, storeId: string, registerId: string) =>
      call(name, "POST", "/v1/events/batch", credential, {
        storeId,
        registerId,
        events: [saleEvent({ storeId, registerId, seq: ++seq })],
      });
    /** How long until `name` refuses `credential` (401), polling; fails past the bound and its slack. */
    async function refusedWithin(name: "A" | "B", credential: string): Promise<number> {
      const started = Date.now();
      for (;;) {
        const res = await call(name, "GET", "/v1/digest", credential);
        if (res.status === 401) return Date.now() - started;
        if (Date.now() - started > BOUND_MS + SLACK_MS) throw new Error(`region ${name} still accepts the credential`);
        await sleep(50);
      }
    }

    beforeAll(async () => {
      store = await testStore(backend, "credentials");
      keys = await generateCredentialKeys();
      const key = await importIssuerKey(keys.credentialIssuerKey);
      admin = (await signCredential(key, { kind: "admin" })).credential;
      regionCredential.A = (await signCredential(key, { kind: "region", regionName: "A" })).credential;
      regionCredential.B = (await signCredential(key, { kind: "region", regionName: "B" })).credential;
      ports.A = await freePort();
      ports.B = await freePort();
      // Regions restart in these tests: PGlite keeps its data in a directory, not in memory.
      dir = mkdtempSync(join(tmpdir(), "tl-credentials-"));
      storage.A = backend === "pglite" ? { dataDir: join(dir, "A") } : await store.processStorage("a");
      storage.B = backend === "pglite" ? { dataDir: join(dir, "B") } : await store.processStorage("b");
    });
    afterAll(async () => {
      await Promise.all(Object.values(regions).map((r) => r?.stop()));
      await store.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it("a register's credential issued at A while B is down works at B, and at A after A is gone", async () => {
      await start("A");
      const issued = await issue({ kind: "register", storeId: "s1", registerId: "r1", label: "till 1" });
      expect(issued.record).toMatchObject({ kind: "register", storeId: "s1", registerId: "r1", revokedAt: null });
      expect((await send("A", issued.credential, "s1", "r1")).status).toBe(200);
      await start("B");
      await regions.A?.stop();
      const atB = await send("B", issued.credential, "s1", "r1");
      expect(atB.status).toBe(200);
      await start("A");
    });

    it("a register's credential writing another register's events gets 403 and nothing is stored", async () => {
      const { credential } = await issue({ kind: "register", storeId: "s1", registerId: "r2" });
      for (const name of ["A", "B"] as const) {
        const res = await send(name, credential, "s1", "r3");
        expect(res.status).toBe(403);
        expect(ErrorBodySchema.parse(res.body).error).toBe("wrong_register");
        const status = await call(name, "GET", "/v1/stores/s1/registers/r3", admin);
        expect(status.status).toBe(404);
      }
    });

    it("an order channel's credential issued at A records orders at A and B and nothing else; revoked at A, B refuses it within the bound", async () => {
      const issued = await issue({ kind: "channel", storeId: "online", registerId: "web-1", label: "web shop" });
      expect(issued.record).toMatchObject({ kind: "channel", storeId: "online", registerId: "web-1" });
      const post = (name: "A" | "B", events: unknown[]) =>
        call(name, "POST", "/v1/events/batch", issued.credential, { storeId: "online", registerId: "web-1", events });
      for (const [name, seq] of [
        ["A", 1],
        ["B", 2],
      ] as const) {
        const res = await post(name, [orderEvent({ seq }), saleEvent({ storeId: "online", registerId: "web-1", seq: seq + 10 })]);
        expect(res.status).toBe(200);
        expect(BatchResponseSchema.parse(res.body).results.map((r) => [r.status, r.reason])).toEqual([
          ["accepted", undefined],
          ["rejected", "event_type_not_allowed"],
        ]);
      }
      expect((await call("A", "POST", `/v1/admin/credentials/${issued.record.id}/revoke`, admin)).status).toBe(200);
      expect(await refusedWithin("B", issued.credential)).toBeLessThanOrEqual(BOUND_MS + SLACK_MS);
      const list = await call("B", "GET", "/v1/admin/credentials?kind=channel&all=true", admin);
      expect(CredentialListSchema.parse(list.body).items.find((r) => r.id === issued.record.id)?.revokedAt).not.toBeNull();
    });

    it("a revocation made at A holds at A at once and at B within the bound", async () => {
      const issued = await issue({ kind: "register", storeId: "s1", registerId: "r4" });
      expect((await send("B", issued.credential, "s1", "r4")).status).toBe(200);
      const revoked = await call("A", "POST", `/v1/admin/credentials/${issued.record.id}/revoke`, admin);
      expect(revoked.status).toBe(200);
      expect(await refusedWithin("A", issued.credential)).toBeLessThan(200);
      const atB = await refusedWithin("B", issued.credential);
      expect(atB).toBeLessThanOrEqual(BOUND_MS + SLACK_MS);
      const refusal = await send("B", issued.credential, "s1", "r4");
      expect(ErrorBodySchema.parse(refusal.body).message).toContain("revoked");
      // B's list agrees: it holds the record, revoked, and never the credential itself.
      const list = await call("B", "GET", "/v1/admin/credentials?storeId=s1&all=true", admin);
      const record = CredentialListSchema.parse(list.body).items.find((r) => r.id === issued.record.id);
      expect(record?.revokedAt).not.toBeNull();
      expect(JSON.stringify(list.body)).not.toContain(issued.credential);
    });

    it("a region that was down while a credential was revoked refuses it from its first request", async () => {
      const issued = await issue({ kind: "register", storeId: "s1", registerId: "r5" });
      await regions.B?.stop();
      expect((await call("A", "POST", `/v1/admin/credentials/${issued.record.id}/revoke`, admin)).status).toBe(200);
      await start("B");
      expect((await send("B", issued.credential, "s1", "r5")).status).toBe(401);
    });

    it("rotation: both credentials work during the overlap, then only the new one, in both regions", async () => {
      const old = await issue({ kind: "register", storeId: "s1", registerId: "r6" });
      const rotated = await call("A", "POST", `/v1/admin/credentials/${old.record.id}/rotate`, admin, { overlapSeconds: 2 });
      expect(rotated.status).toBe(201);
      const fresh = RotatedCredentialSchema.parse(rotated.body);
      expect(fresh.record).toMatchObject({ kind: "register", storeId: "s1", registerId: "r6" });
      expect(fresh.replaced.notAfter).not.toBeNull();
      for (const name of ["A", "B"] as const) {
        expect((await send(name, old.credential, "s1", "r6")).status).toBe(200);
        expect((await send(name, fresh.credential, "s1", "r6")).status).toBe(200);
      }
      await sleep(2000);
      for (const name of ["A", "B"] as const) {
        await refusedWithin(name, old.credential);
        expect((await send(name, fresh.credential, "s1", "r6")).status).toBe(200);
      }
    });

    it("revoking a store refuses every credential of it issued before, in both regions; one issued after works", async () => {
      const register = await issue({ kind: "register", storeId: "s2", registerId: "r1" });
      const tooling = await issue({ kind: "store", storeId: "s2" });
      const otherStore = await issue({ kind: "register", storeId: "s3", registerId: "r1" });
      const cut = await call("A", "POST", "/v1/admin/stores/s2/revoke-credentials", admin);
      expect(cut.status).toBe(200);
      for (const name of ["A", "B"] as const) {
        await refusedWithin(name, register.credential);
        await refusedWithin(name, tooling.credential);
        expect((await send(name, otherStore.credential, "s3", "r1")).status).toBe(200);
      }
      const reissued = await issue({ kind: "register", storeId: "s2", registerId: "r1" });
      for (const name of ["A", "B"] as const) expect((await send(name, reissued.credential, "s2", "r1")).status).toBe(200);
    });

    it("B cannot issue without the private key, and says where to go; a credential signed by another key is refused", async () => {
      const res = await call("B", "POST", "/v1/admin/credentials", admin, { kind: "consumer" });
      expect(res.status).toBe(409);
      expect(ErrorBodySchema.parse(res.body).message).toContain("holds no credential issuer key");
      const stranger = await generateCredentialKeys();
      const forged = await signCredential(await importIssuerKey(stranger.credentialIssuerKey), { kind: "admin" });
      const refused = await call("A", "GET", "/v1/admin/credentials", forged.credential);
      expect(refused.status).toBe(401);
      expect(ErrorBodySchema.parse(refused.body).message).toContain("does not trust");
      const bad = await call("A", "POST", "/v1/admin/credentials", admin, { kind: "register", storeId: "s1" });
      expect(bad.status).toBe(400);
      expect(ErrorBodySchema.parse(bad.body).message).toContain("registerId");
    });
  });
}
