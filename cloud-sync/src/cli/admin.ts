import { parseArgs } from "node:util";
import { describeIssues } from "@tenderline/shared";
import { createToken, TokenSpecSchema } from "../auth/tokens.ts";
import { ConfigError, loadConfig } from "../config/config.ts";
import { openDatabase } from "../storage/open-database.ts";

export const ADMIN_USAGE = `usage: main.ts token create --kind register|store|consumer|admin|region [--store-id S] [--register-id R] [--region-name R] [--label L]
                      [--region A] [--config FILE] [--data-dir DIR]   (PostgreSQL: databaseUrl in FILE, or DATABASE_URL)
Prints the new token once on stdout; only its hash is stored.
With PGlite, run it while that region's process is stopped (one process per data directory).`;

/** `token create …`: makes a token and prints it once. Returns the process exit code. */
export async function runAdmin(argv: readonly string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  const [noun, verb, ...rest] = argv;
  if (noun !== "token" || verb !== "create") throw new ConfigError(ADMIN_USAGE);
  const { values } = parseArgs({
    args: rest,
    strict: false,
    options: {
      kind: { type: "string" },
      "store-id": { type: "string" },
      "register-id": { type: "string" },
      "region-name": { type: "string" },
      label: { type: "string" },
    },
  });
  const spec = TokenSpecSchema.safeParse({
    kind: values.kind,
    storeId: values["store-id"],
    registerId: values["register-id"],
    regionName: values["region-name"],
    label: values.label,
  });
  if (!spec.success) throw new ConfigError(`${describeIssues(spec.error)}\n${ADMIN_USAGE}`);
  // The remaining flags are the region's own (--region, --config, --data-dir).
  const regionArgs = rest.filter((_, i) => {
    const flagAt = (j: number) => rest[j]?.replace(/=.*/, "");
    const own = ["--kind", "--store-id", "--register-id", "--region-name", "--label"];
    return !own.includes(flagAt(i) ?? "") && !(i > 0 && own.includes(flagAt(i - 1) ?? "") && !rest[i - 1]?.includes("="));
  });
  const config = loadConfig(regionArgs, env);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    out(await createToken(db, spec.data));
  } finally {
    await db.close();
  }
  return 0;
}
