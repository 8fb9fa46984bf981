/** Process entry: `tenderline-agent [start|reset] --config FILE`, `tenderline-agent hash-pin`, `--help`. Wiring only; logic lives in the modules. */
import { text } from "node:stream/consumers";
import { hashPin } from "@tenderline/shared";
import { createAgent } from "./agent.ts";
import { AGENT_USAGE, parseArgs, UsageError } from "./cli/args.ts";
import { loadConfig } from "./config/config.ts";
import { watchConfig } from "./config/config-reload.ts";
import { resetDataDir } from "./storage/data-dir.ts";

const PRUNE_EVERY_MS = 3_600_000;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.command === "help") {
    process.stdout.write(`${AGENT_USAGE}\n`);
    return;
  }
  if (args.command === "hash-pin") {
    if (process.stdin.isTTY) process.stderr.write("manager PIN (then Enter, then Ctrl-D): ");
    const pin = (await text(process.stdin)).replace(/\r?\n$/, "");
    process.stdout.write(`${await hashPin(pin)}\n`);
    return;
  }
  const loaded = loadConfig(args.configFile);
  const config = { ...loaded, replaceUnsynced: loaded.replaceUnsynced || args.replaceUnsynced };
  if (args.command === "reset") {
    const { archivedTo } = resetDataDir(config.dataDir, args.discardUnsynced);
    process.stdout.write(archivedTo ? `outbox archived to ${archivedTo}\n` : "nothing to reset\n");
    return;
  }
  const agent = createAgent(config);
  agent.prune();
  const pruneTimer = setInterval(() => agent.prune(), PRUNE_EVERY_MS);
  pruneTimer.unref();
  // A new credential is taken live: on SIGHUP and when the config file changes.
  const configWatch = watchConfig({
    file: args.configFile,
    running: loaded,
    setCredential: (token) => agent.setCredential(token),
    logger: agent.logger.child({ component: "config" }),
    poll: args.watchConfig,
  });
  const { url, port } = await agent.listen();
  agent.logger.info({ url, port, storeId: config.storeId, registerId: config.registerId }, "agent listening");
  // A line tests and supervisors can wait for, whatever the log destination.
  process.stdout.write(`${JSON.stringify({ listening: url, port })}\n`);
  const stop = async () => {
    clearInterval(pruneTimer);
    configWatch.close();
    await agent.close();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    // A bad command line: the reason and how to call it, exit code 2 (as the other Tenderline commands).
    process.stderr.write(`tenderline-agent: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`tenderline-agent: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
