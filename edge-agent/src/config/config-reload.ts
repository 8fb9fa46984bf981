/**
 * The running agent takes a new credential from its config file, without a restart: the file is
 * re-read (and validated by loadConfig) on SIGHUP and whenever it changes. A changed `storeToken` is
 * handed on (to the sync engine); any other changed field is named once as taking effect at the next
 * restart; a file that does not load changes nothing and says why. The credential itself is never logged.
 */
import { type StatWatcher, unwatchFile, watchFile } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import type { Logger } from "../logging/logger.ts";
import { type AgentConfig, ConfigError, loadConfig } from "./config.ts";

/** What made the agent read its config again. */
export type ReloadTrigger = "SIGHUP" | "file changed" | "start-up check" | "request";

export type ReloadOutcome =
  /** Nothing differs from the config last read. */
  | { kind: "unchanged" }
  /** `credential`: a new storeToken was handed on; `needsRestart`: other fields that changed, by name. */
  | { kind: "changed"; credential: boolean; needsRestart: string[] }
  /** The file did not load (unreadable, not JSON, a bad field): the agent keeps what it has. */
  | { kind: "invalid"; reason: string }
  /** The file loaded but the new credential could not be handed on; the next reload tries again. */
  | { kind: "failed"; reason: string };

export interface ConfigReloadOptions {
  file: string;
  /** The config the agent runs with, as loadConfig read it from `file` at start-up. */
  running: AgentConfig;
  /** Receives a new credential; the agent gives it to its sync engine. */
  setCredential: (token: string) => void | Promise<void>;
  logger: Logger;
  /** Environment overrides, as at start-up (TENDERLINE_STORE_TOKEN overrides the file's storeToken). */
  env?: NodeJS.ProcessEnv;
}

const CREDENTIAL_FIELD = "storeToken";

/** Re-reads one agent's config file on request; reloads run one at a time, in the order asked. */
export class ConfigReloader {
  /** The last config read successfully: changes are reported against it, so each is named once. */
  private last: AgentConfig;
  /** The credential the receiver has. */
  private credential: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ConfigReloadOptions) {
    this.last = o.running;
    this.credential = o.running.storeToken;
  }

  /**
   * Re-reads the file and applies what can be applied live. A bad file or a failed hand-over is an
   * outcome, not an error; only an unexpected fault (a bug) rejects.
   */
  reload(trigger: ReloadTrigger = "request"): Promise<ReloadOutcome> {
    const next = this.queue.then(() => this.apply(trigger));
    // The next reload waits for this one, whatever its end.
    this.queue = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private async apply(trigger: ReloadTrigger): Promise<ReloadOutcome> {
    const { file, logger } = this.o;
    let next: AgentConfig;
    try {
      next = loadConfig(file, this.o.env ?? process.env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      logger.error(
        { file, trigger, reason: error.message },
        "config file not applied: the agent keeps running with the config and credential it has",
      );
      return { kind: "invalid", reason: error.message };
    }
    const changed = (Object.keys(next) as Array<keyof AgentConfig>).filter(
      (k) => k !== CREDENTIAL_FIELD && !isDeepStrictEqual(next[k], this.last[k]),
    );
    // A field put back to what the agent runs with needs no restart.
    const needsRestart = changed.filter((k) => !isDeepStrictEqual(next[k], this.o.running[k]));
    const credential = next.storeToken !== this.credential;
    if (!credential && changed.length === 0) {
      if (trigger === "SIGHUP") logger.info({ file, trigger }, "config re-read: nothing changed");
      return { kind: "unchanged" };
    }
    if (credential) {
      try {
        await this.o.setCredential(next.storeToken);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        logger.error(
          { file, trigger, reason },
          "could not hand the new credential to the sync engine; will try again on the next reload",
        );
        // Other fields are still reported against what was read before, so nothing is lost by retrying.
        return { kind: "failed", reason };
      }
      this.credential = next.storeToken;
      logger.info(
        { file, trigger },
        "new credential (storeToken) taken from the config: the sync engine uses it from its next request",
      );
    }
    if (needsRestart.length > 0) {
      logger.warn(
        { file, trigger, fields: needsRestart },
        `config fields changed that take effect at the next restart: ${needsRestart.join(", ")}`,
      );
    }
    this.last = next;
    return { kind: "changed", credential, needsRestart };
  }
}

export interface ConfigWatch {
  /** Re-read now (what SIGHUP and a change of the file do). */
  reload(): Promise<ReloadOutcome>;
  /** Settles once the start-up check (one re-read after the first poll interval) has run; at once without polling, or on close. */
  ready: Promise<void>;
  /** Stops watching the file and listening for SIGHUP; a reload under way finishes. */
  close(): void;
}

export interface ConfigWatchOptions extends ConfigReloadOptions {
  /** Poll the file for changes (fs.watchFile); false: SIGHUP only. Default true. */
  poll?: boolean;
  /** How often the file is polled. Default 1000 ms. */
  intervalMs?: number;
}

export const DEFAULT_CONFIG_POLL_MS = 1000;

/**
 * Re-reads the config file on SIGHUP and, unless `poll` is false, whenever the file changes (polled
 * with fs.watchFile, which also sees an editor's save-by-rename; the poll keeps no process alive).
 */
export function watchConfig(options: ConfigWatchOptions): ConfigWatch {
  const reloader = new ConfigReloader(options);
  let closed = false;
  const run = (trigger: ReloadTrigger) => {
    if (closed) return;
    reloader.reload(trigger).catch((error: unknown) => {
      options.logger.error({ err: error, trigger }, "re-reading the config failed");
    });
  };
  const onSighup = () => run("SIGHUP");
  const onChange = () => run("file changed");
  process.on("SIGHUP", onSighup);
  const intervalMs = options.intervalMs ?? DEFAULT_CONFIG_POLL_MS;
  let watcher: StatWatcher | undefined;
  let startupCheck: ReturnType<typeof setTimeout> | undefined;
  let settleReady = () => {};
  const ready = new Promise<void>((resolve) => {
    settleReady = resolve;
  });
  if (options.poll ?? true) {
    watcher = watchFile(options.file, { interval: intervalMs, persistent: false }, onChange);
    watcher.unref();
    // The poll compares with its own first look at the file, taken a moment after start-up read it: an
    // edit in between would go unseen. One more read after the first interval closes that gap.
    startupCheck = setTimeout(() => {
      reloader.reload("start-up check").then(
        () => settleReady(),
        (error: unknown) => {
          options.logger.error({ err: error, trigger: "start-up check" }, "re-reading the config failed");
          settleReady();
        },
      );
    }, intervalMs);
    startupCheck.unref();
  } else {
    settleReady();
  }
  return {
    reload: () => reloader.reload("request"),
    ready,
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(startupCheck);
      settleReady();
      process.off("SIGHUP", onSighup);
      if (watcher) unwatchFile(options.file, onChange);
    },
  };
}
