import { ConfigError, loadConfig } from "../config/config.ts";
import { listEpochs, rotateEpoch } from "../replication/log-epochs.ts";
import { openDatabase } from "../storage/open-database.ts";
import type { CliIo } from "./token-cli.ts";

export const LOG_USAGE = `the region's log (its database, with the region stopped or running):
  main.ts log epochs [serve flags naming the database]          every epoch of the log, oldest first
  main.ts log new-epoch --reason TEXT [serve flags naming the database]
    after restoring the region's database from a backup, before starting it: positions above the
    restored head are new history; peers re-scan this log, its consumers are told where to resume,
    and it heals from its peers (it also finds a restore by itself at start-up while a peer answers)`;

/** `log …`: inspect the log's epochs, or start a new one after a restore. Returns the exit code. */
export async function runLogCommand(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const [, verb, ...rest] = argv;
  if (verb === undefined || verb === "help" || rest.includes("--help") || rest.includes("-h")) {
    io.out(LOG_USAGE);
    return verb === undefined ? 2 : 0;
  }
  if (verb !== "epochs" && verb !== "new-epoch") throw new ConfigError(`unknown log command ${verb}\n${LOG_USAGE}`);
  let reason: string | undefined;
  const flags: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--reason") reason = rest[++i];
    else flags.push(rest[i] as string);
  }
  if (verb === "new-epoch" && !reason?.trim()) {
    throw new ConfigError('say why with --reason (e.g. "restored from the 02:00 backup"): it is kept with the epoch');
  }
  const config = loadConfig(flags, env);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    if (verb === "new-epoch") {
      const epoch = await rotateEpoch(db, `operator: ${reason}`);
      io.out(JSON.stringify(epoch));
    } else {
      for (const epoch of await listEpochs(db)) io.out(JSON.stringify(epoch));
    }
    return 0;
  } finally {
    await db.close();
  }
}
