import { maskPansIn } from "@tenderline/shared";
import pino, { type Logger } from "pino";

export type { Logger };

/**
 * The agent's logger. Every argument passes through maskPansIn before it is written: a card number
 * must never reach a log, even one that slipped into an error message.
 */
export function createLogger(options: { level: string; file?: string }): Logger {
  const destination = options.file ? pino.destination({ dest: options.file, mkdir: true, sync: false }) : pino.destination(1);
  return pino(
    {
      level: options.level,
      base: { service: "tenderline-agent" },
      // Secrets have no business in a log line; should one ever be passed by mistake, it is censored.
      redact: {
        paths: ["pin", "*.pin", "pinHash", "*.pinHash", "storeToken", "*.storeToken", "cookie", "*.cookie"],
        censor: "[secret]",
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => maskPansIn(a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
