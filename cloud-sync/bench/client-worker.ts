/**
 * The benchmark's HTTP client, on its own thread so the region under test (in the main thread)
 * does not share its event loop with the client: like registers on other machines.
 */
import { parentPort } from "node:worker_threads";
import { makeBatches, postAll } from "./batches.ts";

type Message =
  | { op: "prepare"; count: number }
  | { op: "post"; url: string; fromBatch: number; toBatch: number; lanes: number }
  | { op: "stream"; url: string; from: number; count: number; lanes: number };

let bodies: Buffer[] = [];
parentPort?.on("message", (msg: Message) => {
  const reply = (value: unknown) => parentPort?.postMessage(value);
  const fail = (error: unknown) => parentPort?.postMessage({ error: (error as Error).message });
  if (msg.op === "prepare") {
    bodies = makeBatches(msg.count).map((b) => Buffer.from(b.body));
    reply({ ok: true });
  } else if (msg.op === "post") {
    postAll(msg.url, bodies.slice(msg.fromBatch, msg.toBatch), msg.lanes).then((ms) => reply({ ms }), fail);
  } else {
    postAll(
      msg.url,
      makeBatches(msg.count, msg.from).map((b) => Buffer.from(b.body)),
      msg.lanes,
    ).then((ms) => reply({ ms }), fail);
  }
});
