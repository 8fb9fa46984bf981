/**
 * The whole chain as real processes: regions (PGlite or PostgreSQL each), the processor simulator,
 * and agents, with credentials made as an operator makes them (credentials.ts). `pnpm start`, the
 * drill and the browser tests build on it.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateStoredValueKeys } from "@tenderline/shared";
import { z } from "zod";
import { CredentialKeysSchema, generateKeys, issueAt, signOffline } from "./credentials.ts";
import { freePort } from "./free-port.ts";
import { LinkProxy } from "./link-proxy.ts";
import { type RegionStorage, restoreStorage, snapshotStorage } from "./region-snapshot.ts";
import { ServiceProcess } from "./service-process.ts";

const repoRoot = resolve(import.meta.dirname, "../../..");
export const ENTRIES = {
  region: join(repoRoot, "cloud-sync/src/main.ts"),
  processor: join(repoRoot, "cloud-sync/src/processor/simulator-main.ts"),
  agent: join(repoRoot, "edge-agent/src/main.ts"),
};

export interface StoreSpec {
  storeId: string;
  registers: string[];
}

/** An online order channel: its own store and instance id, which number its events like a register. */
export interface ChannelSpec {
  storeId: string;
  registerId: string;
  channel: string;
}

export interface ChainOptions {
  /** Everything the chain keeps: region data dirs, agent outboxes, logs. */
  dataDir: string;
  regionNames?: string[];
  /** Region name -> PostgreSQL URL; a region without one runs on PGlite under dataDir. */
  databaseUrls?: Record<string, string | undefined>;
  /** Fixed ports (the demo's defaults); 0 or absent picks free ones. */
  regionPorts?: Record<string, number>;
  processorPort?: number;
  agentPorts?: Record<string, number>;
  stores: StoreSpec[];
  /** Order channels to issue credentials for (they post to the regions themselves: order-channel.ts). */
  channels?: ChannelSpec[];
  /** Agents reach the regions through a cuttable link per store (drills, tests). */
  viaStoreLinks?: boolean;
  /** Extra agent config, e.g. sync probe settings for fast failover in tests. */
  agentConfig?: Record<string, unknown>;
  regionArgs?: string[];
  /** Reuse credentials from an earlier run (the demo keeps them in its data dir). */
  tokens?: ChainTokens;
  logLevel?: string;
  onLine?: (service: string, line: string) => void;
}

/** The chain's signed credentials; each is good in every region. Kept as tokens.json by `pnpm start`, read back with this schema. */
export const ChainTokensSchema = z.object({
  /** The retailer's key pair, in every region's config (it verifies; it may issue). */
  keys: CredentialKeysSchema,
  admin: z.string(),
  consumer: z.string(),
  /** Store-wide credentials, for tooling (reading a store's exceptions, the tests' direct batches). */
  stores: z.record(z.string(), z.string()),
  /** Each register's own credential, bound to its store and register: what its agent syncs with. */
  registers: z.record(z.string(), z.string()),
  /** Each region's credential for pulling from its peers. */
  regions: z.record(z.string(), z.string()),
  /** Each order channel instance's credential (by its registerId): it records online orders only. */
  channels: z.record(z.string(), z.string()).default({}),
  /** The regions' stored-value keys: registers get the public half to seal gift card and credit numbers. */
  storedValue: z.object({ sealPrivateKey: z.string(), sealPublicKey: z.string(), tokenKey: z.string() }).optional(),
});
export type ChainTokens = z.infer<typeof ChainTokensSchema>;

/**
 * The demo register's manager. Its pinHash is `hashPin(pin)` made once (the agent's config keeps
 * only the hash); the PIN is here because this is a demo and the browser tests sign in with it.
 */
export const DEMO_MANAGER = {
  id: "m-1",
  name: "Demo Manager",
  pin: "246810",
  pinHash: "scrypt:16384:8:1:hrCMNVBTJ_6i9sqa21P1RQ:N52FaRgmVOGH1klv7uvofGxXnwZPyMzJwgL3C6Do1bI",
} as const;

