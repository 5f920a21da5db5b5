import { CoalescerWaitTimeout } from './coalescer.js';
import { databaseUnavailability, isStatementRefused } from './database-errors.js';

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
    ['no free statement within the connection budget', new CoalescerWaitTimeout('case.create'), 'timeout'],
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

describe('isStatementRefused', () => {
  const wrapped = (driverError: unknown) => Object.assign(new Error('query failed'), { driverError });
  it.each([
    ['a check violation', Object.assign(new Error('violates check constraint'), { code: '23514' })],
    [
      'a rejected session, wrapped by TypeORM',
      wrapped(Object.assign(new Error('no longer valid'), { code: 'CT401' })),
    ],
    ['a data error', wrapped(Object.assign(new Error('invalid input syntax'), { code: '22P02' }))],
  ])('%s: the statement was refused, its parts may be tried apart', (_name, error) => {
    expect(isStatementRefused(error)).toBe(true);
  });

  it.each([
    ['a lost connection (the commit may have happened)', wrapped(errno('ECONNRESET', 'read'))],
    ["the client's own read timeout", new Error('Query read timeout')],
    ['statement_timeout', Object.assign(new Error('canceling statement'), { code: '57014' })],
    ['an administrator shutdown', wrapped(Object.assign(new Error('terminating'), { code: '57P01' }))],
    ['an error of our own code (no SQLSTATE)', new Error('the audited insert did not return every row')],
    ['an errno that is not a SQLSTATE', errno('ENOENT', 'open')],
    ['an errno of five capitals', errno('EBUSY', 'write')],
  ])('%s is not', (_name, error) => {
    expect(isStatementRefused(error)).toBe(false);
  });
});
