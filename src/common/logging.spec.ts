import { Writable } from 'node:stream';
import fc from 'fast-check';
import { SUBJECT_FIELDS } from '../policy/index.js';
import { createLogger, DeferredChildLogger, requestLineLogger, serializeError } from './logging.js';

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

  describe('the line of an answered request (written without the redaction pass)', () => {
    /** A request as Fastify hands it over: besides the logged fields, headers, a query and a body. */
    const request = fc.record({
      id: fc.uuid(),
      method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE'),
      path: fc.constantFrom('/v1/cases', '/v1/cases/import', '/v1/auth/login', '/health'),
      query: fc.string({ minLength: 1 }),
      ip: fc.constantFrom('127.0.0.1', '::1', '10.0.0.7'),
      secret: fc.string({ minLength: 8 }).map((s) => `canary-${s}`),
      statusCode: fc.integer({ min: 100, max: 599 }),
      elapsedTime: fc.double({ min: 0, max: 1e6, noNaN: true }),
    });

    it('holds exactly its id, method, path without the query, address, status and time', () => {
      fc.assert(
        fc.property(request, (r) => {
          const { lines, stream } = capture();
          const log = requestLineLogger(createLogger({ level: 'info', stream }));
          log(
            {
              id: r.id,
              method: r.method,
              url: `${r.path}?q=${encodeURIComponent(r.query)}&givenName=${encodeURIComponent(r.secret)}`,
              ip: r.ip,
              headers: { authorization: `Bearer ${r.secret}`, cookie: r.secret },
              body: { password: r.secret, subject: { givenName: r.secret } },
            } as never,
            { statusCode: r.statusCode, elapsedTime: r.elapsedTime },
          );
          expect(lines).toHaveLength(1);
          const line = JSON.parse(lines[0]) as Record<string, unknown>;
          expect(Object.keys(line).sort()).toEqual(
            ['hostname', 'level', 'msg', 'pid', 'reqId', 'req', 'res', 'responseTime', 'time'].sort(),
          );
          expect(line).toMatchObject({
            level: 30,
            msg: 'request completed',
            reqId: r.id,
            req: { id: r.id, method: r.method, path: r.path, ip: r.ip },
            res: { statusCode: r.statusCode },
            responseTime: r.elapsedTime,
          });
          expect(Object.keys(line.req as object).sort()).toEqual(['id', 'ip', 'method', 'path']);
          expect(Object.keys(line.res as object)).toEqual(['statusCode']);
          expect(lines[0]).not.toContain('canary-');
        }),
      );
    });

    it('leaves the redaction of every other line in place', () => {
      const { lines, stream } = capture();
      const logger = createLogger({ level: 'info', stream });
      requestLineLogger(logger);
      logger.info({ body: { password: 'hunter2-long-pass' }, givenName: 'Amina' }, 'other');
      expect(lines.join('')).not.toContain('hunter2-long-pass');
      expect(lines.join('')).not.toContain('Amina');
    });

    it('follows the level: nothing below info', () => {
      const { lines, stream } = capture();
      requestLineLogger(createLogger({ level: 'warn', stream }))(
        { id: 'x', method: 'GET', url: '/health', ip: '::1' },
        { statusCode: 200, elapsedTime: 1 },
      );
      expect(lines).toHaveLength(0);
    });
  });

  describe('DeferredChildLogger (request.log, made on first use)', () => {
    const setup = (level = 'info') => {
      const { lines, stream } = capture();
      const parent = createLogger({ level, stream });
      let made = 0;
      // Counted on the parent only: pino's children inherit the parent's methods (Object.create).
      const original = parent.child;
      parent.child = function (this: typeof parent, ...args: Parameters<typeof original>) {
        if (this === parent) made++;
        return original.apply(this, args);
      } as typeof original;
      return { lines, parent, made: () => made };
    };

    it('makes no child for a request that logs nothing, or only below the level', () => {
      const s = setup('info');
      const log = new DeferredChildLogger(s.parent, { reqId: 'r-1' }, {});
      expect(s.made()).toBe(0);
      log.debug({ x: 1 }, 'not written');
      log.trace('not written');
      expect(log.level).toBe('info');
      expect(s.made()).toBe(0);
      expect(s.lines).toEqual([]);
    });

    it('a line through it is the child’s: the request id bound, redacted like every other line', () => {
      const s = setup('info');
      const log = new DeferredChildLogger(s.parent, { reqId: 'r-2' }, {});
      log.error(
        { req: { headers: { authorization: 'Bearer canary-token' } }, givenName: 'canary-name' },
        'failed',
      );
      log.warn('second');
      expect(s.made()).toBe(1);
      const [first, second] = s.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(first).toMatchObject({ reqId: 'r-2', level: 50, msg: 'failed' });
      expect(second).toMatchObject({ reqId: 'r-2', level: 40, msg: 'second' });
      expect(s.lines.join('')).not.toContain('canary');
    });

    it('its own children keep both bindings; a level set on it is the child’s', () => {
      const s = setup('info');
      const log = new DeferredChildLogger(s.parent, { reqId: 'r-3' }, {});
      log.child({ part: 'x' }).info('nested');
      expect(JSON.parse(s.lines[0]) as object).toMatchObject({ reqId: 'r-3', part: 'x', msg: 'nested' });
      log.level = 'debug';
      log.debug('now written');
      expect(s.lines).toHaveLength(2);
      expect(s.parent.level).toBe('info');
    });

    it('a route’s own log level applies to the child it makes', () => {
      const s = setup('info');
      const log = new DeferredChildLogger(s.parent, { reqId: 'r-4' }, { level: 'warn' });
      expect(log.level).toBe('warn');
      log.info('below the route’s level');
      log.warn('written');
      expect(s.lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['written']);
      // And a route level below the service's lets that route's lines through.
      const verbose = new DeferredChildLogger(s.parent, { reqId: 'r-5' }, { level: 'debug' });
      verbose.debug('a route at debug');
      expect(s.lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain('a route at debug');
    });
  });
});