export class Chain {
  readonly regions = new Map<string, ServiceProcess>();
  readonly agents = new Map<string, ServiceProcess>();
  readonly links = new Map<string, LinkProxy>();
  processor: ServiceProcess | undefined;
  private issued: ChainTokens | undefined;
  private readonly regionNames: string[];
  private readonly regionPorts = new Map<string, number>();

  readonly options: ChainOptions;

  constructor(options: ChainOptions) {
    // Absolute: an agent reads a relative dataDir as relative to its config file, inside dataDir itself.
    this.options = { ...options, dataDir: resolve(options.dataDir) };
    this.regionNames = options.regionNames ?? ["A", "B"];
    // Tokens kept from a run before signed credentials (no keys) are replaced.
    if (options.tokens?.keys)
      this.issued = { ...options.tokens, storedValue: options.tokens.storedValue ?? generateStoredValueKeys() };
  }

  get tokens(): ChainTokens {
    if (!this.issued) throw new Error("the chain's credentials exist once start() has begun");
    return this.issued;
  }

  /** The key pair, the first admin and the peers' credentials: what the regions need before they start. */
  private async prepareCredentials(): Promise<void> {
    if (this.issued) return;
    const keys = await generateKeys(ENTRIES.region);
    const [admin, ...regionCredentials] = await Promise.all([
      signOffline(ENTRIES.region, keys, { kind: "admin" }, "chain admin"),
      ...this.regionNames.map((r) => signOffline(ENTRIES.region, keys, { kind: "region", regionName: r }, `region ${r} pulling`)),
    ]);
    this.issued = {
      keys,
      admin: admin as string,
      consumer: "",
      stores: {},
      registers: {},
      regions: Object.fromEntries(this.regionNames.map((r, i) => [r, regionCredentials[i] as string])),
      channels: {},
      storedValue: generateStoredValueKeys(),
    };
  }

  /**
   * Every store's and register's credential, issued over HTTP by the first region only: the other
   * regions have never heard of them and still accept them (they verify the signature).
   */
  private async issueCredentials(): Promise<void> {
    const tokens = this.tokens;
    const issuing = this.regionUrl(this.regionNames[0] as string);
    if (!tokens.consumer) tokens.consumer = (await issueAt(issuing, tokens.admin, { kind: "consumer" }, "chain feed")).credential;
    await Promise.all([
      ...this.options.stores.flatMap((store) => [
        (async () => {
          tokens.stores[store.storeId] ??= (
            await issueAt(issuing, tokens.admin, { kind: "store", storeId: store.storeId }, "store tooling")
          ).credential;
        })(),
        ...store.registers.map(async (registerId) => {
          tokens.registers[registerId] ??= (
            await issueAt(
              issuing,
              tokens.admin,
              { kind: "register", storeId: store.storeId, registerId },
              `register ${registerId}`,
            )
          ).credential;
        }),
      ]),
      ...(this.options.channels ?? []).map(async (c) => {
        tokens.channels[c.registerId] ??= (
          await issueAt(
            issuing,
            tokens.admin,
            { kind: "channel", storeId: c.storeId, registerId: c.registerId },
            `order channel ${c.channel}`,
          )
        ).credential;
      }),
    ]);
  }

  /** Every region's URL, in the order registers prefer them. */
  get regionUrls(): string[] {
    return this.regionNames.map((name) => this.regionUrl(name));
  }

  regionUrl(name: string): string {
    return `http://127.0.0.1:${this.regionPorts.get(name)}`;
  }

  get processorUrl(): string {
    if (!this.processor) throw new Error("the processor simulator is not started");
    return this.processor.url;
  }

