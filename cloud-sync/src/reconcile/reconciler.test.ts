import { reconcilerSuite } from "./reconciler.suite.ts";

reconcilerSuite("pglite");
