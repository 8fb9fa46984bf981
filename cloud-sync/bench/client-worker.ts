/**
 * The benchmark's HTTP client, on its own thread so the region under test (in the main thread)
 * does not share its event loop with the client: like registers on other machines.
 */
import { parentPort } from "node:worker_threads";
import { makeBatches, postAll } from "./batches.ts";

type Message =
  | { op: "prepare"; count: number }
  | { op: "post"; url: string; fromBatch: number; toBatch: number; lanes: number; share?: { of: number; from: number } }
  | { op: "stream"; url: string; from: number; count: number; lanes: number };

let bodies: Buffer[] = [];
parentPort?.on("message", (msg: Message) => {
  const reply = (value: unknown) => parentPort?.postMessage(value);
  const fail = (error: unknown) => parentPort?.postMessage({ error: (error as Error).message });
  if (msg.op === "prepare") {
    bodies = makeBatches(msg.count).map((b) => Buffer.from(b.body));
    reply({ ok: true });
  } else if (msg.op === "post") {
    // With a share, this client is lanes from..from+lanes-1 of `of` (batch i on lane i % of), as one
    // of several clients feeding instances of one region: each register still on one lane, in order.
    const share = msg.share;
    const slice = bodies.slice(msg.fromBatch, msg.toBatch);
    const mine = share
      ? slice.filter((_, i) => {
          const lane = (msg.fromBatch + i) % share.of;
          return lane >= share.from && lane < share.from + msg.lanes;
        })
      : slice;
    postAll(msg.url, mine, msg.lanes).then((ms) => reply({ ms }), fail);
  } else {
    postAll(
      msg.url,
      makeBatches(msg.count, msg.from).map((b) => Buffer.from(b.body)),
      msg.lanes,
    ).then((ms) => reply({ ms }), fail);
  }
});
