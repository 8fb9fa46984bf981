#!/usr/bin/env node
// The installed command: registers tsx so the TypeScript sources run as they are, then starts main.ts.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