  /** Starts everything; if any part fails to start, stops what did start and rethrows. */
  async start(): Promise<this> {
    try {
      return await this.startAll();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async startAll(): Promise<this> {
    const { options } = this;
    mkdirSync(options.dataDir, { recursive: true });
    await this.prepareCredentials();
    for (const name of this.regionNames) {
      this.regionPorts.set(name, options.regionPorts?.[name] || (await freePort()));
    }
    this.processor = new ServiceProcess({
      name: "processor",
      script: ENTRIES.processor,
      args: ["--port", String(options.processorPort ?? 0), "--auto-approve", "--data", join(options.dataDir, "processor.json")],
      onLine: (line) => options.onLine?.("processor", line),
    });
    await this.processor.start();
    await Promise.all(this.regionNames.map((name) => this.startRegion(name)));
    await this.issueCredentials();
    if (options.viaStoreLinks) {
      for (const store of options.stores) {
        for (const name of this.regionNames) {
          const link = await new LinkProxy(() => this.regionPorts.get(name) as number).start();
          this.links.set(`${store.storeId}/${name}`, link);
        }
      }
    }
    for (const store of options.stores) {
      await Promise.all(store.registers.map((registerId) => this.startAgent(store.storeId, registerId)));
    }
    return this;
  }

  private regionProcess(name: string): ServiceProcess {
    const { options } = this;
    const peers = this.regionNames
      .filter((r) => r !== name)
      .map((r) => ({ name: r, url: this.regionUrl(r), token: this.tokens.regions[name] }));
    const databaseUrl = options.databaseUrls?.[name];
    // The secrets (the issuer key, peers' credentials, the database URL) go in a config file only
    // this user reads, never on the command line, where every user of the machine sees them in ps.
    const configFile = join(options.dataDir, "regions", `${name}.config.json`);
    mkdirSync(join(options.dataDir, "regions"), { recursive: true });
    writeFileSync(
      configFile,
      `${JSON.stringify(
        {
          ...this.tokens.keys,
          peers,
          ...(databaseUrl ? { databaseUrl } : {}),
          ...(this.tokens.storedValue ? { storedValueKeys: this.tokens.storedValue } : {}),
        },
        null,
        2,
      )}\n`,
      { mode: 0o600 },
    );
    const storage = databaseUrl ? [] : ["--data-dir", join(options.dataDir, "regions", name)];
    return new ServiceProcess({
      name: `region-${name}`,
      script: ENTRIES.region,
      args: [
        "--config",
        configFile,
        "--region",
        name,
        "--port",
        String(this.regionPorts.get(name)),
        ...storage,
        "--processor-url",
        this.processorUrl,
        "--log-level",
        options.logLevel ?? "warn",
        ...(options.regionArgs ?? []),
      ],
      // Nothing from this process's environment may override the file's secrets.
      env: {
        DATABASE_URL: "",
        TENDERLINE_BOOTSTRAP_TOKENS: "",
        TENDERLINE_PEERS: "",
        TENDERLINE_REGION_CONFIG: "",
        TENDERLINE_CREDENTIAL_ISSUER_KEY: "",
        TENDERLINE_CREDENTIAL_TRUSTED_KEYS: "",
        TENDERLINE_STORED_VALUE_KEYS: "",
      },
      startTimeoutMs: 60_000,
      onLine: (line) => options.onLine?.(`region-${name}`, line),
    });
  }

  /** Starts (or restarts, on the same port and data) one region. */
  async startRegion(name: string): Promise<ServiceProcess> {
    const existing = this.regions.get(name);
    if (existing?.running) return existing;
    const proc = this.regionProcess(name);
    this.regions.set(name, proc);
    await proc.start();
    return proc;
  }

  /** Where a region keeps its data: its PostgreSQL database, else its PGlite data dir. */
  regionStorage(name: string): RegionStorage {
    const databaseUrl = this.options.databaseUrls?.[name];
    return databaseUrl ? { kind: "pg", databaseUrl } : { kind: "pglite", dataDir: join(this.options.dataDir, "regions", name) };
  }

  private requireStopped(name: string, doing: string): void {
    if (this.regions.get(name)?.running) throw new Error(`stop region ${name} before ${doing} (stopRegion or its kill())`);
  }

  /** Stops one region (SIGTERM, or SIGKILL as a crash), keeping its port and data for startRegion. */
  async stopRegion(name: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await this.regions.get(name)?.stop(signal);
  }

  /**
   * Backs up a stopped region's storage as an operator would (a copy of its PGlite data dir, or
   * `CREATE DATABASE <db>_snapshot TEMPLATE <db>`); a later snapshot replaces it.
   */
  async snapshotRegion(name: string): Promise<void> {
    this.requireStopped(name, "its snapshot");
    await snapshotStorage(this.regionStorage(name));
  }

  /** Puts a stopped region's storage back as it was at snapshotRegion: what it wrote since is gone. */
  async restoreRegion(name: string): Promise<void> {
    this.requireStopped(name, "restoring it");
    await restoreStorage(this.regionStorage(name));
  }

  agentConfigFile(storeId: string, registerId: string): string {
    const dir = join(this.options.dataDir, "agents", registerId);
    mkdirSync(dir, { recursive: true });
    const regions = this.regionNames.map((name) => ({
      name,
      url: this.options.viaStoreLinks ? (this.links.get(`${storeId}/${name}`) as LinkProxy).url : this.regionUrl(name),
    }));
    const config = {
      storeId,
      registerId,
      dataDir: dir,
      port: this.options.agentPorts?.[registerId] ?? 0,
      regions,
      // The register's own credential: it writes this register's events and nothing else.
      storeToken: this.issued?.registers[registerId] ?? "",
      logFile: join(dir, "agent.log"),
      logLevel: this.options.logLevel ?? "info",
      managers: [{ id: DEMO_MANAGER.id, name: DEMO_MANAGER.name, pinHash: DEMO_MANAGER.pinHash }],
      // Not a secret: registers seal gift card and credit numbers with it; only regions open them.
      ...(this.issued?.storedValue ? { storedValueSealKey: this.issued.storedValue.sealPublicKey } : {}),
      ...this.options.agentConfig,
    };
    const file = join(dir, "agent.json");
    writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
    return file;
  }

  /** Starts (or restarts, keeping its outbox) one register's agent. */
  async startAgent(storeId: string, registerId: string): Promise<ServiceProcess> {
    const existing = this.agents.get(registerId);
    if (existing?.running) return existing;
    const proc =
      existing ??
      new ServiceProcess({
        name: `agent-${registerId}`,
        script: ENTRIES.agent,
        args: ["--config", this.agentConfigFile(storeId, registerId)],
        startTimeoutMs: 30_000,
        onLine: (line) => this.options.onLine?.(`agent-${registerId}`, line),
      });
    this.agents.set(registerId, proc);
    await proc.start();
    return proc;
  }

  /** Cuts (or restores) one store's link to every region. */
  setStoreLink(storeId: string, up: boolean): void {
    for (const name of this.regionNames) {
      const link = this.links.get(`${storeId}/${name}`);
      if (!link) throw new Error(`store ${storeId} has no cuttable link: start the chain with viaStoreLinks`);
      if (up) link.restore();
      else link.cutLink();
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
    await Promise.all([...this.regions.values()].map((r) => r.stop()));
    await this.processor?.stop();
    await Promise.all([...this.links.values()].map((l) => l.close()));
  }
}

/**
 * A JSON request to one of our services, with a clear error when it fails. The answer is parsed
 * with `schema` (one of @tenderline/shared's, as a rule), so a drift from the contract fails here.
 */
export async function api<S extends z.ZodType>(
  url: string,
  schema: S,
  init: RequestInit & { token?: string; json?: unknown } = {},
): Promise<z.infer<S>> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const response = await fetch(url, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  return schema.parse(text ? JSON.parse(text) : undefined);
}
