import { RegionClient } from "@tenderline/shared";

export interface TestTokens {
  store: Record<string, string>;
  admin: string;
  consumer: string;
}

/** The shared region client under each of a test's credentials, for tests that drive real region processes. */
export interface RegionAs {
  readonly url: string;
  readonly admin: RegionClient;
  readonly consumer: RegionClient;
  store(storeId: string): RegionClient;
}

export function regionAs(url: string, tokens: TestTokens): RegionAs {
  const stores = new Map<string, RegionClient>();
  return {
    url,
    admin: new RegionClient(url, tokens.admin),
    consumer: new RegionClient(url, tokens.consumer),
    store(storeId) {
      const token = tokens.store[storeId];
      if (token === undefined) throw new Error(`no test credential for store ${storeId}`);
      const client = stores.get(storeId) ?? new RegionClient(url, token);
      stores.set(storeId, client);
      return client;
    },
  };
}
