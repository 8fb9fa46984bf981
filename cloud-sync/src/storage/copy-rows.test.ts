import { copyRowsSuite } from "./copy-rows.suite.ts";

copyRowsSuite("pglite");
