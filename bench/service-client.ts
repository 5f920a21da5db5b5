/**
 * What the benchmarks share: the service's environment in a bench run, the admin password, the
 * load average for the results, waiting for a started service, and a small JSON client (login, users).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BENCH_PASSWORD = 'Bench-admin-password-7Qx!';

/**
 * The environment of the service as a bench starts it: production logging, the bootstrap admin, day-long
 * tokens, the per-account rate limit out of the way (one token drives each load; the limiter still runs on
 * every request, so its cost is measured, it just never refuses), its own key store (a bench's database is not
 * the checkout's: until 2026-12-03 the bench shared `.data/epoch-keys` with `npm start`, overwrote its
 * `epoch-1` key file and so made the development database's cases undecryptable), then the bench's own
 * settings and keys.
 */
export function serviceEnv(dbUrl: string, port: number, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: String(port),
    DATABASE_URL: dbUrl,
    BOOTSTRAP_ADMIN_USERNAME: 'admin',
    BOOTSTRAP_ADMIN_PASSWORD: BENCH_PASSWORD,
    JWT_TTL_SECONDS: String(24 * 3600),
    RATE_LIMIT_PER_ACCOUNT: '1000000',
    KEY_EPOCH_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ctr-bench-epochs-')),
    ...extra,
  };
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

/** Resolves once `${base}/health` answers 200; throws if the service exits first or after 150 s. */
export async function waitForHealth(child: ChildProcess, base: string, logFile: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode} (see ${logFile})`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('service did not start');
}

/** One JSON request; the response's text (throws on a status other than 2xx). */
export async function apiText(
  base: string,
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<string> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return text;
}

export async function api<T>(
  base: string,
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const text = await apiText(base, method, url, token, body);
  return (text ? JSON.parse(text) : undefined) as T;
}

export const login = async (base: string, username: string): Promise<string> =>
  (
    await api<{ accessToken: string }>(base, 'POST', '/v1/auth/login', undefined, {
      username,
      password: BENCH_PASSWORD,
    })
  ).accessToken;

let userCounter = 0;
/** Creates a user of `role` (researchers approved until 2099) and returns its token. */
export async function createUser(
  base: string,
  admin: string,
  role: string,
  options: { prefix: string; officeId?: string },
): Promise<string> {
  const username = `${options.prefix}-${role}-${++userCounter}`;
  const body: Record<string, unknown> = { username, password: BENCH_PASSWORD, role };
  if (options.officeId) body.officeId = options.officeId;
  if (role === 'researcher') body.approvedUntil = '2099-12-31';
  await api(base, 'POST', '/v1/users', admin, body);
  return login(base, username);
}
