/** The worker side of ClassifyPool: parse and classify one batch body per message. */
import { parentPort } from "node:worker_threads";
import { parseBatchBytes } from "./parse-batch.ts";

parentPort?.on("message", (msg: { id: number; body: ArrayBuffer }) => {
  try {
    parentPort?.postMessage({ id: msg.id, result: parseBatchBytes(msg.body) });
  } catch (error) {
    parentPort?.postMessage({ id: msg.id, error: (error as Error).message });
  }
});
