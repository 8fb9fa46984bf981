import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("takes flags over environment variables and defaults the PGlite directory per region", () => {
    const c = loadConfig(["--port", "0"], { TENDERLINE_REGION: "eu-west", TENDERLINE_PORT: "7431" });
    expect(c).toMatchObject({ region: "eu-west", port: 0, dataDir: ".tenderline/regions/eu-west/pgdata", peers: [] });
    expect(loadConfig(["--region", "A", "--database-url", "postgres://x@h/db"], {}).dataDir).toBeUndefined();
  });

  it("parses batches on one worker thread when the machine has a core to spare, unless told otherwise", () => {
    expect(loadConfig(["--region", "A"], {}).ingestWorkers).toBe(availableParallelism() > 1 ? 1 : 0);
    expect(loadConfig(["--region", "A", "--ingest-workers", "0"], {}).ingestWorkers).toBe(0);
    expect(loadConfig(["--region", "A"], { TENDERLINE_INGEST_WORKERS: "3" }).ingestWorkers).toBe(3);
  });

  it("names the field to fix", () => {
    expect(() => loadConfig(["--region", "A", "--port", "-1"], {})).toThrow(/port/);
    expect(() => loadConfig([], {})).toThrow(/region/);
    expect(() => loadConfig(["--region", "A", "--peers", "[{"], {})).toThrow(/peers must be JSON/);
    expect(() => loadConfig(["--region", "A", "--bootstrap-tokens", '[{"token":"short","kind":"store"}]'], {})).toThrow(
      ConfigError,
    );
    expect(() => loadConfig(["--region", "A", "--nope", "1"], {})).toThrow(/--nope|nope/);
  });
});
