import { restoreSuite } from "./restore.suite.ts";

restoreSuite("pglite");
