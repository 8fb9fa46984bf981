import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export class ServiceStartError extends Error {
  constructor(
    readonly service: string,
    reason: string,
    readonly output: string,
  ) {
    super(`${service} did not start: ${reason}\n--- its last output ---\n${output.slice(-4000)}`);
    this.name = "ServiceStartError";
  }
}

export interface ServiceSpec {
  /** A name for messages and logs, e.g. "region-a". */
  name: string;
  /** TypeScript entry file, run with `node --import tsx`. */
  entry: string;
  args?: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** How long to wait for the `{"listening": port}` line. */
  startTimeoutMs?: number;
  /** Forward the child's output lines here (for logs); by default kept only for error reports. */
  onLine?: (line: string) => void;
}

/**
 * One of our own processes (region, processor simulator, agent), started as a real child process.
 * It is ready when it prints a JSON line `{"listening": …}` with its port on stdout.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private tail = "";
  port = 0;

  constructor(readonly spec: ServiceSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    if (this.running) throw new Error(`${this.spec.name} is already running`);
    const child = spawn(process.execPath, ["--import", "tsx", this.spec.entry, ...(this.spec.args ?? [])], {
      cwd: this.spec.cwd,
      env: { ...process.env, ...this.spec.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.tail = "";
    const keep = (line: string) => {
      this.tail = `${this.tail}${line}\n`.slice(-16_000);
      this.spec.onLine?.(line);
    };
    createInterface({ input: child.stderr! }).on("line", keep);
    const stdout = createInterface({ input: child.stdout! });
    this.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new ServiceStartError(this.spec.name, "no listening line in time", this.tail));
      }, this.spec.startTimeoutMs ?? 30_000);
      stdout.on("line", (line) => {
        keep(line);
        if (!line.startsWith("{")) return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch (error) {
          // A log line that merely starts with a brace: not the one we wait for.
          if (error instanceof SyntaxError) return;
          throw error;
        }
        // Regions and the simulator print {"listening": port}; the agent {"listening": url, "port": port}.
        const { listening, port: portField } = parsed as { listening?: unknown; port?: unknown };
        const port = typeof portField === "number" ? portField : listening;
        if (listening !== undefined && typeof port === "number") {
          clearTimeout(timer);
          resolve(port);
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new ServiceStartError(this.spec.name, `exited early (code ${code}, signal ${signal})`, this.tail));
      });
    });
    return this;
  }

  /** Sends a signal and waits for the process to be gone. SIGKILL is the crash drills' tool. */
  async stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  kill(): Promise<void> {
    return this.stop("SIGKILL");
  }

  /** Recent output, for failure messages. */
  output(): string {
    return this.tail;
  }
}
