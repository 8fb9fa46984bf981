import { regionProcessSuite } from "./region-process.suite.ts";

regionProcessSuite("postgres");
