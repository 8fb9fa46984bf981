// Electron's main entry: the app is TypeScript run through tsx's loader, exactly like
// bin/tenderline-agent.js; this file registers it and starts main.ts.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
