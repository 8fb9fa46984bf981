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
import { FleetGroup } from "./fleet-group.ts";
import { freePort } from "./free-port.ts";
import { LinkProxy } from "./link-proxy.ts";
import { type BalancerView, LoadBalancer } from "./load-balancer.ts";
import { type RegionStorage, restoreStorage, snapshotStorage } from "./region-snapshot.ts";
import { runLimited } from "./run-limited.ts";
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
  /** With viaStoreLinks, only these stores get cuttable links (the rest reach the regions directly); default every store. */
  linkedStores?: string[];
  /**
   * Registers hosted by fleet processes (fleet-group.ts: many agent cores per process) instead of
   * a process each, but those in `standalone`, which run as agents of their own (one to kill).
   */
  fleet?: { processes: number; standalone?: string[] };
  /** Extra agent config, e.g. sync probe settings for fast failover in tests. */
  agentConfig?: Record<string, unknown>;
  regionArgs?: string[];
  /**
   * Instances per region (default 1: one process, its URL the region's). With more, each region
   * runs that many processes over its one PostgreSQL database (databaseUrls), behind an HAProxy
   * (load-balancer.ts) on the region's port: regionUrl() is the balancer's, for agents and peers.
   */
  instancesPerRegion?: number;
  /** Reuse credentials from an earlier run (the demo keeps them in its data dir). */
  tokens?: ChainTokens;
  logLevel?: string;
  onLine?: (service: string, line: string) => void;
}

/** Options the chain cannot run with; `reason` says which and why. */
export class ChainOptionsError extends Error {
  constructor(readonly reason: string) {
    super(`chain options: ${reason}`);
    this.name = "ChainOptionsError";
  }
}

const InstancesSchema = z.number().int().min(1).max(16);

