import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** Session revocation, for other modules (a user's role, office, password or status changed). */
@Injectable()
export class SessionService {
  /**
   * Revokes every open session of the user inside the caller's transaction; returns how many. (A SELECT over
   * the UPDATE: TypeORM answers an UPDATE's query() as [rows, rowCount], whose length is always 2.)
   */
  async revokeAll(em: EntityManager, userId: string): Promise<number> {
    const [row] = (await em.query(
      `WITH revoked AS (
         UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING 1
       )
       SELECT count(*)::int AS n FROM revoked`,
      [userId],
    )) as { n: number }[];
    return row.n;
  }
}
