import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { AuthenticatedPrincipal } from '../common/request-context.js';
import type { AuthService } from './auth.service.js';
import type { DenialSummaryService } from './denial-summary.service.js';
import { SessionCache } from './session-cache.js';
import { SessionConfirmHook, type GuardedRequest } from './session-confirm.hook.js';
import { SessionConfirmation } from './session-confirmation.service.js';

const principal: AuthenticatedPrincipal = {
  id: 'user-1',
  username: 'u1',
  role: 'caseworker',
  officeId: 'office-1',
  approvedUntil: null,
  sessionId: 'session-1',
};

/** A reply that records what the hook set on it. */
function fakeReply() {
  const state = {
    status: 200,
    headers: new Map<string, string>([
      ['etag', '"v1"'],
      ['location', '/x'],
    ]),
  };
  const reply = {
    code(status: number) {
      state.status = status;
      return reply;
    },
    headers(values: Record<string, string>) {
      for (const [name, value] of Object.entries(values)) state.headers.set(name.toLowerCase(), value);
      return reply;
    },
    header(name: string, value: string) {
      state.headers.set(name.toLowerCase(), value);
      return reply;
    },
    removeHeader(name: string) {
      state.headers.delete(name);
      return reply;
    },
  };
  return { reply: reply as unknown as FastifyReply, state };
}

function setup(current: AuthenticatedPrincipal | null | Error) {
  const lookups: unknown[] = [];
  const denials: unknown[] = [];
  const auth = {
    principalFor: async (payload: unknown) => {
      lookups.push(payload);
      if (current instanceof Error) throw current;
      return current;
    },
  } as unknown as AuthService;
  const summary = {
    deny: async (_ctx: unknown, denial: unknown) => {
      denials.push(denial);
    },
  } as unknown as DenialSummaryService;
  const cache = new SessionCache();
  const hook = new SessionConfirmHook(new SessionConfirmation(auth, cache), summary);
  const logged: string[] = [];
  const send = async (
    payload: unknown,
    user: AuthenticatedPrincipal | undefined,
    extra: Partial<GuardedRequest> = {},
  ) => {
    const request = {
      user,
      id: 'r1',
      headers: {},
      ip: '127.0.0.1',
      accessAction: 'case.read',
      log: { error: () => logged.push('error'), warn: () => logged.push('warn') },
      ...extra,
    } as unknown as GuardedRequest;
    const { reply, state } = fakeReply();
    const sent = await hook.onSend(request, reply, payload);
    return { sent, state, request };
  };
  return { send, lookups, denials, cache, logged };
}

const unconfirmed = () => ({ ...principal, sessionCheck: { confirmed: false } });
const bodyOf = (sent: unknown) => JSON.parse(sent as string) as { statusCode: number; message: string };

describe('SessionConfirmHook (onSend)', () => {
  it('leaves answers without a cached principal alone (no lookup)', async () => {
    const s = setup(null);
    expect((await s.send('ok', principal)).sent).toBe('ok');
    expect((await s.send('ok', undefined)).sent).toBe('ok');
    expect(s.lookups).toEqual([]);
    expect(s.denials).toEqual([]);
  });

  it('answers at once when the statement confirmed the session', async () => {
    const s = setup(null);
    const user = { ...principal, sessionCheck: { confirmed: true } };
    expect((await s.send('ok', user)).sent).toBe('ok');
    expect(s.lookups).toEqual([]);
  });

  it('looks an unconfirmed session up: the answer if still valid, else one 401 in its place and one denial', async () => {
    const valid = setup(principal);
    const user = unconfirmed();
    expect((await valid.send('ok', user)).sent).toBe('ok');
    expect(valid.lookups).toHaveLength(1);
    expect(user.sessionCheck.confirmed).toBe(true);

    const revoked = setup(null);
    const { sent, state } = await revoked.send('{"secret":"case data"}', unconfirmed());
    expect(state.status).toBe(401);
    expect(bodyOf(sent)).toMatchObject({ statusCode: 401, message: 'Authentication required' });
    expect(sent).not.toContain('secret');
    // The answer's own headers go with it; the 401 is JSON.
    expect(state.headers.has('etag')).toBe(false);
    expect(state.headers.has('location')).toBe(false);
    expect(state.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(revoked.lookups).toHaveLength(1);
    expect(revoked.denials).toEqual([{ action: 'case.read', reason: 'invalid_token' }]);
  });

  it('a changed principal (role, office) is a 401 too', async () => {
    const s = setup({ ...principal, role: 'supervisor' });
    expect((await s.send('ok', unconfirmed())).state.status).toBe(401);
    expect(s.denials).toHaveLength(1);
  });

  it('closes a streamed answer it replaces', async () => {
    const s = setup(null);
    const stream = Readable.from(['line 1\n', 'line 2\n']);
    const { sent, state } = await s.send(stream, unconfirmed());
    expect(state.status).toBe(401);
    expect(typeof sent).toBe('string');
    expect(stream.destroyed).toBe(true);
  });

  it('after the statement’s CT401 (already a 401 by the error filter): one denial, no lookup', async () => {
    const s = setup(principal);
    const filtered = '{"statusCode":401}';
    const { sent, state, request } = await s.send(filtered, unconfirmed(), { sessionRejected: true });
    expect(sent).toBe(filtered);
    expect(state.status).toBe(200); // the filter set the 401; the hook leaves the answer as it is
    expect(s.lookups).toEqual([]);
    expect(s.denials).toEqual([{ action: 'case.read', reason: 'invalid_token' }]);
    expect(request.user).toBeUndefined();
  });

  it('another error of an unconfirmed request: that answer if the session is valid, else a 401', async () => {
    const answered = '{"statusCode":400,"message":"Validation failed: limit must not be less than 1"}';
    const valid = setup(principal);
    expect((await valid.send(answered, unconfirmed())).sent).toBe(answered);
    const revoked = setup(null);
    const { sent, state } = await revoked.send(answered, unconfirmed());
    expect(state.status).toBe(401);
    expect(bodyOf(sent).statusCode).toBe(401);
    expect(revoked.denials).toHaveLength(1);
  });

  it('a route without an action still answers 401, with no denial to name', async () => {
    const s = setup(null);
    expect((await s.send('ok', unconfirmed(), { accessAction: undefined })).state.status).toBe(401);
    expect(s.denials).toEqual([]);
  });

  it('a database that cannot confirm the session is a 503 with Retry-After, never the answer', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const s = setup(down);
    const { sent, state } = await s.send('{"secret":"case data"}', unconfirmed());
    expect(state.status).toBe(503);
    expect(state.headers.get('retry-after')).toBe('5');
    expect(bodyOf(sent).statusCode).toBe(503);
    expect(sent).not.toContain('secret');
    expect(s.logged).toEqual(['warn']);
  });
});
