/** The worker side of ClassifyPool: parse and classify one batch body per message. */
import { parentPort } from "node:worker_threads";
import { parseBatch } from "./parse-batch.ts";

parentPort?.on("message", (msg: { id: number; text: string }) => {
  try {
    parentPort?.postMessage({ id: msg.id, result: parseBatch(msg.text) });
  } catch (error) {
    parentPort?.postMessage({ id: msg.id, error: (error as Error).message });
  }
});
