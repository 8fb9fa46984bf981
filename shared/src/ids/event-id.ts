import { v7 as uuidv7, validate, version } from "uuid";

/** A new UUIDv7: time-ordered, minted when an event is recorded; it is the idempotency key. */
export function newEventId(): string {
  return uuidv7();
}

export function isEventId(value: string): boolean {
  return validate(value) && version(value) === 7;
}

/** A UUIDv7 for other records (transactions, tenders) that want time-ordered ids. */
export const newId = newEventId;
