/**
 * One region's load balancer: a real HAProxy (Debian's package) in front of the region's
 * instances, health-checking each on `GET /v1/health`. The chain starts one per region when a
 * region runs as several instances; agents and peers know only its URL.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";

export const HAPROXY_BINARY = "/usr/sbin/haproxy";

/** HAProxy is not on this machine. */
export class HaproxyNotInstalledError extends Error {
  constructor(readonly binary: string) {
    super(`HAProxy is not installed (no ${binary}): a region with several instances needs it; apt-get install -y haproxy`);
    this.name = "HaproxyNotInstalledError";
  }
}

/** HAProxy refused its config, exited, or never answered on its stats port. */
export class BalancerStartError extends Error {
  constructor(
    readonly region: string,
    readonly reason: string,
    readonly output: string,
  ) {
    super(`the load balancer of region ${region} did not start: ${reason}\n--- its output ---\n${output.slice(-4000)}`);
    this.name = "BalancerStartError";
  }
}

export interface BalancedServer {
  /** HAProxy's name for it, e.g. "i0": also the key of its row in the balancer's view. */
  name: string;
  port: number;
}

export interface BalancerSpec {
  /** The region's name: it names the frontend and the backend. */
  region: string;
  /** The frontend: agents and peers send everything to 127.0.0.1:<port>. */
  port: number;
  /** HAProxy's stats page (HTML at /stats, CSV at /stats;csv), on its own loopback port. */
  statsPort: number;
  servers: readonly BalancedServer[];
}

/**
 * The health-check rhythm: a check every 500 ms, 2 failures take an instance out of rotation (a
 * SIGKILLed one refuses connections at once: out within about 1 s), 2 successes bring it back,
 * cold (JIT, pools, caches): its share of new requests grows over 5 s (slowstart).
 */
const CHECK = "inter 500ms fastinter 250ms downinter 500ms fall 2 rise 2 slowstart 5s";

/** The HAProxy config of one region's balancer: a pure function of the spec, so a test reads it. */
export function renderHaproxyConfig(spec: BalancerSpec): string {
  const id = spec.region.replace(/[^A-Za-z0-9_]/g, "_");
  if (spec.servers.length === 0) throw new Error(`region ${spec.region}'s balancer needs at least one instance`);
  return `# Region ${spec.region}'s load balancer, written by e2e/src/chain/load-balancer.ts at every start.
global
    # In the foreground (-db) it writes instances going DOWN and UP to stderr; no traffic log.
    maxconn 4096
    # A request is resent after an instance died mid-request only if it fits in one buffer:
    # 64 KiB holds a register's usual batch (the 16 KiB default, a dozen events).
    tune.bufsize 65536

defaults
    mode http
    # Loopback (or a LAN): a connect that takes a second is a dead instance.
    timeout connect 1s
    # Ingest answers within 10 s; feed pages and whole-feed reads take longer under load.
    timeout client 90s
    timeout server 90s
    timeout http-request 15s
    # Longer than a register's own keep-alive (20 s): it closes an idle connection first, so a
    # batch is never sent on one the balancer is closing. A register sells every few seconds.
    timeout http-keep-alive 60s
    timeout queue 10s
    # A loaded instance may take a second to answer its check; a dead one refuses at once.
    timeout check 2s
    # A request that cannot reach an instance (killed, not yet out of rotation) goes to another
    # one, on every retry: no register has to fail over to another region because one died.
    retries 3
    option redispatch 1
    # An instance that dies after taking a request but before answering, or answers that it cannot
    # serve (a gateway error, shutting down): resent too, but only what is safe to repeat (below).
    retry-on conn-failure empty-response junk-response 502 503 504
    # The whole body is read before an instance is chosen, so a resend has all of it.
    option http-buffer-request

frontend region_${id}
    bind 127.0.0.1:${spec.port}
    # Fail open: with every instance failing its health check (all of them slow under a burst, not
    # dead) the region still takes traffic, on every instance that accepts connections. Taking a
    # whole region out for being slow turned a burst into an outage: registers failed over and the
    # other region, taking their load, went slow in turn. A dead region refuses: 503 at once.
    use_backend region_${id}_open if { nbsrv(region_${id}_instances) lt 1 }
    default_backend region_${id}_instances

backend region_${id}_instances
    # Least connections: an ingest batch or a feed page can take seconds while most requests take
    # milliseconds; a new request goes to the instance with fewer in flight (ties: round robin).
    balance leastconn
    option httpchk GET /v1/health
    http-check expect status 200
    # Resent after an empty response only: reads, and batches (idempotent by eventId).
    acl safe_to_repeat method GET HEAD
    acl safe_to_repeat path /v1/events/batch
    http-request disable-l7-retry unless safe_to_repeat
    default-server ${CHECK}
${spec.servers.map((s) => `    server ${s.name} 127.0.0.1:${s.port} check`).join("\n")}

backend region_${id}_open
    # Used only while no instance passes its health check: checked by connecting (a killed instance
    # refuses at once), the same rhythm, the same resends.
    balance leastconn
    acl safe_to_repeat method GET HEAD
    acl safe_to_repeat path /v1/events/batch
    http-request disable-l7-retry unless safe_to_repeat
    default-server ${CHECK}
${spec.servers.map((s) => `    server ${s.name} 127.0.0.1:${s.port} check`).join("\n")}

listen stats
    bind 127.0.0.1:${spec.statsPort}
    stats enable
    stats uri /stats
    stats refresh 2s
`;
}

