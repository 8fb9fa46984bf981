import { maskPans, maskPansIn } from "@tenderline/shared";
import pino from "pino";

export type Logger = pino.Logger;

/**
 * JSON logs on stderr (stdout carries the `{"listening":port}` line parent processes read).
 * Every string that goes out is PAN-masked as a last line of defence; request bodies are never logged.
 */
export function createLogger(region: string, level: string, destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: { region },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === "string" ? maskPans(a) : a)) as Parameters<typeof method>);
        },
      },
      formatters: {
        log: (object) => maskPansIn(object) as Record<string, unknown>,
      },
    },
    destination,
  );
}
