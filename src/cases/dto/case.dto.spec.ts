import { validateBody } from '../../common/validation.js';
import { CreateCaseDto, UpdateCaseDto } from './case.dto.js';

const valid = (): Record<string, unknown> => ({
  subject: {
    givenName: 'Amina',
    familyName: 'Haddad',
    dateOfBirth: '2004-05-17',
    documentNumber: 'P1234567',
  },
  narrative: 'Recruited through a job advert',
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
});

async function messageOf(cls: typeof CreateCaseDto | typeof UpdateCaseDto, body: unknown): Promise<string> {
  try {
    await validateBody(cls, body);
    return 'valid';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('CreateCaseDto', () => {
  it('accepts the API.md example', async () => {
    expect(await messageOf(CreateCaseDto, valid())).toBe('valid');
  });

  it('accepts the minimal case (given name, registration date, gender, consent)', async () => {
    const body = {
      subject: { givenName: 'A' },
      registrationDate: '2020-01-01',
      gender: 'unknown',
      consent: { research: false },
    };
    expect(await messageOf(CreateCaseDto, body)).toBe('valid');
  });

  it.each([
    [{ gender: 'FEMALE' }, 'gender'],
    [{ citizenship: 'ph' }, 'citizenship'],
    [{ citizenship: 'unknown' }, 'valid'],
    [{ registrationDate: '2023-02-30' }, 'registrationDate'],
    [{ isAbduction: 'false' }, 'isAbduction'],
    [{ exploitationTypes: 'forcedLabour' }, 'exploitationTypes'],
    [{ exploitationTypes: Array(8).fill('other') }, 'exploitationTypes'],
    [{ labourSectors: ['agriculture', 'agriculture'] }, 'labourSectors'],
    [{ subject: { givenName: 'A', nickname: 'x' } }, 'subject.nickname'],
    [{ subject: { givenName: '' } }, 'subject.givenName'],
    [{ subject: { givenName: '  ' } }, 'subject.givenName'],
    [{ subject: { givenName: 'A', phone: 'p'.repeat(41) } }, 'subject.phone'],
    [{ subject: { givenName: 'A', address: 'a'.repeat(501) } }, 'subject.address'],
    [{ subject: { givenName: 'A', dateOfBirth: '17/05/2004' } }, 'subject.dateOfBirth'],
    [{ subject: 'Amina' }, 'subject'],
    [{ consent: { research: 1 } }, 'consent.research'],
    [{ narrative: 'x\udc00' }, 'narrative'],
    [{ version: 3 }, 'version'],
    [{ pseudonym: 'a'.repeat(64) }, 'pseudonym'],
  ])('%j → %s', async (overrides, expected) => {
    const message = await messageOf(CreateCaseDto, { ...valid(), ...overrides });
    if (expected === 'valid') expect(message).toBe('valid');
    else expect(message).toContain(expected);
  });

  it('never echoes a rejected identity value', async () => {
    const message = await messageOf(CreateCaseDto, { ...valid(), subject: { givenName: 'Zz'.repeat(101) } });
    expect(message).toContain('subject.givenName');
    expect(message).not.toContain('ZzZz');
  });
});

describe('UpdateCaseDto', () => {
  it.each([
    [{ narrative: null }, 'valid'],
    [{ isAbduction: null }, 'valid'],
    [{ gender: null }, 'gender'],
    [{ consent: null }, 'consent'],
    [{ subject: null }, 'subject'],
    [{ exploitationTypes: null }, 'exploitationTypes'],
    [{ registrationDate: '2021-13-01' }, 'registrationDate'],
    // PATCH merges subject (RFC 7396): a subject without givenName keeps the stored one; null cannot remove it.
    [{ subject: { familyName: 'X' } }, 'valid'],
    [{ subject: { givenName: null } }, 'subject.givenName'],
  ])('%j → %s', async (body, expected) => {
    const message = await messageOf(UpdateCaseDto, body);
    if (expected === 'valid') expect(message).toBe('valid');
    else expect(message).toContain(expected);
  });
});
