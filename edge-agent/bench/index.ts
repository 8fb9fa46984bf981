/** `pnpm bench` for the edge agent: record, sync, then fleet, one at a time (they would distort each other if run together). */
import { writeBenchOut } from "./bench-out.ts";
import { fleetBench } from "./fleet-bench.ts";
import { recordBench } from "./record-bench.ts";
import { syncBench } from "./sync-bench.ts";

const record = await recordBench();
writeBenchOut({ record });
const sync = await syncBench();
writeBenchOut({ sync });
const fleet = await fleetBench();
writeBenchOut({ fleet });
