import { ingestSuite } from "./ingest.suite.ts";

ingestSuite("postgres");
