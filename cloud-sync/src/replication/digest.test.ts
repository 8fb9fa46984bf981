import { digestSuite } from "./digest.suite.ts";

digestSuite("pglite");
