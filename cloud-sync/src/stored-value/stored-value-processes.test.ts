import { storedValueProcessesSuite } from "./stored-value-processes.suite.ts";

storedValueProcessesSuite("pglite");