/** One row of HAProxy's `show stat` CSV, the fields the chain reads. */
const StatRowSchema = z.looseObject({
  pxname: z.string(),
  svname: z.string(),
  status: z.string(),
  /** Sessions (connections) it took in all. */
  stot: z.coerce.number(),
  /** HTTP responses by class: their sum is the requests it answered. */
  hrsp_1xx: z.coerce.number().default(0),
  hrsp_2xx: z.coerce.number().default(0),
  hrsp_3xx: z.coerce.number().default(0),
  hrsp_4xx: z.coerce.number().default(0),
  hrsp_5xx: z.coerce.number().default(0),
  hrsp_other: z.coerce.number().default(0),
  /** Requests it retried (wretr) or sent to another instance (wredis). */
  wretr: z.coerce.number().default(0),
  wredis: z.coerce.number().default(0),
  check_status: z.string().default(""),
  /** Seconds since its last UP/DOWN change. */
  lastchg: z.coerce.number().default(0),
});

export interface ServerView {
  name: string;
  /** UP or DOWN as traffic sees it ("UP 1/2", going down, still takes traffic); else HAProxy's word (MAINT, no check). */
  state: "UP" | "DOWN" | "OTHER";
  /** HAProxy's status as written, e.g. "UP", "DOWN", "UP 1/2". */
  status: string;
  /** HTTP requests it answered (the sum of its response classes). */
  requests: number;
  sessions: number;
  /** Requests HAProxy retried on it, and moved away from it to another instance. */
  retries: number;
  redispatches: number;
  /** The last health check's result, e.g. "L7OK", "L4CON" (refused). */
  checkStatus: string;
  secondsSinceChange: number;
}

export interface BalancerView {
  region: string;
  servers: ServerView[];
}

/** Parses HAProxy's stats CSV (a "# " header line, then one line per proxy and server) into the backend's servers. */
export function parseStatsCsv(region: string, csv: string): BalancerView {
  const lines = csv.split("\n").filter((l) => l.trim() !== "");
  const header = lines[0]?.replace(/^# /, "").split(",");
  if (!header?.includes("svname")) throw new Error(`region ${region}'s balancer: stats CSV without a header`);
  const backend = `region_${region.replace(/[^A-Za-z0-9_]/g, "_")}_instances`;
  const servers: ServerView[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(",");
    const row = StatRowSchema.parse(Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ""])));
    if (row.pxname !== backend || row.svname === "BACKEND" || row.svname === "FRONTEND") continue;
    servers.push({
      name: row.svname,
      state: row.status.startsWith("UP") ? "UP" : row.status.startsWith("DOWN") ? "DOWN" : "OTHER",
      status: row.status,
      requests: row.hrsp_1xx + row.hrsp_2xx + row.hrsp_3xx + row.hrsp_4xx + row.hrsp_5xx + row.hrsp_other,
      sessions: row.stot,
      retries: row.wretr,
      redispatches: row.wredis,
      checkStatus: row.check_status,
      secondsSinceChange: row.lastchg,
    });
  }
  return { region, servers };
}

