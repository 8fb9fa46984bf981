#!/usr/bin/env node
// The processor simulator as a command: registers tsx so the TypeScript sources run as they are.
import { register } from "tsx/esm/api";

register();
await import("../src/processor/simulator-main.ts");
