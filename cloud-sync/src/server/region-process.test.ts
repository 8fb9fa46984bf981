import { regionProcessSuite } from "./region-process.suite.ts";

regionProcessSuite("pglite");
