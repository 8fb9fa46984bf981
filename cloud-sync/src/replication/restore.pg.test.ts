import { restoreSuite } from "./restore.suite.ts";

restoreSuite("postgres");
