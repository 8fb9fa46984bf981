import { ledgerIndexerSuite } from "./ledger-indexer.suite.ts";

ledgerIndexerSuite("postgres");
