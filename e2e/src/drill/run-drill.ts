/**
 * The region-outage drill: many registers sell while region A is SIGKILLed and restarted, one
 * store is cut off from every region and restored, and one agent is SIGKILLed and restarted.
 * Then it waits for convergence and checks that nothing was lost or doubled.
 *
 * `--scenario restore` rehearses restoring a region from a backup instead: region A is stopped,
 * its storage snapshotted and A started again; later A is SIGKILLed, its storage restored from
 * that snapshot (everything it wrote since is gone) and started again, with no `log new-epoch`:
 * A must find the rewind itself and heal. A consumer per region follows its region's feed all
 * along by the resume protocol; every repeat it is given must carry mayRepeat.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type OperatorHealth, QueueStatusSchema, RegionClient, ReturnCompletedSchema } from "@tenderline/shared";
import Database from "better-sqlite3";
import { z } from "zod";
import { Chain } from "../chain/chain.ts";
import { OrderChannel, OrderChannelError } from "../chain/order-channel.ts";
import { createTestDatabase } from "../chain/test-postgres.ts";
import { failoverSeconds } from "./failover-time.ts";
import { classifyDeliveries, FeedConsumer } from "./feed-consumer.ts";
import { type ClientOp, checkHistory, countIds, type HistoryVerdict } from "./history-checker.ts";
import { type CheckRow, type FaultMark, renderHtmlReport, type TimelineSample } from "./html-report.ts";
import { checkRefunds, checkTenderRefunds, describeOverRefund } from "./refund-checks.ts";
import { acceptedCount, type FeedEventItem, readDigest, readOverRefunds, readRegister, readWholeFeed } from "./region-reader.ts";
import { checkStoredValue } from "./stored-value-check.ts";
import { notYetSynced, type QueueView, warmupFailure } from "./warmup.ts";
import { DRILL_CATALOGUE, DRILL_GIFT_PREFIX, prng, RegisterClient, SalesBoard } from "./workload.ts";

/** The drill's online shop: its orders are returned in the stores. */
const WEB_CHANNEL = { storeId: "online", registerId: "web-1", channel: "web" };

export const DRILL_SCENARIOS = ["failover", "restore"] as const;
/** failover: region A killed, a store cut off, an agent killed; restore: region A restored from a backup. */
export type DrillScenario = (typeof DRILL_SCENARIOS)[number];

export interface DrillOptions {
  scenario: DrillScenario;
  agents: number;
  registersPerStore: number;
  durationSec: number;
  /** Cashier actions per second per register. */
  rate: number;
  outDir: string;
  dataDir: string;
  seed: number;
  databaseUrls?: Record<string, string | undefined>;
  /** Regions on PostgreSQL: databaseUrls where given, else fresh databases the drill makes and drops. */
  pg: boolean;
  /** Instances per region behind a load balancer (PostgreSQL only); above 1, one of A's is killed first. */
  instancesPerRegion: number;
  /** Registers hosted in this many fleet processes (edge-agent/src/fleet), all but the one the drill kills. */
  fleet?: { processes: number };
  convergeTimeoutSec: number;
  /** How long every register may take to sync its first sale before the clock starts. */
  warmupTimeoutSec: number;
  /** Fail the failover check above this many seconds. */
  maxFailoverSec: number;
  progress?: (line: string) => void;
}

export const DEFAULT_DRILL: DrillOptions = {
  scenario: "failover",
  agents: 20,
  registersPerStore: 4,
  durationSec: 60,
  rate: 2,
  outDir: "drill-report",
  dataDir: ".tenderline/drill",
  seed: 42,
  pg: false,
  instancesPerRegion: 1,
  convergeTimeoutSec: 180,
  warmupTimeoutSec: 120,
  maxFailoverSec: 5,
};

export interface DrillReport {
  options: Omit<DrillOptions, "progress">;
  passed: boolean;
  checks: CheckRow[];
  figures: {
    opsAttempted: number;
    acked: number;
    unknown: number;
    refused: number;
    eventsLost: number;
    duplicatesSeenByConsumer: number;
    failoverP50Sec: number | null;
    failoverP99Sec: number | null;
    failoverMaxSec: number | null;
    failoverPerAgentSec: Record<string, number | null>;
    /** From the kill to each register's first event taken by B, idle time included. */
    firstAckElsewherePerAgentSec: Record<string, number | null>;
    firstAckElsewhereMaxSec: number | null;
    drainAfterRestoreSec: number | null;
    /**
     * The register restarted while region A was down: from recording its first event after the
     * restart to region B taking it (its sync starting up included); null when B took none it recorded
     * in that window. A figure, not yet a check: on a loaded machine it is 10–16 s (the sync
     * worker's start, then region A tried again before B), against under 5 s for a running register.
     */
    restartedRegisterToBSec: number | null;
    throughputEventsPerSec: number;
    convergedAfterSec: number | null;
    /** The restore scenario's own figures. */
    restore?: RestoreFigures;
    /** The fleet processes' RSS when selling stopped. */
    fleetMemory?: { processes: number; registers: number; rssBytes: number; perRegisterBytes: number };
    /** One instance of A killed before the region: what B took meanwhile, HAProxy's view after. */
    instanceLoss?: { takenByB: number; balancerAfterKill: unknown; balancerAtEnd: unknown };
  };
  history: HistoryVerdict;
  faults: FaultMark[];
  samples: TimelineSample[];
}

