import { CredentialChangesSchema } from "@tenderline/shared";
import { applyCredentialChanges } from "../auth/credential-register.ts";
import type { Peer } from "../config/config.ts";
import type { Database } from "../storage/database.ts";
import { PullError } from "./pull-error.ts";

export interface CredentialPullSummary {
  peer: string;
  /** Records and cutoffs that changed something here. */
  changed: number;
  error?: string;
}

/**
 * Pulls a peer's credential records and store cutoffs changed since our cursor and merges them
 * (revocations only tighten, so the order of arrival does not matter). This is how a revocation
 * or rotation made at one region reaches the others: within one replication interval.
 */
export async function pullCredentials(
  db: Database,
  peer: Peer,
  options: { timeoutMs: number; limit?: number },
): Promise<CredentialPullSummary> {
  const summary: CredentialPullSummary = { peer: peer.name, changed: 0 };
  try {
    for (;;) {
      const [row] = await db.query<{ cursor: string | number }>("SELECT cursor FROM peer_credential_cursors WHERE peer = $1", [
        peer.name,
      ]);
      const cursor = Number(row?.cursor ?? 0);
      const url = new URL("/v1/replication/credentials", peer.url);
      url.searchParams.set("after", String(cursor));
      url.searchParams.set("limit", String(options.limit ?? 1000));
      let res: Response;
      try {
        res = await fetch(url, {
          headers: { authorization: `Bearer ${peer.token}` },
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw new PullError(peer.name, `unreachable (${(error as Error).message})`);
      }
      if (res.status !== 200) throw new PullError(peer.name, `answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
      const page = CredentialChangesSchema.safeParse(await res.json());
      if (!page.success) throw new PullError(peer.name, "answered with something that is not a page of credential changes");
      summary.changed += await applyCredentialChanges(db, page.data);
      await db.query(
        `INSERT INTO peer_credential_cursors (peer, cursor, last_success_at, last_error) VALUES ($1, $2, now(), NULL)
         ON CONFLICT (peer) DO UPDATE SET cursor = GREATEST(peer_credential_cursors.cursor, EXCLUDED.cursor),
           last_success_at = now(), last_error = NULL`,
        [peer.name, page.data.nextCursor],
      );
      if (page.data.nextCursor <= cursor || page.data.nextCursor >= page.data.head) break;
    }
  } catch (error) {
    summary.error = (error as Error).message;
    await db.query(
      `INSERT INTO peer_credential_cursors (peer, last_error) VALUES ($1, $2)
       ON CONFLICT (peer) DO UPDATE SET last_error = EXCLUDED.last_error`,
      [peer.name, summary.error.slice(0, 500)],
    );
  }
  return summary;
}
