import { QueryFailedError } from 'typeorm';
import { SESSION_REJECTED_SQLSTATE } from './database-errors.js';
import { describeError } from './http-exception.filter.js';

describe('describeError (errors become HTTP answers in one place)', () => {
  it('a statement’s refusal of a dead session (SQLSTATE CT401) is the 401 of any invalid token', () => {
    const pgError = Object.assign(new Error('the session is no longer valid'), {
      code: SESSION_REJECTED_SQLSTATE,
    });
    const wrapped = new QueryFailedError('SELECT 1', [], pgError);
    for (const error of [pgError, wrapped]) {
      expect(describeError(error)).toEqual({ status: 401, message: 'Authentication required', headers: {} });
    }
  });

  it('other database errors are not mistaken for it', () => {
    const other = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(describeError(other).status).toBe(500);
    expect(describeError(new QueryFailedError('SELECT 1', [], other)).status).toBe(500);
  });
});
