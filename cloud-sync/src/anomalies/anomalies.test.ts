import { anomaliesSuite } from "./anomalies.suite.ts";

anomaliesSuite("pglite");
