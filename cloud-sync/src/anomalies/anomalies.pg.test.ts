import { anomaliesSuite } from "./anomalies.suite.ts";

anomaliesSuite("postgres");
