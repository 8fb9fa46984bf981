import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";

/**
 * How a manager's PIN is kept in a register's config: `scrypt:N:r:p:salt:hash` (base64url salt
 * and hash). scrypt is slow and memory-hard on purpose, so a config file that leaks does not give
 * the PINs away cheaply; the salt makes every hash its own. Written once here, for the agent and
 * for whoever provisions registers.
 */
export const PIN_HASH_PATTERN = /^scrypt:\d+:\d+:\d+:[A-Za-z0-9_-]{16,}:[A-Za-z0-9_-]{32,}$/;

export const PIN_RULE = "a PIN is 6 to 64 characters";
const PIN_MIN = 6;
const PIN_MAX = 64;
const DEFAULT_COST = { N: 16_384, r: 8, p: 1 };
const KEY_LENGTH = 32;

export class PinFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PinFormatError";
  }
}

function derive(pin: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(pin.normalize("NFKC"), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export function checkPinRule(pin: string): void {
  if (pin.length < PIN_MIN || pin.length > PIN_MAX) throw new PinFormatError(`${PIN_RULE}; this one has ${pin.length}`);
}

/** Hashes a PIN for the config. Runs on libuv's thread pool, not the event loop. */
export async function hashPin(pin: string, cost = DEFAULT_COST): Promise<string> {
  checkPinRule(pin);
  const salt = randomBytes(16);
  const key = await derive(pin, salt, cost);
  return `scrypt:${cost.N}:${cost.r}:${cost.p}:${salt.toString("base64url")}:${key.toString("base64url")}`;
}

/** True when `pin` hashes to `stored`; compares in constant time. A malformed hash is an error, not a "no". */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  if (!PIN_HASH_PATTERN.test(stored)) throw new PinFormatError("the stored PIN hash is not in the scrypt:N:r:p:salt:hash form");
  const [, n, r, p, salt, hash] = stored.split(":") as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64url");
  if (pin.length > PIN_MAX) return false;
  const key = await derive(pin, Buffer.from(salt, "base64url"), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
