import { digestSuite } from "./digest.suite.ts";

digestSuite("postgres");
