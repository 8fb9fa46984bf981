/** The worker side of ClassifyPool: parse and classify one batch body per message. */
import { parentPort } from "node:worker_threads";
import { parseBatchBytes } from "./parse-batch.ts";
import type { BatchWriter } from "./writer-scope.ts";

parentPort?.on("message", (msg: { id: number; body: ArrayBuffer; writer: BatchWriter }) => {
  try {
    parentPort?.postMessage({ id: msg.id, result: parseBatchBytes(msg.body, msg.writer) });
  } catch (error) {
    parentPort?.postMessage({ id: msg.id, error: (error as Error).message });
  }
});
