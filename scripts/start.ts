/**
 * `pnpm start`: the whole chain on one machine — regions A and B (PGlite, or PostgreSQL with
 * DATABASE_URL_A / DATABASE_URL_B), the processor simulator and one register's agent with its
 * screens — keeping its data under TENDERLINE_DATA_DIR (default ./.tenderline). Ctrl-C stops it.
 * `pnpm start --instances 2` runs each region as two instances behind HAProxy (PostgreSQL only).
 * `pnpm start --help` lists its flags and the environment variables it reads.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Chain, ChainTokensSchema, DEMO_MANAGER } from "@tenderline/e2e/chain";
import { parseListeningLine } from "@tenderline/shared/process";
import { checkStartEnvironment, parseStartArgs, ScriptArgsError, START_USAGE, type StartArgs } from "./script-args.ts";

let args: StartArgs;
try {
  args = parseStartArgs(process.argv.slice(2));
  if (args.help) {
    console.log(START_USAGE);
    process.exit(0);
  }
  checkStartEnvironment(args, process.env);
} catch (error) {
  if (!(error instanceof ScriptArgsError)) throw error;
  console.error(`tenderline: ${error.message}`);
  process.exit(2);
}

const dataDir = resolve(process.env.TENDERLINE_DATA_DIR ?? ".tenderline");
mkdirSync(dataDir, { recursive: true });
const tokensFile = join(dataDir, "tokens.json");
const tokens = existsSync(tokensFile) ? ChainTokensSchema.parse(JSON.parse(readFileSync(tokensFile, "utf8"))) : undefined;
const storeId = process.env.TENDERLINE_DEMO_STORE ?? "store-001";
const registerId = process.env.TENDERLINE_DEMO_REGISTER ?? "reg-01";
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const chain = new Chain({
  dataDir,
  stores: [{ storeId, registers: [registerId] }],
  regionPorts: { A: port("TENDERLINE_PORT_A", 7431), B: port("TENDERLINE_PORT_B", 7432) },
  processorPort: port("TENDERLINE_PORT_PROCESSOR", 7440),
  agentPorts: { [registerId]: port("TENDERLINE_PORT_AGENT", 7420) },
  databaseUrls: { A: process.env.DATABASE_URL_A, B: process.env.DATABASE_URL_B },
  instancesPerRegion: args.instances,
  tokens,
  logLevel: process.env.TENDERLINE_LOG_LEVEL ?? "warn",
  onLine: (service, line) => {
    if (!parseListeningLine(line)) process.stderr.write(`[${service}] ${line}\n`);
  },
});

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping the chain…");
  await chain.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

try {
  await chain.start();
} catch (error) {
  console.error(`tenderline: the chain did not start: ${(error as Error).message}`);
  await stop(1);
}
writeFileSync(tokensFile, `${JSON.stringify(chain.tokens, null, 2)}\n`, { mode: 0o600 });
const agent = chain.agents.get(registerId);
const balanced = (region: string) => (chain.balancers.has(region) ? `, HAProxy over ${args.instances} instances` : "");
/** With instances: where each region's balancer, its stats page and config, and each instance are. */
function instanceLines(): string {
  if (args.instances === 1) return "";
  return ["A", "B"]
    .map((region) => {
      const balancer = chain.balancers.get(region);
      const instances = chain.regionInstances(region).map((p, i) => `${region}[${i}] ${p.url}`);
      return `  Region ${region} balancer  stats ${balancer?.statsUrl}  config ${balancer?.configFile}
                        instances ${instances.join(", ")}
`;
    })
    .join("");
}
console.log(`
Tenderline is running (data in ${dataDir}; Ctrl-C stops it)

  Cashier screen        ${agent?.url}/
  Store manager screen  ${agent?.url}/manager
  Register API          ${agent?.url}/api/v1/queue
  Region A              ${chain.regionUrl("A")}/v1/health  (${process.env.DATABASE_URL_A ? "PostgreSQL" : "PGlite"}${balanced("A")})
  Region B              ${chain.regionUrl("B")}/v1/health  (${process.env.DATABASE_URL_B ? "PostgreSQL" : "PGlite"}${balanced("B")})
${instanceLines()}  Processor simulator   ${chain.processorUrl}/v1/health

  Demo store            ${storeId} (register ${registerId})
  Register credential   ${chain.tokens.registers?.[registerId]}   (writes register ${registerId} only)
  Store token           ${chain.tokens.stores[storeId]}   (tooling: the store's exceptions and registers)
  Consumer token        ${chain.tokens.consumer}   (GET /v1/feed)
  Admin token           ${chain.tokens.admin}
  Demo manager          ${DEMO_MANAGER.id}, PIN ${DEMO_MANAGER.pin}  (approves overrides, retries, pause/resume)
`);
