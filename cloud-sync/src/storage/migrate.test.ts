import { migrateSuite } from "./migrate.suite.ts";

migrateSuite("pglite");