const OUTPUT_TAIL = 16_000;
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

export interface LoadBalancerOptions extends BalancerSpec {
  /** Where its config goes (haproxy.cfg). */
  dir: string;
  binary?: string;
  onLine?: (line: string) => void;
}

/** HAProxy as a child process in the foreground (`-db`): started, read (its view), stopped. */
export class LoadBalancer {
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private tail = "";

  constructor(readonly options: LoadBalancerOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  /** The stats page an operator opens (HTML; `;csv` for the CSV). */
  get statsUrl(): string {
    return `http://127.0.0.1:${this.options.statsPort}/stats`;
  }

  get configFile(): string {
    return join(this.options.dir, "haproxy.cfg");
  }

  get running(): boolean {
    const child = this.proc;
    return child?.pid !== undefined && child.exitCode === null && child.signalCode === null;
  }

  output(): string {
    return this.tail;
  }

  /** Writes the config, has HAProxy check it, starts it and resolves once its stats page answers. */
  async start(): Promise<this> {
    if (this.running) return this;
    const { options } = this;
    const binary = options.binary ?? HAPROXY_BINARY;
    if (!existsSync(binary)) throw new HaproxyNotInstalledError(binary);
    mkdirSync(options.dir, { recursive: true });
    writeFileSync(this.configFile, renderHaproxyConfig(options));
    // A bad config is refused here with HAProxy's own words, before anything listens.
    await new Promise<void>((resolve, reject) => {
      execFile(binary, ["-c", "-q", "-f", this.configFile], { timeout: 10_000 }, (error, stdout, stderr) =>
        error
          ? reject(new BalancerStartError(options.region, `haproxy -c refused ${this.configFile}`, `${stdout}${stderr}`))
          : resolve(),
      );
    });
    this.tail = "";
    const child = spawn(binary, ["-f", this.configFile, "-db"], { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = child;
    this.exited = new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.once("error", (error) => {
        this.tail += `${error.message}\n`;
        if (child.pid === undefined) resolve();
      });
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream as NodeJS.ReadableStream }).on("line", (line) => {
        this.tail = `${this.tail}${line}\n`.slice(-OUTPUT_TAIL);
        options.onLine?.(line);
      });
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (!this.running) {
        await this.exited;
        throw new BalancerStartError(
          options.region,
          `haproxy exited (code ${child.exitCode}, signal ${child.signalCode})`,
          this.tail,
        );
      }
      // Refused until it listens: tried again until the deadline.
      const answered = await fetch(`${this.statsUrl};csv`, { signal: AbortSignal.timeout(1000) }).then(
        (r) => r.ok,
        () => false,
      );
      if (answered) return this;
      if (Date.now() > deadline) {
        await this.stop();
        throw new BalancerStartError(options.region, `its stats page did not answer within ${READY_TIMEOUT_MS} ms`, this.tail);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** HAProxy's view of the instances: UP or DOWN, requests answered. */
  async view(): Promise<BalancerView> {
    const response = await fetch(`${this.statsUrl};csv`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) throw new Error(`region ${this.options.region}'s balancer stats answered ${response.status}`);
    return parseStatsCsv(this.options.region, await response.text());
  }

  /**
   * Resolves once HAProxy sees `server` in `state`; fails after `timeoutMs`, naming what it saw
   * (a stats read that fails meanwhile, say on a loaded machine, is tried again until then).
   */
  async waitFor(server: string, state: "UP" | "DOWN", timeoutMs = 30_000): Promise<ServerView> {
    const deadline = Date.now() + timeoutMs;
    let seen = "nothing yet";
    for (;;) {
      try {
        const view = (await this.view()).servers.find((s) => s.name === server);
        if (view?.state === state) return view;
        seen = view ? view.status : "no such server";
      } catch (error) {
        seen = `its stats unreadable: ${(error as Error).message}`;
      }
      if (Date.now() > deadline) {
        throw new Error(`region ${this.options.region}'s balancer: ${server} not ${state} within ${timeoutMs} ms (${seen})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM (HAProxy's hard stop: it closes at once), SIGKILL if it is still there after a grace. */
  async stop(): Promise<void> {
    const child = this.proc;
    if (!child || !this.running) return;
    child.kill("SIGTERM");
    const escalate = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(escalate);
  }
}