export interface RestoreFigures {
  /** From region A's start on its restored storage to both regions' digests equal. */
  healingSec: number | null;
  /** From that start until A held every event B held when A was restored. */
  caughtUpWithBSec: number | null;
  /** Region A's log epoch at the end (n 1 is the first: no rewind found). */
  epochOfA: OperatorHealth["log"] | null;
  consumers: Record<
    string,
    { delivered: number; distinctEvents: number; repeats: number; unmarkedRepeats: number; staleAnswers: number }
  >;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function queueOf(url: string): Promise<QueueView | undefined> {
  try {
    const response = await fetch(`${url}/api/v1/queue`, { signal: AbortSignal.timeout(1500) });
    return response.ok ? QueueStatusSchema.parse(await response.json()) : undefined;
  } catch (error) {
    // A killed agent is part of the drill; an answer that breaks the contract is not.
    if (error instanceof Error && !(error instanceof z.ZodError)) return undefined;
    throw error;
  }
}

function maxOf(values: Array<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length > 0 ? Math.max(...known) : null;
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function runDrill(options: DrillOptions): Promise<DrillReport> {
  const say = options.progress ?? (() => {});
  rmSync(options.dataDir, { recursive: true, force: true });
  mkdirSync(options.outDir, { recursive: true });
  const storeCount = Math.ceil(options.agents / options.registersPerStore);
  const stores = Array.from({ length: storeCount }, (_, s) => ({
    storeId: `store-${String(s + 1).padStart(3, "0")}`,
    registers: Array.from(
      { length: Math.min(options.registersPerStore, options.agents - s * options.registersPerStore) },
      (_, r) => `reg-${String(s * options.registersPerStore + r + 1).padStart(3, "0")}`,
    ),
  }));
  const storeOf = new Map(stores.flatMap((s) => s.registers.map((r) => [r, s.storeId] as const)));
  const cutStore = stores[0]?.storeId as string;
  const killedAgent = stores.at(-1)?.registers.at(-1) as string;
  const fleet = options.fleet !== undefined;
  // A fleet's queues are a read of every register's outbox: asked less often than a few agents'.
  const pollMs = fleet ? 3000 : 250;
  const sampleMs = fleet ? 5000 : 1000;

  // --pg without databases named: fresh ones for this run, dropped at the end.
  const madeDatabases: Array<{ url: string; drop(): Promise<void> }> = [];
  let databaseUrls = options.databaseUrls;
  if (options.pg && !(databaseUrls?.A && databaseUrls?.B)) {
    madeDatabases.push(await createTestDatabase("drill_a"), await createTestDatabase("drill_b"));
    databaseUrls = { A: madeDatabases[0]?.url, B: madeDatabases[1]?.url };
  }
  const chain = new Chain({
    dataDir: options.dataDir,
    stores,
    channels: [WEB_CHANNEL],
    viaStoreLinks: true,
    // A fleet's stores reach the regions directly; only the store the drill cuts off goes through links.
    ...(fleet ? { linkedStores: [cutStore] } : {}),
    ...(options.fleet ? { fleet: { processes: options.fleet.processes, standalone: [killedAgent] } } : {}),
    instancesPerRegion: options.instancesPerRegion,
    databaseUrls,
    logLevel: "warn",
    agentConfig: {
      giftCardPrefixes: [DRILL_GIFT_PREFIX],
      // A killed region fails fast (connection refused or reset), so failover needs no short
      // timeout; generous timeouts keep a region that is merely busy (many registers on two
      // cores) from being abandoned mid-batch and retried into collapse.
      sync: {
        // Thousands of registers probing a dead region every second would be most of the work
        // on two cores: a fleet probes one every 5 s (a refused batch fails a register over by
        // itself). Healthy regions are probed, and idle status read, as often as an agent's
        // defaults say (every 30 s; from every 5 s backing off to every 60 s).
        probeIntervalMs: fleet ? 5000 : 1000,
        probeMaxIntervalMs: fleet ? 30_000 : 8000,
        healthyProbeIntervalMs: fleet ? 30_000 : 5000,
        probeTimeoutMs: 2000,
        requestTimeoutMs: 10_000,
        breakerFailures: 2,
        breakerCooldownMs: 2000,
        failbackAfterMs: 5000,
        retryBaseMs: 100,
        retryCapMs: 2000,
        idlePollMs: fleet ? 5000 : 1000,
        idlePollMaxMs: fleet ? 60_000 : 5000,
      },
    },
  });
  const faults: FaultMark[] = [];
  const samples: TimelineSample[] = [];
  // The clock starts when selling starts, after the chain is up: faults are placed on it.
  let t0 = Date.now();
  const now = () => (Date.now() - t0) / 1000;
  const mark = (label: string) => {
    faults.push({ t: Math.round(now() * 10) / 10, label });
    say(`\n[${now().toFixed(1)}s] ${label}`);
  };

  say(
    `starting ${options.agents} agents in ${storeCount} stores${options.fleet ? ` (${options.fleet.processes} fleet processes)` : ""}, two regions${options.instancesPerRegion > 1 ? ` of ${options.instancesPerRegion} instances behind HAProxy` : ""}, the processor simulator…`,
  );
  try {
    await chain.start();
    return await driveAndCheck();
  } finally {
    await chain.stop();
    await Promise.all(madeDatabases.map((d) => d.drop()));
  }

  /** A region's ingest counter: with instances, the sum of theirs (through the balancer it would be whichever answered). */
  async function regionAccepted(name: string): Promise<number | undefined> {
    if (options.instancesPerRegion <= 1) return acceptedCount(chain.regionUrl(name), chain.tokens.admin);
    const counts = await Promise.all(
      chain
        .regionInstances(name)
        .filter((p) => p.running)
        .map((p) => acceptedCount(p.url, chain.tokens.admin)),
    );
    const known = counts.filter((c): c is number => c !== undefined);
    return known.length === 0 ? undefined : known.reduce((sum, c) => sum + c, 0);
  }

  /** Every register's queue: a fleet's in one request per fleet process, a lone agent's from it. */
  async function allQueues(): Promise<Map<string, QueueView | undefined>> {
    const fromFleet = chain.fleet
      ? await chain.fleet.queues().catch(() => new Map<string, QueueView>())
      : new Map<string, QueueView>();
    const lone = await Promise.all(
      [...chain.agents].map(async ([registerId, a]) => [registerId, a.running ? await queueOf(a.url) : undefined] as const),
    );
    return new Map<string, QueueView | undefined>([...storeOf.keys()].map((r) => [r, fromFleet.get(r)] as const).concat(lone));
  }

  async function driveAndCheck(): Promise<DrillReport> {
    const random = prng(options.seed);
    const board = new SalesBoard();
    const clients = new Map(
      [...storeOf.keys()].map((registerId) => [
        registerId,
        new RegisterClient({
          registerId,
          storeId: storeOf.get(registerId) as string,
          board,
          baseUrl: () => chain.agentUrl(registerId) ?? "http://127.0.0.1:1",
          linkDown: () => chain.links.get(`${storeOf.get(registerId)}/A`)?.isCut ?? false,
          random: prng(Math.floor(random() * 2 ** 31)),
        }),
      ]),
    );

    // Warm-up: every register's first sale must reach a region before the clock starts, so the
    // failover figure measures failing over, not a register still starting its sync worker.
    say("\nwarming up: one sale per register, waiting for every register to sync…");
    await Promise.all([...clients.values()].map((c) => c.step()));
    const warmUntil = Date.now() + options.warmupTimeoutSec * 1000;
    for (;;) {
      const queues = [...(await allQueues())];
      const waiting = notYetSynced(queues);
      if (waiting.length === 0) break;
      // A register whose first action recorded nothing (its answer timed out on a busy machine,
      // or it was a lookup): it acts again, or it would never have a sale to sync.
      const nothingYet = queues.filter(([, q]) => q?.lastSeq === 0).map(([registerId]) => clients.get(registerId));
      await Promise.all(nothingYet.map((c) => c?.step()));
      if (Date.now() > warmUntil) throw new Error(warmupFailure(waiting, queues.length, options.warmupTimeoutSec));
      await sleep(pollMs);
    }
    t0 = Date.now();

    // Cashiers: each register acts at its rate until the selling window closes.
    const sellingUntil = Date.now() + options.durationSec * 1000;
    const offsets = prng(options.seed + 1);
    const cashiers = [...clients.values()].map(async (client) => {
      const gap = 1000 / options.rate;
      // Registers start at random points of their first gap: at a fleet's pace, all at once would be a burst each gap.
      await sleep(offsets() * gap);
      while (Date.now() < sellingUntil) {
        const started = Date.now();
        await client.step();
        await sleep(Math.max(0, gap - (Date.now() - started)));
      }
    });

    // Sampler: acks per second per region, backlog per agent.
    const lastAccepted = new Map<string, number>();
    let sampling = true;
    const lastQueues = new Map<string, QueueView>();
    const sampler = (async () => {
      let sampledAt = Date.now();
      while (sampling) {
        const sample: TimelineSample = { t: Math.round(now()), acks: {}, backlog: {} };
        const sinceSec = Math.max(1, (Date.now() - sampledAt) / 1000);
        sampledAt = Date.now();
        for (const name of ["A", "B"]) {
          const count = await regionAccepted(name);
          const before = lastAccepted.get(name) ?? 0;
          // A restarted region's counter starts again from zero; per second whatever the sampling interval.
          sample.acks[name] = Math.round((count === undefined ? 0 : count >= before ? count - before : count) / sinceSec);
          if (count !== undefined) lastAccepted.set(name, count);
        }
        for (const [registerId, q] of await allQueues()) {
          if (q) lastQueues.set(registerId, q);
          const pending = q?.counts.pending ?? lastQueues.get(registerId)?.counts.pending ?? 0;
          // A fleet's thousands of registers are one line of the timeline; a lone agent has its own.
          const line = fleet && registerId !== killedAgent ? "fleet" : registerId;
          sample.backlog[line] = (sample.backlog[line] ?? 0) + pending;
        }
        samples.push(sample);
        const pending = Object.values(sample.backlog).reduce((s, n) => s + n, 0);
        const acked = [...clients.values()].reduce((s, c) => s + c.ops.filter((o) => o.outcome.kind === "acked").length, 0);
        say(
          `\r[${now().toFixed(0).padStart(4)}s] answered 201: ${acked}  pending: ${pending}  acks/s A=${sample.acks.A} B=${sample.acks.B}   `,
        );
        await sleep(sampleMs);
      }
    })();

    // Faults, at fixed shares of the selling window.
    const at = (share: number) => sleep(Math.max(0, t0 + share * options.durationSec * 1000 - Date.now()));
    const failover: Record<string, number | null> = {};
    const firstAckElsewhere: Record<string, number | null> = {};
    let killTime = 0;
    let instanceKilledAt = 0;
    let cutAt = 0;
    let regionBackAt = 0;
    let balancerAfterInstanceKill: unknown;

    let restoredAt = 0;
    let agentRestartedAt = 0;
    /** When region A answered again after its restart (its start-up takes a while after regionBackAt). */
    let regionUpAt = 0;
    let drainAfterRestoreSec = null as number | null;
    const failoverPlan = async () => {
      if (options.instancesPerRegion > 1) {
        // One instance dies first: its balancer moves traffic to the others, no register should
        // need region B for it. Then the rest of the region.
        await at(0.12);
        instanceKilledAt = Date.now();
        await chain.killInstance("A", 0);
        mark("region A's instance 0 killed (SIGKILL)");
        await sleep(3000);
        balancerAfterInstanceKill = await chain.balancerView("A").catch((e: Error) => ({ unreadable: e.message }));
        await at(0.25);
      } else {
        await at(0.2);
      }
      killTime = Date.now();
      await chain.killRegion("A");
      mark(options.instancesPerRegion > 1 ? "region A killed (every instance, SIGKILL)" : "region A killed (SIGKILL)");
      await at(0.35);
      chain.setStoreLink(cutStore, false);
      cutAt = Date.now();
      mark(`store ${cutStore} cut off`);
      await at(0.45);
      await chain.agents.get(killedAgent)?.kill();
      mark(`agent ${killedAgent} killed (SIGKILL)`);
      await sleep(1500);
      await chain.startAgent(storeOf.get(killedAgent) as string, killedAgent);
      agentRestartedAt = Date.now();
      mark(`agent ${killedAgent} restarted`);
      await at(0.6);
      regionBackAt = Date.now();
      await chain.startRegion("A");
      regionUpAt = Date.now();
      mark("region A restarted");
      await at(0.7);
      chain.setStoreLink(cutStore, true);
      restoredAt = Date.now();
      mark(`store ${cutStore} restored`);
      // Drained: every event the cut registers recorded before the link came back is held by a region.
      const cutRegisters = stores[0]?.registers ?? [];
      const backlogEnds = await Promise.all(
        cutRegisters.map(async (r) => (await queueOf(chain.agentUrl(r) ?? "http://127.0.0.1:1"))?.lastSeq ?? 0),
      );
      while (Date.now() - restoredAt < options.convergeTimeoutSec * 1000) {
        const held = await Promise.all(
          cutRegisters.map(async (r) => {
            const views = await Promise.all(
              ["A", "B"].map((name) =>
                // Region A may still be starting: what it cannot tell us yet counts as nothing held there.
                readRegister(chain.regionUrl(name), chain.tokens.admin, cutStore, r).catch(() => ({ contiguousSeq: 0 })),
              ),
            );
            return Math.max(...views.map((v) => v.contiguousSeq));
          }),
        );
        if (held.every((seq, i) => seq >= (backlogEnds[i] ?? 0))) {
          drainAfterRestoreSec = (Date.now() - restoredAt) / 1000;
          break;
        }
        await sleep(200);
      }
    };

    // The restore scenario: a consumer per region reads its feed all along, by the resume protocol.
    const restoring = options.scenario === "restore";
    const consumers = restoring
      ? ["A", "B"].map((r) => new FeedConsumer(r, chain.regionUrl(r), chain.tokens.consumer).start())
      : [];
    let restartedOnRestoreAt = 0;
    let healedAt = 0;
    let caughtUpAt = 0;
    let healingDone = false;
    let healing: Promise<void> = Promise.resolve();
    const eventIdsOf = (items: FeedEventItem[]) =>
      items.filter((i) => i.kind === "event" && i.event).map((i) => i.event?.eventId as string);
    const restorePlan = async () => {
      await at(0.15);
      killTime = Date.now();
      await chain.stopRegion("A");
      mark("region A stopped (SIGTERM) for its backup");
      await chain.snapshotRegion("A");
      await chain.startRegion("A");
      mark("region A snapshotted and restarted");
      // The restore must take something away: A takes writes of its own after the snapshot
      // (registers fail back to it after failbackAfterMs) before it is killed. Its ingest counter
      // starts again from zero with the process.
      const takingUntil = Date.now() + options.durationSec * 250;
      let takenSinceSnapshot = 0;
      while (takenSinceSnapshot < 20 && Date.now() < takingUntil) {
        takenSinceSnapshot = (await acceptedCount(chain.regionUrl("A"), chain.tokens.admin)) ?? 0;
        await sleep(250);
      }
      await at(0.55);
      takenSinceSnapshot = (await acceptedCount(chain.regionUrl("A"), chain.tokens.admin)) ?? takenSinceSnapshot;
      await chain.stopRegion("A", "SIGKILL");
      mark(`region A killed (SIGKILL), ${takenSinceSnapshot} events taken since its snapshot`);
      await chain.restoreRegion("A");
      // What B holds now must all come back to A: its own records it lost, pulled back from B.
      const heldByB = new Set(eventIdsOf(await readWholeFeed(chain.regionUrl("B"), chain.tokens.consumer)));
      await chain.startRegion("A");
      restartedOnRestoreAt = Date.now();
      mark("region A restarted on its restored storage (no log new-epoch)");
      healing = (async () => {
        while (!healingDone && !healedAt) {
          // Each moment is when it was asked: a whole feed takes a while to read.
          const asked = Date.now();
          const [a, b] = await Promise.all(
            ["A", "B"].map((r) => readDigest(chain.regionUrl(r), chain.tokens.consumer).catch(() => "")),
          );
          if (a && a === b) healedAt = asked;
          if (!caughtUpAt) {
            const askedA = Date.now();
            const heldByA = new Set(eventIdsOf(await readWholeFeed(chain.regionUrl("A"), chain.tokens.consumer).catch(() => [])));
            if ([...heldByB].every((id) => heldByA.has(id))) caughtUpAt = askedA;
          }
          await sleep(1000);
        }
      })();
    };
    const faultPlan = restoring ? restorePlan() : failoverPlan();

    // The online shop takes orders all through the drill, failing over between regions itself.
    const shop = new OrderChannel(WEB_CHANNEL, chain.regionUrls, chain.tokens.channels[WEB_CHANNEL.registerId] ?? "");
    const shopOps: ClientOp[] = [];
    /** When each order was answered 201, on the drill's clock: a lost one is told by it. */
    const orderAckedAt = new Map<string, number>();
    const orderRandom = prng(Math.floor(random() * 2 ** 31));
    const ordering = (async () => {
      let n = 0;
      while (Date.now() < sellingUntil) {
        const item = DRILL_CATALOGUE[Math.floor(orderRandom() * DRILL_CATALOGUE.length)] as (typeof DRILL_CATALOGUE)[number];
        const quantity = 1 + Math.floor(orderRandom() * 3);
        const orderId = `W${String(++n).padStart(6, "0")}`;
        try {
          const order = await shop.place(
            orderId,
            [
              {
                sku: item.sku,
                description: item.description,
                quantity,
                unitPrice: item.price,
                tax: Math.round((item.price * quantity * item.taxBp) / 10_000),
              },
            ],
            499,
          );
          shopOps.push({ opId: orderId, agent: WEB_CHANNEL.registerId, outcome: { kind: "acked", eventId: order.eventId } });
          orderAckedAt.set(order.eventId, now());
          board.publish({
            transactionId: order.transactionId,
            registerId: WEB_CHANNEL.registerId,
            storeId: WEB_CHANNEL.storeId,
            lines: order.lines.filter((l) => l.sku !== "SHIPPING"),
            returned: new Map(),
          });
        } catch (error) {
          // No region took it (both down or slow): the order system would retry it later; the
          // drill counts it as unanswered (it may still be stored, which is no loss).
          if (!(error instanceof OrderChannelError)) throw error;
          shopOps.push({ opId: orderId, agent: WEB_CHANNEL.registerId, outcome: { kind: "unknown" } });
        }
        await sleep(500);
      }
    })();

    await Promise.all([...cashiers, faultPlan, ordering]);
    const sellingEnded = now();
    const fleetMemoryAtEnd = chain.fleet ? await chain.fleet.memory().catch(() => undefined) : undefined;
    mark("selling stopped; resolving unanswered requests and waiting for convergence");
    for (const client of clients.values()) await client.resolveUnknowns();
    // The online shop, like a register, sends again what the regions do not all hold yet.
    const shopUnreplicated = await shop.settle(options.convergeTimeoutSec * 1000);
    if (shopUnreplicated > 0) mark(`the online shop still holds ${shopUnreplicated} orders no region confirmed everywhere`);

    // Convergence: every outbox drained and replicated, and the regions' digests equal.
    const convergeStart = Date.now();
    let convergedAfterSec: number | null = null;
    while (Date.now() - convergeStart < options.convergeTimeoutSec * 1000) {
      const queues = [...(await allQueues()).values()];
      const drained = queues.every((q) => q && q.counts.pending === 0 && q.counts.unreplicated === 0);
      if (drained) {
        const [a, b] = await Promise.all(
          // An unreadable digest (a region still catching up) means "not converged yet": poll again.
          ["A", "B"].map((r) => readDigest(chain.regionUrl(r), chain.tokens.consumer).catch(() => "")),
        );
        if (a && a === b) {
          convergedAfterSec = (Date.now() - convergeStart) / 1000;
          if (restartedOnRestoreAt && !healedAt) healedAt = Date.now();
          break;
        }
      }
      await sleep(pollMs * 2);
    }
    sampling = false;
    await sampler;
    healingDone = true;
    await healing;
    say(`\nconverged: ${convergedAfterSec === null ? "NO" : `after ${convergedAfterSec.toFixed(1)} s`}; checking…`);

    // Offline tenders are reconciled by the regions in the background: give them time to finish.
    let feeds: Record<string, FeedEventItem[]> = {};
    const reconcileStart = Date.now();
    for (;;) {
      feeds = Object.fromEntries(
        await Promise.all(
          ["A", "B"].map(async (r) => [r, await readWholeFeed(chain.regionUrl(r), chain.tokens.consumer)] as const),
        ),
      );
      const pending = Object.values(feeds).some((items) =>
        items.some((i) => i.kind === "event" && i.reconciliation?.state === "pending"),
      );
      if (!pending || Date.now() - reconcileStart > 60_000) break;
      await sleep(1000);
    }
    // The consumers read on to the end of what their region holds now.
    await Promise.all(consumers.map((c) => c.drainAndStop()));
    const seenByConsumer = new Map(consumers.map((c) => [c.region, classifyDeliveries(c.delivered)] as const));
    // Failover per register, from region B's own ingest times (independent of how quickly anyone
    // could ask the agent): `firstAckElsewhere` is the kill to the first of its events B took;
    // `failover` discounts the time the register had nothing to send (no sale yet after the kill),
    // so it measures the engine, not the cashier's pace: first ack minus max(kill, recorded), less
    // the time the register's store was cut off (failover-time.ts).
    // Each register's first event B took itself after the kill (one pass over B's feed).
    const firstInB = new Map<string, { ackedAt: number; recordedAt: number }>();
    /** The restarted agent's first event recorded after its restart that B took while A was still down. */
    let restartedFirstInB: { ackedAt: number; recordedAt: number } | undefined;
    const inRestartWindow = (e: { registerId: string; occurredAt?: string | undefined }) => {
      const recordedAt = Date.parse(e.occurredAt ?? "");
      return (
        e.registerId === killedAgent &&
        agentRestartedAt > 0 &&
        recordedAt >= agentRestartedAt &&
        (!regionUpAt || recordedAt < regionUpAt)
      );
    };
    /** Events B took itself while only one instance of A was down: each one failed over that should not have. */
    let takenByBWhileOneInstanceDown = 0;
    const failedOverEarly = new Set<string>();
    for (const i of feeds.B ?? []) {
      if (i.kind !== "event" || i.originRegion !== "B" || !i.event) continue;
      const ackedAt = Date.parse(i.ingestedAt);
      if (instanceKilledAt && ackedAt >= instanceKilledAt && ackedAt < killTime) {
        takenByBWhileOneInstanceDown++;
        failedOverEarly.add(`${i.event.registerId} seq ${i.event.seq}`);
      }
      if (ackedAt < killTime) continue;
      const recordedAt = Date.parse(i.event.occurredAt ?? "");
      if (inRestartWindow(i.event) && (!restartedFirstInB || recordedAt < restartedFirstInB.recordedAt))
        restartedFirstInB = { ackedAt, recordedAt };
      const seen = firstInB.get(i.event.registerId);
      if (!seen || ackedAt < seen.ackedAt)
        firstInB.set(i.event.registerId, { ackedAt, recordedAt: Date.parse(i.event.occurredAt ?? "") });
    }
    /** When the register's store was cut off from every region, if it was the cut store. */
    const storeCutOf = (registerId: string) =>
      storeOf.get(registerId) === cutStore && cutAt ? { from: cutAt, to: restoredAt || Date.now() } : undefined;
    for (const registerId of storeOf.keys()) {
      const first = firstInB.get(registerId);
      firstAckElsewhere[registerId] = first ? (first.ackedAt - killTime) / 1000 : null;
      failover[registerId] = first ? failoverSeconds(first, { killedAt: killTime, storeCut: storeCutOf(registerId) }) : null;
    }
    const checks: CheckRow[] = [];

    // What the registers recorded, read from their outboxes once they are stopped.
    const lastSeqs = new Map<string, number>();
    for (const [registerId, q] of await allQueues()) lastSeqs.set(registerId, q?.lastSeq ?? -1);
    // A few dozen at a time: thousands of registers asked at once would only queue at the regions.
    const registerStatus: Array<{ registerId: string; regions: Array<Awaited<ReturnType<typeof readRegister>>> }> = [];
    const toAsk = [...storeOf.entries()];
    await Promise.all(
      Array.from({ length: Math.min(32, toAsk.length) }, async () => {
        for (let next = toAsk.shift(); next; next = toAsk.shift()) {
          const [registerId, storeId] = next;
          registerStatus.push({
            registerId,
            regions: await Promise.all(
              ["A", "B"].map((r) => readRegister(chain.regionUrl(r), chain.tokens.admin, storeId, registerId)),
            ),
          });
        }
      }),
    );
    const digests = await Promise.all(
      ["A", "B"].map((r) =>
        readDigest(chain.regionUrl(r), chain.tokens.consumer).catch((e: Error) => `unreadable: ${e.message}`),
      ),
    );
    const recorded = new Set<string>();
    for (const registerId of storeOf.keys()) {
      const db = new Database(join(options.dataDir, "agents", registerId, "outbox.db"), { readonly: true });
      for (const row of db.prepare("SELECT event_id FROM outbox").all() as Array<{ event_id: string }>)
        recorded.add(row.event_id);
      db.close();
    }

    for (const eventId of shop.attempted) recorded.add(eventId);
    const ops = [...[...clients.values()].flatMap((c) => c.ops), ...shopOps];
    /** Who was told 201 for a lost event, and for an online order, which region said it and when. */
    const describeLost = (eventId: string) => {
      const op = ops.find((o) => o.outcome.kind !== "refused" && o.outcome.eventId === eventId);
      const order = shop.placed.find((o) => o.eventId === eventId);
      const acked = orderAckedAt.get(eventId);
      return order
        ? `${eventId} (order ${order.orderId}, ${WEB_CHANNEL.registerId} seq ${order.seq}, answered 201 by region ${order.region} at ${acked?.toFixed(1)} s)`
        : `${eventId} (${op?.agent ?? "?"} ${op?.opId ?? ""})`;
    };
    const history = checkHistory(
      ops,
      recorded,
      Object.entries(feeds).map(([region, items]) => {
        const ids = items.filter((i) => i.kind === "event" && i.event).map((i) => i.event?.eventId as string);
        // The restore scenario: the feed is what its consumer collected all along, de-duplicated by event id.
        const consumed = seenByConsumer.get(region)?.eventIds;
        return { region, stored: countIds(ids), feed: consumed ?? countIds(ids) };
      }),
    );
    for (const v of history.regions) {
      checks.push({
        name: `region ${v.region}: nothing lost`,
        passed: v.lost.length === 0,
        detail: `${v.lost.length} lost of ${history.acked} answered 201${v.lost.length > 0 ? `: ${v.lost.slice(0, 3).map(describeLost).join("; ")}` : ""}`,
      });
      checks.push({
        name: `region ${v.region}: nothing duplicated`,
        passed: v.duplicated.length === 0,
        detail: `${v.duplicated.length} duplicated`,
      });
      checks.push({
        name: `region ${v.region}: nothing unexpected`,
        passed: v.unexpected.length === 0,
        detail: `${v.unexpected.length} stored but recorded by no register; ${v.recovered.length} recovered`,
      });
    }
    checks.push({
      name: "digests equal",
      passed: digests[0] === digests[1] && !digests.some((d) => d.startsWith("unreadable")),
      detail: digests.find((d) => d.startsWith("unreadable")) ?? (digests[0] === digests[1] ? "A = B" : "A ≠ B"),
    });
    const incomplete = registerStatus.filter((s) =>
      s.regions.some((r) => r.contiguousSeq !== lastSeqs.get(s.registerId) || r.gaps.length > 0),
    );
    checks.push({
      name: "every register's seq complete in both regions",
      passed: incomplete.length === 0,
      detail:
        incomplete.length === 0
          ? `${registerStatus.length} registers complete`
          : `incomplete: ${incomplete.map((s) => s.registerId).join(", ")}`,
    });
    const offline =
      Object.values(feeds)[0]?.filter(
        (i) => i.kind === "event" && i.reconciliation && i.reconciliation.state !== "not_required",
      ) ?? [];
    const unreconciled = offline.filter((i) => i.reconciliation?.state !== "complete");
    checks.push({
      name: "offline tenders reconciled or raised as exceptions",
      passed: unreconciled.length === 0,
      detail: `${offline.length - unreconciled.length} of ${offline.length} complete`,
    });
    const refundMismatches = checkRefunds(Object.values(feeds)[0] ?? []);
    checks.push({
      name: "refunds match the allocator",
      passed: refundMismatches.length === 0,
      detail: refundMismatches.length === 0 ? "every return re-allocated identically" : refundMismatches.slice(0, 3).join("; "),
    });
    // While a region answers, reservations make a double refund impossible; a register that
    // reaches no region (its store cut off, the regions too slow) refunds its own sale on its
    // ledger's word, and a tender another register refunded meanwhile can go over: the cloud must
    // then have raised over_refund for it, naming the returns. Anything over and not raised fails.
    for (const [region, items] of Object.entries(feeds)) {
      const { tenders, overRefunded } = checkTenderRefunds(items);
      const raised = await readOverRefunds(chain.regionUrl(region), chain.tokens.admin);
      const unraised = overRefunded.filter((t) => !raised.get(t.originalTransactionId)?.has(t.tenderId));
      checks.push({
        name: `region ${region}: no tender refunded more than it paid, but across a partition and raised as over_refund`,
        passed: unraised.length === 0,
        detail:
          unraised.length > 0
            ? `not raised: ${unraised.slice(0, 3).map(describeOverRefund).join("; ")}`
            : `${tenders} refunded tenders (every register, store and the online channel); ${overRefunded.length} over across a partition, each raised as over_refund`,
      });
    }
    const storedValue = await checkStoredValue(chain);
    checks.push({
      name: "stored value: both regions hold the same balances, each the sum of its entries",
      passed: storedValue.problems.length === 0 && storedValue.accounts > 0,
      detail:
        storedValue.problems.length > 0
          ? storedValue.problems.slice(0, 3).join("; ")
          : `${storedValue.accounts} gift card and store credit accounts (${board.giftCards.length} cards sold, ${board.storeCredits.length} store credits issued, ${board.storeCreditSpent} sales paid with store credit), A = B`,
    });
    const acceptedOrders = shopOps.filter((o) => o.outcome.kind === "acked").length;
    const crossReturns = (Object.values(feeds)[0] ?? []).filter(
      (i) => i.event?.type === "return.completed" && ReturnCompletedSchema.parse(i.event.payload).verifiedBy === "cloud",
    ).length;
    checks.push({
      name: "online orders taken and returned in stores",
      passed: acceptedOrders > 0,
      detail: `${acceptedOrders} orders acknowledged; ${crossReturns} returns verified by the cloud (other register, store or online)`,
    });
    const failoverValues = Object.values(failover).filter((v): v is number => v !== null);
    const failoverMax = failoverValues.length > 0 ? Math.max(...failoverValues) : null;
    // Who had to fail over: a register that recorded something while A was down and it could reach
    // B (the cut store only before its cut). At a fleet's pace some record nothing in that time.
    const hadToFailOver = new Set<string>();
    for (const i of feeds.A ?? []) {
      if (i.kind !== "event" || !i.event) continue;
      const at = Date.parse(i.event.occurredAt ?? "");
      const until = storeCutOf(i.event.registerId)?.from ?? (regionBackAt || Date.now());
      if (at >= killTime && at < until) hadToFailOver.add(i.event.registerId);
    }
    const missingFailover = Object.entries(failover)
      .filter(([registerId, v]) => v === null && hadToFailOver.has(registerId))
      .map(([k]) => k);
    const failoverP99 = percentile(failoverValues, 99);
    if (!restoring && !fleet) {
      checks.push({
        name: `failover under ${options.maxFailoverSec} s for every agent`,
        passed: failoverMax !== null && failoverMax < options.maxFailoverSec && missingFailover.length === 0,
        detail:
          missingFailover.length > 0
            ? `no ack after the kill: ${missingFailover.join(", ")}`
            : `max ${failoverMax?.toFixed(2)} s`,
      });
    }
    if (!restoring && fleet) {
      // Thousands of registers on two cores: the bar is the 99th percentile, and every register must fail over.
      checks.push({
        name: `failover p99 under ${options.maxFailoverSec} s, every register failed over`,
        passed: failoverP99 !== null && failoverP99 < options.maxFailoverSec && missingFailover.length === 0,
        detail: `p50 ${percentile(failoverValues, 50)?.toFixed(2)} s, p99 ${failoverP99?.toFixed(2)} s, max ${failoverMax?.toFixed(2)} s${missingFailover.length > 0 ? `; no ack after the kill: ${missingFailover.slice(0, 10).join(", ")}${missingFailover.length > 10 ? ` and ${missingFailover.length - 10} more` : ""}` : ""}`,
      });
    }
    if (!restoring && instanceKilledAt) {
      checks.push({
        name: "losing one instance of region A failed no event over to region B",
        passed: takenByBWhileOneInstanceDown === 0,
        detail: `${takenByBWhileOneInstanceDown} events taken by B between the instance's kill and the region's${failedOverEarly.size > 0 ? ` (${[...failedOverEarly].slice(0, 5).join(", ")})` : ""}; the balancer 3 s after: ${describeBalancer(balancerAfterInstanceKill)}`,
      });
    }
    let fleetMemory: DrillReport["figures"]["fleetMemory"];
    if (chain.fleet && fleetMemoryAtEnd) {
      const rss = fleetMemoryAtEnd.reduce((sum, m) => sum + m.rssBytes, 0);
      const registers = fleetMemoryAtEnd.reduce((sum, m) => sum + m.registers, 0);
      fleetMemory = {
        processes: fleetMemoryAtEnd.length,
        registers,
        rssBytes: rss,
        perRegisterBytes: Math.round(rss / Math.max(1, registers)),
      };
      // What each register adds above its process's own start (Node, modules, server): the
      // budget is per register; a small fleet's processes weigh more per register than 2,000 do.
      const baselines = fleetMemoryAtEnd.reduce((sum, m) => sum + m.baselineRssBytes, 0);
      const perRegisterAbove = (rss - baselines) / Math.max(1, registers);
      checks.push({
        name: `fleet memory under ${(FLEET_BUDGET_PER_REGISTER_BYTES / 2 ** 20).toFixed(0)} MiB per register (8 GiB for 2,000)`,
        passed:
          perRegisterAbove <= FLEET_BUDGET_PER_REGISTER_BYTES &&
          (registers < 2000 || rss <= FLEET_BUDGET_PER_REGISTER_BYTES * registers),
        detail: `${(rss / 2 ** 30).toFixed(2)} GiB RSS over ${fleetMemoryAtEnd.length} processes for ${registers} registers: ${(perRegisterAbove / 2 ** 20).toFixed(2)} MiB per register above the processes' ${(baselines / 2 ** 20).toFixed(0)} MiB of baseline, ${(fleetMemory.perRegisterBytes / 2 ** 20).toFixed(2)} MiB with it`,
      });
    }
    let restore: RestoreFigures | undefined;
    if (restoring) {
      const health = await new RegionClient(chain.regionUrl("A"), chain.tokens.admin, { timeoutMs: 10_000 })
        .operatorHealth()
        .catch(() => undefined);
      const epochOfA = health?.log ?? null;
      checks.push({
        name: "region A found the rewind itself and started a new log epoch",
        passed: epochOfA !== null && epochOfA.n > 1,
        detail:
          epochOfA === null
            ? "GET /v1/health says nothing of the log"
            : `epoch ${epochOfA.n} (${epochOfA.epoch}) after position ${epochOfA.startsAfter}: ${epochOfA.reason}`,
      });
      const consumerFigures: RestoreFigures["consumers"] = {};
      for (const consumer of consumers) {
        const seen = seenByConsumer.get(consumer.region) as ReturnType<typeof classifyDeliveries>;
        const unmarked = seen.repeats.filter((r) => !r.marked);
        const held = new Set(eventIdsOf(feeds[consumer.region] ?? []));
        const forgotten = [...seen.eventIds.keys()].filter((id) => !held.has(id));
        consumerFigures[consumer.region] = {
          delivered: consumer.delivered.length,
          distinctEvents: seen.eventIds.size,
          repeats: seen.repeats.length,
          unmarkedRepeats: unmarked.length,
          staleAnswers: consumer.staleAnswers.length,
        };
        checks.push({
          name: `region ${consumer.region}'s feed consumer: every repeat marked mayRepeat`,
          passed: unmarked.length === 0,
          detail:
            `${consumer.delivered.length} items delivered, ${seen.eventIds.size} distinct events; ${seen.repeats.length} repeats, ${unmarked.length} unmarked` +
            (unmarked.length > 0
              ? `: ${unmarked
                  .slice(0, 3)
                  .map((r) => `${r.key} first at ${r.firstCursor}, again at ${r.cursor}`)
                  .join("; ")}`
              : ""),
        });
        checks.push({
          name: `region ${consumer.region}'s feed consumer: saw no event the region no longer holds`,
          passed: forgotten.length === 0,
          detail:
            forgotten.length === 0
              ? "every event it was given is held"
              : `not held: ${forgotten
                  .slice(0, 5)
                  .map((id) => `${id} (given at ${seen.firstCursor.get(id)})`)
                  .join(", ")}`,
        });
      }
      const staleA = consumers.find((c) => c.region === "A")?.staleAnswers ?? [];
      checks.push({
        name: "region A's feed consumer was told feed_cursor_stale and resumed",
        passed: staleA.length > 0,
        detail:
          staleA.length === 0
            ? "never told: the resume protocol was not exercised"
            : staleA.map((s) => `${s.cursor} → ${s.resumeCursor}`).join("; "),
      });
      const healingSec = healedAt && restartedOnRestoreAt ? (healedAt - restartedOnRestoreAt) / 1000 : null;
      checks.push({
        name: "region A healed after the restore (digests equal)",
        passed: healingSec !== null,
        detail:
          healingSec === null ? "digests never equal" : `${healingSec.toFixed(1)} s from its restart on the restored storage`,
      });
      restore = {
        healingSec,
        caughtUpWithBSec: caughtUpAt && restartedOnRestoreAt ? (caughtUpAt - restartedOnRestoreAt) / 1000 : null,
        epochOfA,
        consumers: consumerFigures,
      };
    }
    checks.push({
      name: "converged",
      passed: convergedAfterSec !== null,
      detail: convergedAfterSec === null ? "timed out" : `${convergedAfterSec.toFixed(1)} s after selling stopped`,
    });

    const totalEvents = recorded.size;
    const lost = new Set(history.regions.flatMap((v) => v.lost)).size;
    const duplicates = history.regions.reduce((s, v) => s + v.duplicated.length, 0);
    const report: DrillReport = {
      options: { ...options, progress: undefined } as Omit<DrillOptions, "progress">,
      passed: checks.every((c) => c.passed),
      checks,
      figures: {
        opsAttempted: ops.length,
        acked: history.acked,
        unknown: history.unknown,
        refused: history.refused,
        eventsLost: lost,
        duplicatesSeenByConsumer: duplicates,
        failoverP50Sec: percentile(failoverValues, 50),
        failoverP99Sec: failoverP99,
        failoverMaxSec: failoverMax,
        failoverPerAgentSec: failover,
        firstAckElsewherePerAgentSec: firstAckElsewhere,
        firstAckElsewhereMaxSec: maxOf(Object.values(firstAckElsewhere)),
        drainAfterRestoreSec,
        restartedRegisterToBSec: restartedFirstInB ? (restartedFirstInB.ackedAt - restartedFirstInB.recordedAt) / 1000 : null,
        throughputEventsPerSec: Math.round((totalEvents / sellingEnded) * 10) / 10,
        convergedAfterSec,
        ...(restore ? { restore } : {}),
        ...(fleetMemory ? { fleetMemory } : {}),
        ...(instanceKilledAt
          ? {
              instanceLoss: {
                takenByB: takenByBWhileOneInstanceDown,
                balancerAfterKill: balancerAfterInstanceKill,
                balancerAtEnd: await chain.balancerView("A").catch((e: Error) => ({ unreadable: e.message })),
              },
            }
          : {}),
      },
      history,
      faults,
      samples,
    };
    writeFileSync(join(options.outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(
      join(options.outDir, "report.html"),
      renderHtmlReport({
        title: `${restoring ? "Restore drill" : "Outage drill"}: ${options.agents} agents, ${options.durationSec} s`,
        startedAt: new Date(t0).toISOString(),
        samples,
        faults,
        checks,
        figures: [
          ["cashier actions", String(ops.length)],
          ["answered 201", String(history.acked)],
          ["unanswered, resolved by retry", String(history.unknown)],
          ["refused", String(history.refused)],
          ["events lost", String(lost)],
          ["duplicates seen by a consumer", String(duplicates)],
          [
            "failover p50 / p99 / max",
            `${report.figures.failoverP50Sec?.toFixed(2) ?? "–"} s / ${failoverP99?.toFixed(2) ?? "–"} s / ${failoverMax?.toFixed(2) ?? "–"} s`,
          ],
          ...(fleetMemory
            ? [["fleet memory per register", `${(fleetMemory.perRegisterBytes / 2 ** 20).toFixed(2)} MiB`] as [string, string]]
            : []),
          [
            "kill to first ack elsewhere, max (idle time included)",
            `${report.figures.firstAckElsewhereMaxSec?.toFixed(2) ?? "–"} s`,
          ],
          [
            "restarted register, first event to region B",
            report.figures.restartedRegisterToBSec === null ? "–" : `${report.figures.restartedRegisterToBSec.toFixed(2)} s`,
          ],
          [
            "drain after the store's link came back",
            drainAfterRestoreSec === null ? "–" : `${drainAfterRestoreSec.toFixed(1)} s`,
          ],
          ["throughput", `${report.figures.throughputEventsPerSec} events/s`],
          ...restoreFigureRows(restore),
        ],
      }),
    );
    return report;
  }
}

/** The fleet's memory budget: 8 GiB for 2,000 registers. */
export const FLEET_BUDGET_PER_REGISTER_BYTES = 4 * 2 ** 20;

/** HAProxy's view in a line: each instance's state. */
function describeBalancer(view: unknown): string {
  if (!view || typeof view !== "object") return "not read";
  if ("unreadable" in view) return `unreadable (${String((view as { unreadable: unknown }).unreadable)})`;
  const servers = (view as { servers?: Array<{ name: string; status: string }> }).servers;
  return servers ? servers.map((s) => `${s.name} ${s.status}`).join(", ") : JSON.stringify(view).slice(0, 200);
}

const seconds = (v: number | null) => (v === null ? "–" : `${v.toFixed(1)} s`);

/** The restore scenario's figures, as the report's rows. */
export function restoreFigureRows(restore: RestoreFigures | undefined): Array<[string, string]> {
  if (!restore) return [];
  return [
    ["healing: A's restart on the restored storage to digests equal", seconds(restore.healingSec)],
    ["A's restart to holding every event B held then", seconds(restore.caughtUpWithBSec)],
    ...Object.entries(restore.consumers).map(([region, c]): [string, string] => [
      `region ${region}'s feed consumer`,
      `${c.delivered} items, ${c.distinctEvents} distinct events, ${c.repeats} repeats (${c.unmarkedRepeats} unmarked), ${c.staleAnswers} feed_cursor_stale`,
    ]),
  ];
}
