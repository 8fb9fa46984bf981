import { ledgerIndexerSuite } from "./ledger-indexer.suite.ts";

ledgerIndexerSuite("pglite");
