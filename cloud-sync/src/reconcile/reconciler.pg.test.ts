import { reconcilerSuite } from "./reconciler.suite.ts";

reconcilerSuite("postgres");
