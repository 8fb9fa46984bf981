/**
 * Registers hosted by fleet processes (edge-agent/src/fleet): many agent cores per process, each
 * with its own outbox, sync engine and credential, for drills past what a process per register
 * allows. Each register's API is under its fleet's `/r/<registerId>/`; one request per fleet reads
 * every register's queue.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type FleetMemory, FleetMemorySchema, FleetQueuesSchema, type QueueStatus } from "@tenderline/shared";
import { ServiceProcess } from "./service-process.ts";

const repoRoot = resolve(import.meta.dirname, "../../..");
export const FLEET_ENTRY = join(repoRoot, "edge-agent/src/fleet/fleet-main.ts");

export interface FleetMember {
  registerId: string;
  /** The register's agent config file (as a lone agent would read it). */
  configFile: string;
}

export interface FleetGroupOptions {
  dataDir: string;
  processes: number;
  members: FleetMember[];
  logLevel?: string;
  /** Heap for each fleet process (MiB): hundreds of cores need more than Node's default on small machines. */
  maxOldSpaceMiB?: number;
  onLine?: (service: string, line: string) => void;
  /** The fleet processes' nice value (default FLEET_NICENESS). */
  niceness?: number;
}

/** Below the regions, the database and the drill: the scheduler serves them first. */
export const FLEET_NICENESS = 10;

export class FleetGroup {
  readonly processes: ServiceProcess[] = [];
  private readonly hostOf = new Map<string, number>();

  constructor(private readonly options: FleetGroupOptions) {
    if (options.processes < 1) throw new Error("a fleet needs at least one process");
    for (const [i, m] of options.members.entries()) this.hostOf.set(m.registerId, i % options.processes);
  }

  /** Starts every fleet process (they start their cores in parallel with each other). */
  async start(): Promise<this> {
    const { options } = this;
    for (let p = 0; p < options.processes; p++) {
      const agents = options.members.filter((m) => this.hostOf.get(m.registerId) === p).map((m) => m.configFile);
      const file = join(options.dataDir, `fleet-${p + 1}.json`);
      writeFileSync(
        file,
        `${JSON.stringify({ agents, logFile: join(options.dataDir, `fleet-${p + 1}.log`), logLevel: options.logLevel ?? "warn" }, null, 2)}\n`,
      );
      this.processes.push(
        new ServiceProcess({
          name: `fleet-${p + 1}`,
          script: FLEET_ENTRY,
          nodeArgs: ["--import", "tsx", `--max-old-space-size=${options.maxOldSpaceMiB ?? 1024}`],
          // The fleet stands in for thousands of registers' own machines: on a build machine's two
          // cores it must not take the CPU the regions it drives need, as real registers never do.
          niceness: options.niceness ?? FLEET_NICENESS,
          args: ["--config", file],
          // Hundreds of cores open their outboxes and migrate them before the fleet listens.
          startTimeoutMs: 300_000,
          onLine: (line) => options.onLine?.(`fleet-${p + 1}`, line),
        }),
      );
    }
    await Promise.all(this.processes.map((p) => p.start()));
    return this;
  }

  has(registerId: string): boolean {
    return this.hostOf.has(registerId);
  }

  /** The register's own API base (what a lone agent's URL would be). */
  agentUrl(registerId: string): string {
    const p = this.hostOf.get(registerId);
    if (p === undefined) throw new Error(`register ${registerId} is not in the fleet`);
    return `${(this.processes[p] as ServiceProcess).url}/r/${encodeURIComponent(registerId)}`;
  }

  /** Every register's queue, one request per fleet process; a process that does not answer adds nothing. */
  async queues(): Promise<Map<string, QueueStatus>> {
    const all = new Map<string, QueueStatus>();
    await Promise.all(
      this.processes.map(async (p) => {
        const response = await fetch(`${p.url}/fleet/queues`, { signal: AbortSignal.timeout(30_000) });
        if (!response.ok)
          throw new Error(`${p.url}/fleet/queues answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
        const { registers } = FleetQueuesSchema.parse(await response.json());
        for (const [id, q] of Object.entries(registers)) all.set(id, q);
      }),
    );
    return all;
  }

  /** What each fleet process holds. */
  async memory(): Promise<FleetMemory[]> {
    return Promise.all(
      this.processes.map(async (p) => {
        const response = await fetch(`${p.url}/fleet/memory`, { signal: AbortSignal.timeout(30_000) });
        if (!response.ok) throw new Error(`${p.url}/fleet/memory answered ${response.status}`);
        return FleetMemorySchema.parse(await response.json());
      }),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.stop()));
  }
}
