import { returnsSuite } from "./returns.suite.ts";

returnsSuite("postgres");