/** The balancer's name for a region's instance `i` (0-based), as its view reports it. */
export const instanceServerName = (i: number): string => `i${i}`;

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
  /** Each region's process; with instancesPerRegion > 1, its first instance (regionInstances() gives all). */
  readonly regions = new Map<string, ServiceProcess>();
  /** Each region's HAProxy, when it runs as several instances. */
  readonly balancers = new Map<string, LoadBalancer>();
  readonly agents = new Map<string, ServiceProcess>();
  readonly links = new Map<string, LinkProxy>();
  /** The fleet processes, when the chain hosts registers in them (options.fleet). */
  fleet: FleetGroup | undefined;
  processor: ServiceProcess | undefined;
  private issued: ChainTokens | undefined;
  private readonly regionNames: string[];
  /** The port regionUrl() names: the region's process, or its balancer. */
  private readonly regionPorts = new Map<string, number>();
  private readonly instances = new Map<string, ServiceProcess[]>();
  /** Each instance's own port, kept across its restarts: the balancer's config names it. */
  private readonly instancePorts = new Map<string, number[]>();
  readonly instancesPerRegion: number;
  /** Ports handed out and not yet bound: freePort() may give one of them again. */
  private readonly pickedPorts = new Set<number>();

  readonly options: ChainOptions;

  constructor(options: ChainOptions) {
    // Absolute: an agent reads a relative dataDir as relative to its config file, inside dataDir itself.
    this.options = { ...options, dataDir: resolve(options.dataDir) };
    this.regionNames = options.regionNames ?? ["A", "B"];
    const instances = InstancesSchema.safeParse(options.instancesPerRegion ?? 1);
    if (!instances.success) {
      throw new ChainOptionsError(`instancesPerRegion must be a whole number from 1 to 16, not ${options.instancesPerRegion}`);
    }
    this.instancesPerRegion = instances.data;
    if (this.instancesPerRegion > 1) {
      for (const name of this.regionNames) {
        // PGlite is one process's files: instances can only share a database server.
        if (!options.databaseUrls?.[name]) {
          throw new ChainOptionsError(
            `region ${name} has no PostgreSQL database (databaseUrls.${name}): ${this.instancesPerRegion} instances of a region share one PostgreSQL database; PGlite cannot be shared`,
          );
        }
      }
    }
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
    // A few at a time: the region issues each in its own transaction, and 2,000 at once time out.
    await runLimited(
      [
        ...this.options.stores.flatMap((store) => [
          async () => {
            tokens.stores[store.storeId] ??= (
              await issueAt(issuing, tokens.admin, { kind: "store", storeId: store.storeId }, "store tooling")
            ).credential;
          },
          ...store.registers.map((registerId) => async () => {
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
        ...(this.options.channels ?? []).map((c) => async () => {
          tokens.channels[c.registerId] ??= (
            await issueAt(
              issuing,
              tokens.admin,
              { kind: "channel", storeId: c.storeId, registerId: c.registerId },
              `order channel ${c.channel}`,
            )
          ).credential;
        }),
      ],
      16,
    );
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
    this.processor = new ServiceProcess({
      name: "processor",
      script: ENTRIES.processor,
      args: ["--port", String(options.processorPort ?? 0), "--auto-approve", "--data", join(options.dataDir, "processor.json")],
      onLine: (line) => options.onLine?.("processor", line),
    });
    // Before the regions' ports are picked, so the port it binds cannot be one of theirs.
    await this.processor.start();
    for (const fixed of Object.values(options.regionPorts ?? {})) if (fixed) this.pickedPorts.add(fixed);
    for (const name of this.regionNames) {
      this.regionPorts.set(name, options.regionPorts?.[name] || (await this.pickPort()));
      if (this.instancesPerRegion > 1) {
        const ports: number[] = [];
        for (let i = 0; i < this.instancesPerRegion; i++) ports.push(await this.pickPort());
        this.instancePorts.set(name, ports);
        this.instances.set(name, []);
      }
    }
    // Before the instances: they ask their peers (through the peers' balancers) at start-up.
    if (this.instancesPerRegion > 1) await Promise.all(this.regionNames.map((name) => this.startBalancer(name)));
    await Promise.all(this.regionNames.map((name) => this.startRegion(name)));
    await this.issueCredentials();
    if (options.viaStoreLinks) {
      for (const store of options.stores) {
        if (!this.linked(store.storeId)) continue;
        for (const name of this.regionNames) {
          const link = await new LinkProxy(() => this.regionPorts.get(name) as number).start();
          this.links.set(`${store.storeId}/${name}`, link);
        }
      }
    }
    if (options.fleet) {
      const standalone = new Set(options.fleet.standalone ?? []);
      this.fleet = new FleetGroup({
        dataDir: join(options.dataDir, "fleet"),
        processes: options.fleet.processes,
        members: options.stores.flatMap((store) =>
          store.registers
            .filter((registerId) => !standalone.has(registerId))
            .map((registerId) => ({ registerId, configFile: this.agentConfigFile(store.storeId, registerId) })),
        ),
        logLevel: options.logLevel ?? "warn",
        ...(options.onLine ? { onLine: options.onLine } : {}),
      });
      mkdirSync(join(options.dataDir, "fleet"), { recursive: true });
      await this.fleet.start();
    }
    for (const store of options.stores) {
      const own = store.registers.filter((registerId) => !this.fleet?.has(registerId));
      await Promise.all(own.map((registerId) => this.startAgent(store.storeId, registerId)));
    }
    return this;
  }

  /** A free port no other part of this chain was given. */
  private async pickPort(): Promise<number> {
    for (;;) {
      const port = await freePort();
      if (this.pickedPorts.has(port)) continue;
      this.pickedPorts.add(port);
      return port;
    }
  }

  private async startBalancer(name: string): Promise<void> {
    const balancer = new LoadBalancer({
      region: name,
      port: this.regionPorts.get(name) as number,
      statsPort: await this.pickPort(),
      servers: (this.instancePorts.get(name) ?? []).map((port, i) => ({ name: instanceServerName(i), port })),
      dir: join(this.options.dataDir, "balancers", name),
      onLine: (line) => this.options.onLine?.(`balancer-${name}`, line),
    });
    this.balancers.set(name, balancer);
    await balancer.start();
  }

  /** The region's process, or one instance of it (its own port, the region's config and database). */
  private regionProcess(name: string, instance?: number): ServiceProcess {
    const { options } = this;
    const port = instance === undefined ? this.regionPorts.get(name) : this.instancePorts.get(name)?.[instance];
    const service = instance === undefined ? `region-${name}` : `region-${name}[${instance}]`;
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
      name: service,
      script: ENTRIES.region,
      args: [
        "--config",
        configFile,
        "--region",
        name,
        "--port",
        String(port),
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
      onLine: (line) => options.onLine?.(service, line),
    });
  }

  /**
   * Starts (or restarts, on the same port and data) one region: with instances, every one not
   * running (together: they share the database's migration lock), each once its balancer has it
   * in rotation. Gives the region's process (its first instance).
   */
  async startRegion(name: string): Promise<ServiceProcess> {
    if (this.instancesPerRegion > 1) {
      const all = await Promise.all(this.instanceIndexes().map((i) => this.startInstance(name, i)));
      return all[0] as ServiceProcess;
    }
    const existing = this.regions.get(name);
    if (existing?.running) return existing;
    const proc = this.regionProcess(name);
    this.regions.set(name, proc);
    await proc.start();
    return proc;
  }

  private instanceIndexes(): number[] {
    return Array.from({ length: this.instancesPerRegion }, (_, i) => i);
  }

  private requireInstances(name: string): ServiceProcess[] {
    const all = this.instances.get(name);
    if (!all) {
      throw new ChainOptionsError(
        `region ${name} ${this.regionNames.includes(name) ? "runs as one process (instancesPerRegion 1), or the chain is not started" : "is not in this chain"}`,
      );
    }
    return all;
  }

  /** A region's processes (one, or each instance in order); stopped ones included. */
  regionInstances(name: string): ServiceProcess[] {
    if (!this.regionNames.includes(name)) throw new ChainOptionsError(`region ${name} is not in this chain`);
    if (this.instancesPerRegion === 1) {
      const proc = this.regions.get(name);
      return proc ? [proc] : [];
    }
    return [...(this.instances.get(name) ?? [])];
  }

  /** Starts (or restarts, on its port) instance `i` of a region; resolves once its balancer has it UP. */
  async startInstance(name: string, i: number): Promise<ServiceProcess> {
    const all = this.requireInstances(name);
    if (!this.instanceIndexes().includes(i)) throw new ChainOptionsError(`region ${name} has no instance ${i}`);
    const existing = all[i];
    if (existing?.running) return existing;
    const proc = this.regionProcess(name, i);
    all[i] = proc;
    if (i === 0) this.regions.set(name, proc);
    await proc.start();
    await this.balancers.get(name)?.waitFor(instanceServerName(i), "UP");
    return proc;
  }

  /** SIGKILLs instance `i` of a region, as a crash: its balancer takes it out of rotation within about 1 s. */
  async killInstance(name: string, i: number): Promise<void> {
    const proc = this.requireInstances(name)[i];
    if (!proc) throw new ChainOptionsError(`region ${name} has no instance ${i} (or it was never started)`);
    await proc.kill();
  }

  /** HAProxy's view of a region's instances: which are UP or DOWN, the requests each answered. */
  balancerView(name: string): Promise<BalancerView> {
    const balancer = this.balancers.get(name);
    if (!balancer) throw new ChainOptionsError(`region ${name} has no load balancer (instancesPerRegion is 1)`);
    return balancer.view();
  }

  /** Where a region keeps its data: its PostgreSQL database, else its PGlite data dir. */
  regionStorage(name: string): RegionStorage {
    const databaseUrl = this.options.databaseUrls?.[name];
    return databaseUrl ? { kind: "pg", databaseUrl } : { kind: "pglite", dataDir: join(this.options.dataDir, "regions", name) };
  }

  private requireStopped(name: string, doing: string): void {
    if (this.regionInstances(name).some((p) => p.running)) {
      throw new Error(`stop region ${name} before ${doing} (stopRegion or killRegion)`);
    }
  }

  /**
   * Stops one region, every instance at once (SIGTERM, or SIGKILL as a crash), keeping ports and
   * data for startRegion. Its balancer stays up and answers 503 while no instance is.
   */
  async stopRegion(name: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await Promise.all(this.regionInstances(name).map((p) => p.stop(signal)));
  }

  /** The whole region crashes: every instance SIGKILLed at once. */
  killRegion(name: string): Promise<void> {
    return this.stopRegion(name, "SIGKILL");
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
      url: this.linked(storeId) ? (this.links.get(`${storeId}/${name}`) as LinkProxy).url : this.regionUrl(name),
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

  /** Whether a store reaches the regions through cuttable links. */
  private linked(storeId: string): boolean {
    return Boolean(this.options.viaStoreLinks) && (!this.options.linkedStores || this.options.linkedStores.includes(storeId));
  }

  /** A register's API base, in the fleet or its own agent's; undefined while neither runs it. */
  agentUrl(registerId: string): string | undefined {
    if (this.fleet?.has(registerId)) return this.fleet.agentUrl(registerId);
    const proc = this.agents.get(registerId);
    return proc?.running ? proc.url : undefined;
  }

  async stop(): Promise<void> {
    await this.fleet?.stop();
    await Promise.all([...this.agents.values()].map((a) => a.stop()));
    await Promise.all(this.regionNames.map((name) => this.stopRegion(name)));
    await Promise.all([...this.balancers.values()].map((b) => b.stop()));
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
