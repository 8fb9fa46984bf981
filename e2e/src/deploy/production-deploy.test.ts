import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { IssuedCredentialSchema, RegisterStatusSchema } from "@tenderline/shared";
import { ServiceProcess } from "@tenderline/shared/process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = resolve(import.meta.dirname, "../../..");
const usd = (amount: number) => ({ amount, currency: "USD" });

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, timeout: 300_000, maxBuffer: 8 << 20 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stderr}`)) : resolvePromise(stdout),
    );
  });
}

/** What a production host has: node, the deployed folder, its config. No tsx, no workspace, no loader flags. */
function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...extra };
}

/** Starts `node <bin> …` (no loader flags) from the deployed folder, with only `env`, once it prints its listening line. */
function startDeployed(bin: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  return ServiceProcess.start({
    name: bin,
    script: bin,
    nodeArgs: [],
    args,
    cwd,
    env,
    inheritEnv: false,
    startTimeoutMs: 60_000,
  });
}

const packagesIn = (deployDir: string) =>
  readdirSync(join(deployDir, "node_modules", ".pnpm")).map((n) => n.replace(/@[^@]+$/, ""));

describe("a production deploy of the region and the agent runs with node alone", () => {
  let dir: string;
  const children: ServiceProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tl-deploy-"));
    await run("pnpm", ["build"]);
    const env = {
      ...process.env,
      npm_config_nodedir: process.env.npm_config_nodedir ?? "/usr",
      ELECTRON_SKIP_BINARY_DOWNLOAD: "1",
    };
    await run("pnpm", ["--filter", "@tenderline/cloud-sync", "deploy", "--prod", join(dir, "region")], { env });
    await run("pnpm", ["--filter", "@tenderline/edge-agent", "deploy", "--prod", join(dir, "agent")], { env });
  }, 600_000);
  afterAll(async () => {
    await Promise.all(children.map((child) => child.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("holds no dev toolchain: no tsx, no test runner, no Electron, no TypeScript sources run", () => {
    for (const deployed of ["region", "agent"]) {
      const installed = packagesIn(join(dir, deployed));
      for (const devOnly of ["tsx", "vitest", "typescript", "electron", "esbuild", "tsdown", "electron-builder"]) {
        expect(installed, `${deployed} has ${devOnly}`).not.toContain(devOnly);
      }
      expect(existsSync(join(dir, deployed, "dist", "main.js"))).toBe(true);
    }
    expect(existsSync(join(dir, "region", "dist", "migrations", "001_records.sql"))).toBe(true);
    expect(existsSync(join(dir, "agent", "dist", "screens", "cashier.js"))).toBe(true);
  });

  it("starts both from the deployed folders, records a sale at the register and sees it reach the region", async () => {
    const region = join(dir, "region");
    const agent = join(dir, "agent");
    const keys = await run(process.execPath, [join(region, "bin", "tenderline-region.js"), "token", "keygen"], {
      cwd: region,
      env: bareEnv(),
    });
    const regionConfig = join(dir, "region.json");
    writeFileSync(regionConfig, keys, { mode: 0o600 });
    const admin = (
      await run(
        process.execPath,
        [join(region, "bin", "tenderline-region.js"), "token", "create", "--offline", "--kind", "admin"],
        {
          cwd: region,
          env: bareEnv({ TENDERLINE_REGION_CONFIG: regionConfig }),
        },
      )
    ).trim();
    const started = await startDeployed(
      join(region, "bin", "tenderline-region.js"),
      ["--region", "A", "--port", "0", "--data-dir", join(dir, "region-data"), "--ingest-workers", "1"],
      region,
      bareEnv({ TENDERLINE_REGION_CONFIG: regionConfig }),
    );
    children.push(started);
    const regionUrl = started.url;
    const issued = await fetch(`${regionUrl}/v1/admin/credentials`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ kind: "register", storeId: "s-deploy", registerId: "r-1" }),
    });
    expect(issued.status).toBe(201);
    const credential = IssuedCredentialSchema.parse(await issued.json()).credential;

    const agentConfig = join(dir, "agent.json");
    writeFileSync(
      agentConfig,
      JSON.stringify({
        storeId: "s-deploy",
        registerId: "r-1",
        dataDir: join(dir, "agent-data"),
        port: 0,
        regions: [{ name: "A", url: regionUrl }],
        storeToken: credential,
      }),
      { mode: 0o600 },
    );
    const agentProc = await startDeployed(join(agent, "bin", "tenderline-agent.js"), ["--config", agentConfig], agent, bareEnv());
    children.push(agentProc);
    const agentUrl = `http://127.0.0.1:${agentProc.port}`;
    // The cashier screen's script was bundled at build time, not compiled at run time.
    const script = await fetch(`${agentUrl}/screens/cashier.js`);
    expect(script.status).toBe(200);
    const sale = await fetch(`${agentUrl}/api/v1/sales`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "deploy-sale-1" },
      body: JSON.stringify({
        cashierId: "c-1",
        lines: [{ sku: "SKU-1", description: "Mug", quantity: 1, unitPrice: usd(1250), tax: usd(100) }],
        tenders: [{ type: "cash", amount: usd(1350), tendered: usd(2000) }],
      }),
    });
    expect(sale.status).toBe(201);
    const deadline = Date.now() + 60_000;
    let contiguousSeq = 0;
    while (contiguousSeq < 1 && Date.now() < deadline) {
      const res = await fetch(`${regionUrl}/v1/stores/s-deploy/registers/r-1`, { headers: { authorization: `Bearer ${admin}` } });
      if (res.status === 200) contiguousSeq = RegisterStatusSchema.parse(await res.json()).contiguousSeq;
      else await new Promise((r) => setTimeout(r, 250));
    }
    expect(contiguousSeq, agentProc.output()).toBeGreaterThanOrEqual(1);
  }, 180_000);
});
