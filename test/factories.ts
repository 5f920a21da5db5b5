import { ROLES, type Role } from '../src/policy/index.js';
import { ADMIN_PASSWORD, type TestApp } from './test-app.js';

export const PASSWORD = 'correct-horse-battery';

export async function login(t: TestApp, username: string, password: string): Promise<string> {
  const res = await t.http().post('/v1/auth/login').send({ username, password });
  if (res.status !== 200) throw new Error(`login of ${username} failed: ${res.status}`);
  return (res.body as { accessToken: string }).accessToken;
}

export const adminToken = (t: TestApp) => login(t, 'admin', ADMIN_PASSWORD);

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

export async function createOffice(
  t: TestApp,
  admin: string,
  countryCode = 'PH',
): Promise<{ id: string; code: string }> {
  const res = await t
    .http()
    .post('/v1/offices')
    .set('Authorization', `Bearer ${admin}`)
    .send({ code: unique('OF').toUpperCase(), name: 'Field office', countryCode });
  if (res.status !== 201)
    throw new Error(`office creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; code: string };
}

export interface TestUser {
  id: string;
  username: string;
  role: Role;
  officeId: string | null;
  token: string;
}

export async function createUser(
  t: TestApp,
  admin: string,
  role: Role,
  officeId: string | null = null,
): Promise<TestUser> {
  const username = unique(role.slice(0, 4));
  const body: Record<string, unknown> = { username, password: PASSWORD, role };
  if (role === 'caseworker' || role === 'supervisor') body.officeId = officeId;
  if (role === 'researcher') body.approvedUntil = '2099-12-31';
  const res = await t.http().post('/v1/users').set('Authorization', `Bearer ${admin}`).send(body);
  if (res.status !== 201) throw new Error(`user creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  const user = res.body as { id: string };
  return {
    id: user.id,
    username,
    role,
    officeId: (body.officeId as string | null) ?? null,
    token: await login(t, username, PASSWORD),
  };
}

/** One user of every role; caseworker and supervisor in `officeId`. */
export async function usersOfEveryRole(
  t: TestApp,
  admin: string,
  officeId: string,
): Promise<Record<Role, TestUser>> {
  const entries = await Promise.all(
    ROLES.map(async (role) => [role, await createUser(t, admin, role, officeId)] as const),
  );
  return Object.fromEntries(entries) as Record<Role, TestUser>;
}

/** The contract's example case (API.md), with overrides. */
export function exampleCase(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    subject: {
      givenName: 'Amina',
      familyName: 'Haddad',
      dateOfBirth: '2004-05-17',
      documentNumber: 'P1234567',
    },
    narrative: 'Recruited through a job advert.',
    registrationDate: '2021-03-02',
    gender: 'female',
    citizenship: 'PH',
    countryOfExploitation: 'MY',
    exploitationTypes: ['forcedLabour'],
    labourSectors: ['domesticWork'],
    meansOfControl: ['withholdsDocuments', 'restrictsMovement'],
    sexualExploitationTypes: [],
    recruiterRelationships: ['other'],
    isAbduction: false,
    consent: { research: true },
    ...overrides,
  };
}

export async function createCase(
  t: TestApp,
  token: string,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; version: number }> {
  const res = await t
    .http()
    .post('/v1/cases')
    .set('Authorization', `Bearer ${token}`)
    .send(exampleCase(overrides));
  if (res.status !== 201) throw new Error(`case creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; version: number };
}
