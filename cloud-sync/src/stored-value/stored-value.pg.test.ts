import { storedValueSuite } from "./stored-value.suite.ts";

storedValueSuite("postgres");
