export * from "./chain.ts";
export * from "./free-port.ts";
export * from "./gift-cards.ts";
export * from "./link-proxy.ts";
export * from "./order-channel.ts";
export * from "./region-snapshot.ts";
export * from "./service-process.ts";
export * from "./until.ts";
