import { migrateSuite } from "./migrate.suite.ts";

migrateSuite("postgres");
