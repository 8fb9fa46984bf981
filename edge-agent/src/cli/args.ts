export interface CliArgs {
  command: "start" | "reset" | "hash-pin";
  configFile: string;
  replaceUnsynced: boolean;
  discardUnsynced: boolean;
  /** Re-read the config when the file changes (else on SIGHUP only). */
  watchConfig: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\nusage: tenderline-agent [start|reset] --config FILE [--replace-unsynced] [--discard-unsynced] [--no-watch-config]
       tenderline-agent hash-pin   (reads a manager's PIN from standard input, prints its pinHash)`);
    this.name = "UsageError";
  }
}

export function parseArgs(argv: readonly string[]): CliArgs {
  let command: CliArgs["command"] = "start";
  let configFile: string | undefined;
  let replaceUnsynced = false;
  let discardUnsynced = false;
  let watchConfig = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "start" || arg === "reset" || arg === "hash-pin") command = arg;
    else if (arg === "--config") configFile = argv[++i];
    else if (arg?.startsWith("--config=")) configFile = arg.slice("--config=".length);
    else if (arg === "--replace-unsynced") replaceUnsynced = true;
    else if (arg === "--discard-unsynced") discardUnsynced = true;
    else if (arg === "--no-watch-config") watchConfig = false;
    else throw new UsageError(`unknown argument ${arg}`);
  }
  if (command === "hash-pin") {
    // A PIN on the command line would be in `ps` and the shell's history: it comes on stdin only.
    if (configFile) throw new UsageError("hash-pin takes no --config; it reads the PIN from standard input");
    return { command, configFile: "", replaceUnsynced, discardUnsynced, watchConfig };
  }
  if (!configFile) throw new UsageError("--config FILE is required");
  return { command, configFile, replaceUnsynced, discardUnsynced, watchConfig };
}
