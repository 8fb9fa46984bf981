/**
 * One way to start one of our services (a region, the processor simulator, an agent) as a real
 * child process and learn where it listens. Each service prints one JSON line on stdout once it
 * accepts connections: the region and the simulator `{"listening": <port>, …}`, the agent
 * `{"listening": "<url>", "port": <port>}`. Node builtins only: tests, the chain, the drill and
 * the deploy check all use it, and browser bundles never import it (it is its own entry,
 * `@tenderline/shared/process`, not part of the package's index).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** A service that did not come up: it exited first, never said where it listens, or could not be spawned. */
export class ServiceStartError extends Error {
  constructor(
    /** The service's name, as given in its spec. */
    readonly service: string,
    /** Why, e.g. "exited before listening (code 2, signal null)". */
    readonly reason: string,
    /** The tail of what it wrote on stdout and stderr. */
    readonly output: string,
  ) {
    super(`${service} did not start: ${reason}\n--- its last output ---\n${output.slice(-OUTPUT_IN_MESSAGE)}`);
    this.name = "ServiceStartError";
  }
}

export interface ServiceSpec {
  /** A name for errors and logs, e.g. "region-A". */
  name: string;
  /** The entry file run by node. */
  script: string;
  /**
   * Node's own flags, before the script. By default `--import tsx` for a TypeScript entry (`.ts`,
   * `.mts`, `.tsx`) and nothing for compiled JavaScript.
   */
  nodeArgs?: readonly string[];
  args?: readonly string[];
  /**
   * Runs it at this nice value (1–19, lower priority) through `nice`, every thread of it: for load
   * generators that stand in for other machines and must not take CPU from what they test.
   */
  niceness?: number;
  /**
   * Laid over this process's environment (or, with inheritEnv false, the whole environment); a key
   * set to undefined is removed.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Default true: the child starts from this process's environment. */
  inheritEnv?: boolean;
  cwd?: string;
  /** How long start() waits for the listening line; default 30 s. */
  startTimeoutMs?: number;
  /** How long stop() waits after its signal before SIGKILL; default 10 s. */
  stopGraceMs?: number;
  /** Every line the child writes (stdout and stderr), e.g. for logs; otherwise kept only as output(). */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

/** Where a service said it listens. */
export interface ListeningLine {
  port: number;
  /** The agent's own URL when it gives one, otherwise `http://127.0.0.1:<port>`. */
  url: string;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_STOP_GRACE_MS = 10_000;
/** How much output is kept: enough to explain a failed start or a failed test. */
const OUTPUT_TAIL = 16_000;
const OUTPUT_IN_MESSAGE = 4000;
/** After an early exit, how long to wait for the last of its output before reporting. */
const DRAIN_AFTER_EXIT_MS = 500;

/**
 * Reads one stdout line as a listening line: a JSON object with `listening`, its port either
 * `listening` itself (a number) or `port`. Anything else (log lines, other JSON, a line that starts
 * with a brace but is not JSON) is not one and gives undefined.
 */
export function parseListeningLine(line: string): ListeningLine | undefined {
  const text = line.trim();
  if (!text.startsWith("{")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || !("listening" in parsed)) return undefined;
  const { listening, port: portField } = parsed as { listening: unknown; port?: unknown };
  const port = typeof portField === "number" ? portField : listening;
  if (typeof port !== "number" || !Number.isInteger(port) || port <= 0 || port > 65_535) return undefined;
  const url = typeof listening === "string" && /^https?:\/\//.test(listening) ? listening : `http://127.0.0.1:${port}`;
  return { port, url };
}

function defaultNodeArgs(script: string): string[] {
  return /\.(m?ts|tsx)$/.test(script) ? ["--import", "tsx"] : [];
}

function childEnv(spec: ServiceSpec): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...(spec.inheritEnv === false ? {} : process.env) };
  for (const [key, value] of Object.entries(spec.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * One service as a child process. start() resolves once it printed its listening line; it can be
 * started again after it stopped (same spec, so the same port when the spec names one).
 */
export class ServiceProcess {
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private tail = "";
  private stderrTail = "";
  private listeningAt: ListeningLine | undefined;

  constructor(readonly spec: ServiceSpec) {}

  /** Starts a service and resolves once it listens. */
  static start(spec: ServiceSpec): Promise<ServiceProcess> {
    return new ServiceProcess(spec).start();
  }

  get name(): string {
    return this.spec.name;
  }

  /** The current (or last) child process; undefined before the first start(). */
  get child(): ChildProcess | undefined {
    return this.proc;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    const child = this.proc;
    return child?.pid !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** The port from its last listening line; 0 before it listened. */
  get port(): number {
    return this.listeningAt?.port ?? 0;
  }

  get url(): string {
    return this.listeningAt?.url ?? `http://127.0.0.1:${this.port}`;
  }

  /** The tail of its output (stdout and stderr interleaved by line), or of its stderr alone. */
  output(stream: "all" | "stderr" = "all"): string {
    return stream === "stderr" ? this.stderrTail : this.tail;
  }

  async start(): Promise<this> {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    const { spec } = this;
    const argv = [...(spec.nodeArgs ?? defaultNodeArgs(spec.script)), spec.script, ...(spec.args ?? [])];
    if (spec.niceness !== undefined && !(Number.isInteger(spec.niceness) && spec.niceness >= 1 && spec.niceness <= 19)) {
      throw new Error(`${spec.name}: niceness must be a whole number from 1 to 19, not ${spec.niceness}`);
    }
    // nice execs node in its own place: the child's pid is still node's, for signals and kills.
    const [command, commandArgs] =
      spec.niceness === undefined ? [process.execPath, argv] : ["nice", ["-n", String(spec.niceness), process.execPath, ...argv]];
    const child = spawn(command, commandArgs, {
      cwd: spec.cwd,
      env: childEnv(spec),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = child;
    this.tail = "";
    this.stderrTail = "";
    this.listeningAt = undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.on("error", (error) => {
        this.tail = `${this.tail}${error.message}\n`.slice(-OUTPUT_TAIL);
        // A child that could not be spawned at all never exits.
        if (child.pid === undefined) resolve();
      });
    });
    const keep = (line: string, stream: "stdout" | "stderr") => {
      this.tail = `${this.tail}${line}\n`.slice(-OUTPUT_TAIL);
      if (stream === "stderr") this.stderrTail = `${this.stderrTail}${line}\n`.slice(-OUTPUT_TAIL);
      spec.onLine?.(line, stream);
    };
    // Both streams are read to their end, so a chatty child can never block on a full pipe.
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) => keep(line, "stderr"));
    const stdout = createInterface({ input: child.stdout as NodeJS.ReadableStream });

    this.listeningAt = await new Promise<ListeningLine>((resolve, reject) => {
      let settled = false;
      const settle = () => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        return true;
      };
      const fail = (reason: string) => {
        if (settle()) reject(new ServiceStartError(spec.name, reason, this.tail));
      };
      const timeoutMs = spec.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
      const timer = setTimeout(() => {
        if (!settle()) return;
        child.kill("SIGKILL");
        void this.exited.then(() =>
          reject(new ServiceStartError(spec.name, `no listening line within ${timeoutMs} ms`, this.tail)),
        );
      }, timeoutMs);
      stdout.on("line", (line) => {
        keep(line, "stdout");
        if (settled) return;
        const listening = parseListeningLine(line);
        if (listening && settle()) resolve(listening);
      });
      child.once("error", (error) => {
        if (child.pid === undefined) fail(`could not be spawned: ${error.message}`);
      });
      child.once("exit", (code, signal) => {
        const reason = `exited before listening (code ${code}, signal ${signal})`;
        // Its last words may still be in the pipes: report once they are read, or soon after.
        const drained = setTimeout(() => fail(reason), DRAIN_AFTER_EXIT_MS);
        child.once("close", () => {
          clearTimeout(drained);
          fail(reason);
        });
      });
    });
    return this;
  }

  /**
   * Sends `signal` (SIGKILL is the crash drills' tool) and resolves once the process is gone;
   * if it is still there after `graceMs`, SIGKILL.
   */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = this.spec.stopGraceMs ?? DEFAULT_STOP_GRACE_MS): Promise<void> {
    const child = this.proc;
    if (!child || !this.running) return;
    child.kill(signal);
    const escalate = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(escalate);
  }

  kill(): Promise<void> {
    return this.stop("SIGKILL");
  }
}
