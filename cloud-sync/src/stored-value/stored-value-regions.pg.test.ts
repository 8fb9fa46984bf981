import { storedValueRegionsSuite } from "./stored-value-regions.suite.ts";

storedValueRegionsSuite("postgres");
