/** `pnpm bench` for the edge agent: each benchmark in turn (they would distort each other if run together). */
import { writeBenchOut } from "./bench-out.ts";
import { recordBench } from "./record-bench.ts";

const record = await recordBench();
writeBenchOut({ record });
