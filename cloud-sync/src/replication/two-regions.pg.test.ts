import { twoRegionsSuite } from "./two-regions.suite.ts";

twoRegionsSuite("postgres");
