import type { Database } from "../storage/database.ts";

/**
 * A peer's log was rewound (it said so: a new epoch): everything learnt from its old history is
 * dropped. The cursor goes back to 0 under the new epoch (the re-scan is idempotent), and what
 * the peer was known to hold per register is forgotten, so replicatedSeq stops telling registers
 * that it holds what it may have lost; its pages teach it again.
 */
export async function restartPeer(db: Database, peer: string, epoch: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO peer_cursors (peer, cursor, epoch, cursor_record) VALUES ($1, 0, $2, NULL)
       ON CONFLICT (peer) DO UPDATE SET cursor = 0, epoch = EXCLUDED.epoch, cursor_record = NULL`,
      [peer, epoch],
    );
    await tx.query("DELETE FROM peer_watermarks WHERE peer = $1", [peer]);
  });
}
