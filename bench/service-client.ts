/**
 * What the HTTP benchmarks share: the service's admin password in a bench run, the load average for the
 * results, waiting for a started service, and a small JSON client (login, users).
 */
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';

export const BENCH_PASSWORD = 'Bench-admin-password-7Qx!';

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

export async function api<T>(
  base: string,
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 200)}`);
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
