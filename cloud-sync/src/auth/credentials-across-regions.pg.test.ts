import { credentialsAcrossRegionsSuite } from "./credentials-across-regions.suite.ts";

credentialsAcrossRegionsSuite("postgres");
