/** `pnpm bench` for the edge agent: each benchmark in turn (they would distort each other if run together). */
import { writeBenchOut } from "./bench-out.ts";
import { recordBench } from "./record-bench.ts";
import { syncBench } from "./sync-bench.ts";

const record = await recordBench();
writeBenchOut({ record });
const sync = await syncBench();
writeBenchOut({ sync });
