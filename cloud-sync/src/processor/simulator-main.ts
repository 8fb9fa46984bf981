/**
 * The payment-processor simulator as its own process:
 *   node --import tsx cloud-sync/src/processor/simulator-main.ts [--port 7440] [--host 127.0.0.1] [--auto-approve] [--data FILE] [--help]
 * Prints one JSON line `{"listening": port}` to stdout once it accepts connections; logs go to stderr.
 */
import { serve } from "@hono/node-server";
import { pino } from "pino";
import { SettlementBook } from "./settlement-book.ts";
import { createSimulatorApp } from "./simulator-app.ts";
import { parseSimulatorArgs, SIMULATOR_USAGE } from "./simulator-args.ts";

const log = pino({ name: "processor-simulator" }, pino.destination(2));

try {
  const args = parseSimulatorArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${SIMULATOR_USAGE}\n`);
    process.exit(0);
  }
  const book = new SettlementBook(args.dataFile);
  const simulator = createSimulatorApp({ book, autoApprove: args.autoApprove, logger: log });
  const server = serve({ fetch: simulator.app.fetch, port: args.port, hostname: args.host }, (info) => {
    process.stdout.write(`${JSON.stringify({ listening: info.port })}\n`);
    log.info({ port: info.port, host: args.host, autoApprove: args.autoApprove, records: book.size }, "listening");
  });
  server.on("error", (err) => {
    log.fatal({ err }, "server error");
    process.exit(1);
  });
  const stop = (signal: string) => {
    log.info({ signal }, "stopping");
    simulator.releaseHangs();
    server.close(() => process.exit(0));
    // Keep-alive sockets may hold close() open; do not let them keep the process alive.
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
} catch (err) {
  // A bad flag (SimulatorArgsError: the reason, then the usage) or an unreadable --data file: exit 2.
  process.stderr.write(`processor simulator: ${(err as Error).message}\n`);
  process.exit(2);
}
