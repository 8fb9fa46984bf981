// The payment processor as the rest of cloud-sync sees it: the interface, its HTTP adapter, and
// the simulator (in-process app or child process) for tests, the demo and the drill.
export * from "./authority-errors.ts";
export * from "./auto-approve.ts";
export * from "./http-tender-authority.ts";
export * from "./settlement-book.ts";
export * from "./settlement-wire.ts";
export * from "./simulator-app.ts";
export * from "./simulator-process.ts";
export * from "./tender-authority.ts";
