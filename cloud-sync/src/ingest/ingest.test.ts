import { ingestSuite } from "./ingest.suite.ts";

ingestSuite("pglite");
