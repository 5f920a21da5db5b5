import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** Session revocation, for other modules (a user's role, office, password or status changed). */
@Injectable()
export class SessionService {
  /** Revokes every open session of the user inside the caller's transaction; returns how many. */
  async revokeAll(em: EntityManager, userId: string): Promise<number> {
    const rows = (await em.query(
      `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`,
      [userId],
    )) as unknown[];
    return rows.length;
  }
}
