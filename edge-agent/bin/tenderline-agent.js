#!/usr/bin/env node
// The agent is TypeScript run through tsx's loader; this file only registers it and starts main.ts.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
