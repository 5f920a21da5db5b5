import { databaseUnavailability } from './database-errors.js';

const errno = (code: string, syscall: string) =>
  Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

describe('databaseUnavailability', () => {
  it.each([
    ['a refused TCP connection', errno('ECONNREFUSED', 'connect'), 'unavailable'],
    ["the embedded cluster's Unix socket gone (it is down)", errno('ENOENT', 'connect'), 'unavailable'],
    ['any other failure to connect', errno('EACCES', 'connect'), 'unavailable'],
    ['a reset connection', errno('ECONNRESET', 'read'), 'unavailable'],
    ['statement_timeout', Object.assign(new Error('canceling statement'), { code: '57014' }), 'timeout'],
    ["the client's own read timeout (a frozen server)", new Error('Query read timeout'), 'timeout'],
    [
      'a restarting server',
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      'unavailable',
    ],
    [
      'the same, wrapped by TypeORM',
      Object.assign(new Error('query failed'), { driverError: errno('ENOENT', 'connect') }),
      'unavailable',
    ],
  ])('%s is unavailability (503)', (_name, error, kind) => {
    expect(databaseUnavailability(error)).toBe(kind);
  });

  it.each([
    ['a missing file (not a connection)', errno('ENOENT', 'open')],
    ['a unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a check violation', Object.assign(new Error('violates check constraint'), { code: '23514' })],
    ['a plain error', new Error('something else')],
  ])('%s is not', (_name, error) => {
    expect(databaseUnavailability(error)).toBeNull();
  });
});
