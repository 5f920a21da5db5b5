import { Writable } from 'node:stream';
import { SUBJECT_FIELDS } from '../policy/index.js';
import { createLogger, serializeError } from './logging.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { lines, stream };
}

describe('logging', () => {
  it('redacts authorization headers, passwords and every subject field', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info', stream });
    logger.info(
      {
        req: { headers: { authorization: 'Bearer secret-token' } },
        body: { password: 'hunter2-long-pass', subject: { givenName: 'Amina' }, narrative: 'story' },
        givenName: 'Amina',
      },
      'request',
    );
    const line = lines.join('');
    for (const secret of ['secret-token', 'hunter2-long-pass', 'Amina', 'story'])
      expect(line).not.toContain(secret);
    expect(line).toContain('[redacted]');
  });

  it.each(SUBJECT_FIELDS)('redacts the subject field %s at the top level and one level down', (field) => {
    const { lines, stream } = capture();
    createLogger({ level: 'info', stream }).info({ [field]: 'canary-1', body: { [field]: 'canary-2' } }, 'x');
    expect(lines.join('')).not.toContain('canary');
  });

  it('logs request paths without their query string (search values may be identity values)', () => {
    const { lines, stream } = capture();
    createLogger({ level: 'info', stream }).info(
      { req: { method: 'GET', url: '/v1/cases?givenName=Amina' } },
      'in',
    );
    expect(lines.join('')).toContain('"/v1/cases"');
    expect(lines.join('')).not.toContain('Amina');
  });

  it('keeps only SQLSTATE, table and constraint of a database error (its message may quote a value)', () => {
    const pgError = Object.assign(new Error('invalid input syntax for type date: "Amina"'), {
      code: '22007',
      severity: 'ERROR',
      table: 'cases',
    });
    expect(serializeError(pgError)).toEqual({
      type: 'DatabaseError',
      code: '22007',
      table: 'cases',
      constraint: undefined,
    });
    expect(serializeError(new TypeError('boom'))).toMatchObject({ type: 'TypeError', message: 'boom' });
  });
});
