/**
 * Synthetic CTDC-like cases for development, benchmarks and utility studies: no real person behind any
 * of them. Identities come from @faker-js/faker (names in the locale of the citizenship); attributes
 * follow skewed, correlated distributions loosely shaped like published CTDC aggregates: a few
 * citizenships and corridors dominate, sexual exploitation is mostly of women and girls, forced labour
 * mostly of men, sectors and means of control depend on the type, about 10% withhold research consent,
 * and a long tail of countries and types produces rare combinations. Deterministic for a given seed.
 */
import {
  fakerBN_BD,
  fakerEN,
  fakerEN_GH,
  fakerEN_NG,
  fakerEN_US,
  fakerES_MX,
  fakerID_ID,
  fakerNE,
  fakerRO,
  fakerRO_MD,
  fakerRU,
  fakerTH,
  fakerUK,
  fakerVI,
  type Faker,
} from '@faker-js/faker';
import {
  COUNTRY_CODES,
  type ExploitationType,
  type Gender,
  type LabourSector,
  type MeansOfControl,
  type RecruiterRelationship,
  type SexualExploitationType,
} from '../ctdc/index.js';

/** The body of POST /v1/cases (the same shape the API validates). */
export interface SyntheticCase {
  subject: {
    givenName: string;
    familyName?: string;
    dateOfBirth?: string;
    documentNumber?: string;
    phone?: string;
    address?: string;
  };
  narrative?: string;
  registrationDate: string;
  gender: Gender;
  citizenship: string;
  countryOfExploitation: string;
  exploitationTypes: ExploitationType[];
  meansOfControl: MeansOfControl[];
  labourSectors: LabourSector[];
  sexualExploitationTypes: SexualExploitationType[];
  recruiterRelationships: RecruiterRelationship[];
  isAbduction?: boolean;
  consent: { research: boolean };
}

type Weighted<T> = readonly (readonly [T, number])[];

interface Origin {
  weight: number;
  locale: Faker;
  /** Countries of exploitation, weighted; the origin itself means domestic trafficking. */
  destinations: Weighted<string>;
}

/** The dominant citizenships and their corridors. */
// prettier-ignore
const ORIGINS: Readonly<Record<string, Origin>> = {
  PH: { weight: 18, locale: fakerEN, destinations: [['PH', 30], ['SA', 15], ['AE', 15], ['MY', 10], ['KW', 8], ['HK', 7], ['QA', 5], ['US', 5]] },
  UA: { weight: 14, locale: fakerUK, destinations: [['RU', 30], ['PL', 20], ['UA', 20], ['DE', 10], ['TR', 8], ['CZ', 7], ['IL', 5]] },
  MD: { weight: 10, locale: fakerRO_MD, destinations: [['RU', 35], ['TR', 20], ['MD', 15], ['AE', 10], ['IT', 10], ['CY', 10]] },
  US: { weight: 8, locale: fakerEN_US, destinations: [['US', 95], ['MX', 5]] },
  ID: { weight: 7, locale: fakerID_ID, destinations: [['MY', 40], ['ID', 25], ['SA', 15], ['TW', 10], ['SG', 10]] },
  KH: { weight: 5, locale: fakerTH, destinations: [['TH', 50], ['KH', 25], ['MY', 15], ['CN', 10]] },
  MM: { weight: 4, locale: fakerTH, destinations: [['TH', 60], ['MM', 20], ['MY', 10], ['CN', 10]] },
  NG: { weight: 4, locale: fakerEN_NG, destinations: [['NG', 30], ['IT', 25], ['LY', 15], ['ES', 10], ['GH', 10], ['GB', 10]] },
  RO: { weight: 4, locale: fakerRO, destinations: [['RO', 30], ['GB', 20], ['DE', 15], ['IT', 15], ['ES', 10], ['FR', 10]] },
  BY: { weight: 3, locale: fakerRU, destinations: [['RU', 50], ['BY', 20], ['PL', 15], ['DE', 15]] },
  VN: { weight: 3, locale: fakerVI, destinations: [['VN', 30], ['CN', 25], ['GB', 20], ['JP', 15], ['MY', 10]] },
  TH: { weight: 2, locale: fakerTH, destinations: [['TH', 40], ['JP', 20], ['MY', 20], ['AE', 20]] },
  NP: { weight: 2, locale: fakerNE, destinations: [['IN', 50], ['NP', 25], ['MY', 15], ['QA', 10]] },
  BD: { weight: 2, locale: fakerBN_BD, destinations: [['IN', 40], ['BD', 20], ['MY', 20], ['SA', 20]] },
  MX: { weight: 2, locale: fakerES_MX, destinations: [['US', 60], ['MX', 40]] },
  GH: { weight: 1, locale: fakerEN_GH, destinations: [['GH', 50], ['NG', 20], ['LB', 15], ['KW', 15]] },
};
const ORIGIN_CODES: Weighted<string> = Object.entries(ORIGINS).map(([code, o]) => [code, o.weight]);

/** Share of cases with an unknown citizenship, and of cases from the long tail of all other countries. */
const UNKNOWN_CITIZENSHIP = 0.06;
const LONG_TAIL = 0.03;

// prettier-ignore
const GENDER_WEIGHTS: Weighted<Gender> = [['female', 70], ['male', 27], ['transgender', 1], ['unknown', 2]];

// prettier-ignore
const PRIMARY_TYPE: Readonly<Record<'female' | 'male', Weighted<ExploitationType>>> = {
  female: [['sexualExploitation', 58], ['forcedLabour', 30], ['forcedMarriage', 7], ['slaveryAndPractices', 2], ['other', 3], ['organRemoval', 0.1], ['forcedMilitary', 0.1]],
  male: [['forcedLabour', 80], ['sexualExploitation', 8], ['forcedMilitary', 3], ['slaveryAndPractices', 3], ['other', 5], ['organRemoval', 0.5], ['forcedMarriage', 0.5]],
};

// prettier-ignore
const LABOUR_SECTOR_WEIGHTS: Weighted<LabourSector> = [
  ['domesticWork', 25], ['construction', 15], ['agriculture', 15], ['manufacturing', 10], ['hospitality', 8],
  ['aquafarming', 5], ['begging', 5], ['illicitActivities', 4], ['other', 4], ['peddling', 3],
  ['miningOrDrilling', 3], ['transportation', 3],
];
/** Fishing corridors of South-East Asia. */
const FISHING_ORIGINS = new Set(['KH', 'MM', 'TH', 'ID']);

// prettier-ignore
const SEXUAL_TYPE_WEIGHTS: Weighted<SexualExploitationType> = [
  ['prostitution', 80], ['pornography', 10], ['remoteInteractiveServices', 5], ['privateSexualServices', 5],
];

/** Independent inclusion probabilities of each means of control, by primary exploitation type. */
// prettier-ignore
const CONTROL_LABOUR: Readonly<Partial<Record<MeansOfControl, number>>> = {
  debtBondage: 0.35, takesEarnings: 0.4, withholdsDocuments: 0.35, excessiveWorkingHours: 0.35,
  restrictsMovement: 0.3, threats: 0.3, falsePromises: 0.3, psychologicalAbuse: 0.2, physicalAbuse: 0.15,
  withholdsNecessities: 0.12, restrictsFinancialAccess: 0.1, threatOfLawEnforcement: 0.08,
  restrictsMedicalCare: 0.05, other: 0.05,
};
// prettier-ignore
const CONTROL_SEXUAL: Readonly<Partial<Record<MeansOfControl, number>>> = {
  psychologicalAbuse: 0.45, threats: 0.4, physicalAbuse: 0.35, sexualAbuse: 0.3, restrictsMovement: 0.3,
  takesEarnings: 0.3, falsePromises: 0.25, psychoactiveSubstances: 0.15, debtBondage: 0.15,
  withholdsDocuments: 0.12, usesChildren: 0.03, restrictsMedicalCare: 0.05, other: 0.05,
};

// prettier-ignore
const RECRUITER_WEIGHTS: Weighted<RecruiterRelationship> = [
  ['friend', 25], ['other', 25], ['family', 20], ['intimatePartner', 15], ['unknown', 15],
];

const YEARS: Weighted<number> = Array.from({ length: 21 }, (_, i) => [2005 + i, 1 + i * i] as const);

/** A generator of synthetic cases; the same seed gives the same sequence. */
export class SyntheticCases {
  private readonly rng: Faker;
  private readonly recent: SyntheticCase['subject'][] = [];

  constructor(seed: number) {
    this.rng = fakerEN;
    this.rng.seed(seed);
    for (const origin of Object.values(ORIGINS)) origin.locale.seed(seed);
  }

  next(): SyntheticCase {
    const r = this.rng;
    const gender = this.pick(GENDER_WEIGHTS);
    const citizenship = this.citizenship();
    const origin: Origin | undefined = ORIGINS[citizenship];
    const countryOfExploitation = origin
      ? this.pick(origin.destinations)
      : r.datatype.boolean(0.5) && citizenship !== 'unknown'
        ? citizenship
        : r.datatype.boolean(0.7)
          ? r.helpers.arrayElement(COUNTRY_CODES)
          : 'unknown';

    const types = this.exploitationTypes(gender);
    const primary = types[0];
    const minor = r.datatype.boolean(primary === 'sexualExploitation' ? 0.22 : 0.1);
    const year = this.pick(YEARS);
    const registrationDate = isoDate(
      new Date(Date.UTC(year, 0, 1) + r.number.int({ min: 0, max: 364 }) * 86_400_000),
    );
    const age = minor
      ? r.number.int({ min: 6, max: 17 })
      : Math.min(75, 18 + Math.floor(r.number.float({ min: 0, max: 1 }) ** 2 * 45));
    const dateOfBirth = r.datatype.boolean(0.93) ? birthDate(registrationDate, age, r) : undefined;

    const subject = this.subject(origin?.locale ?? fakerEN, gender, dateOfBirth, registrationDate);
    const synthetic: SyntheticCase = {
      subject,
      registrationDate,
      gender,
      citizenship,
      countryOfExploitation,
      exploitationTypes: types,
      meansOfControl: this.meansOfControl(primary),
      labourSectors: types.includes('forcedLabour') ? this.labourSectors(citizenship) : [],
      sexualExploitationTypes: types.includes('sexualExploitation')
        ? this.several(SEXUAL_TYPE_WEIGHTS, 0.1, 0.03)
        : [],
      recruiterRelationships: r.datatype.boolean(0.3) ? [] : this.several(RECRUITER_WEIGHTS, 0.05, 0),
      consent: { research: r.datatype.boolean(0.9) },
    };
    const abduction = r.number.float({ min: 0, max: 1 });
    if (abduction < 0.78) synthetic.isAbduction = abduction < 0.08;
    if (r.datatype.boolean(0.65)) synthetic.narrative = r.lorem.sentences({ min: 2, max: 6 });
    return synthetic;
  }

  private citizenship(): string {
    const u = this.rng.number.float({ min: 0, max: 1 });
    if (u < UNKNOWN_CITIZENSHIP) return 'unknown';
    if (u < UNKNOWN_CITIZENSHIP + LONG_TAIL) return this.rng.helpers.arrayElement(COUNTRY_CODES);
    return this.pick(ORIGIN_CODES);
  }

  private exploitationTypes(gender: Gender): ExploitationType[] {
    const table = gender === 'male' ? PRIMARY_TYPE.male : PRIMARY_TYPE.female;
    const primary = this.pick(table);
    if (!this.rng.datatype.boolean(0.08)) return [primary];
    const second = this.pick(table);
    return second === primary ? [primary] : [primary, second];
  }

  private labourSectors(citizenship: string): LabourSector[] {
    if (this.rng.datatype.boolean(0.1)) return [];
    if (FISHING_ORIGINS.has(citizenship) && this.rng.datatype.boolean(0.3)) return ['aquafarming'];
    return this.several(LABOUR_SECTOR_WEIGHTS, 0.15, 0.02);
  }

  private meansOfControl(primary: ExploitationType): MeansOfControl[] {
    if (this.rng.datatype.boolean(0.12)) return [];
    const table = primary === 'sexualExploitation' ? CONTROL_SEXUAL : CONTROL_LABOUR;
    const chosen = (Object.entries(table) as [MeansOfControl, number][])
      .filter(([, p]) => this.rng.datatype.boolean(p))
      .map(([code]) => code);
    return chosen.length > 0 ? chosen : ['threats'];
  }

  /** About 2% of cases register someone already registered (same identity): duplicates across offices. */
  private subject(
    locale: Faker,
    gender: Gender,
    dateOfBirth: string | undefined,
    registrationDate: string,
  ): SyntheticCase['subject'] {
    const r = this.rng;
    if (this.recent.length > 0 && r.datatype.boolean(0.02)) {
      const again = r.helpers.arrayElement(this.recent);
      if (again.dateOfBirth === undefined || again.dateOfBirth <= registrationDate) return { ...again };
    }
    const sex = gender === 'male' ? 'male' : gender === 'female' ? 'female' : undefined;
    const subject: SyntheticCase['subject'] = { givenName: locale.person.firstName(sex) };
    if (r.datatype.boolean(0.92)) subject.familyName = locale.person.lastName(sex);
    if (dateOfBirth !== undefined) subject.dateOfBirth = dateOfBirth;
    if (r.datatype.boolean(0.55))
      subject.documentNumber = r.string.alphanumeric({ length: 9, casing: 'upper' });
    if (r.datatype.boolean(0.45)) subject.phone = r.phone.number({ style: 'international' });
    if (r.datatype.boolean(0.35))
      subject.address = `${locale.location.streetAddress()}, ${locale.location.city()}`;
    if (this.recent.length < 500) this.recent.push(subject);
    else this.recent[r.number.int({ min: 0, max: 499 })] = subject;
    return subject;
  }

  private pick<T>(weighted: Weighted<T>): T {
    let table = PREPARED.get(weighted) as { value: T; weight: number }[] | undefined;
    if (table === undefined) {
      table = weighted.map(([value, weight]) => ({ value, weight }));
      PREPARED.set(weighted, table);
    }
    return this.rng.helpers.weightedArrayElement(table);
  }

  /** One value, sometimes a second (pTwo) or a third (pThree), distinct. */
  private several<T>(weighted: Weighted<T>, pTwo: number, pThree: number): T[] {
    const out = new Set<T>([this.pick(weighted)]);
    const u = this.rng.number.float({ min: 0, max: 1 });
    const extra = u < pThree ? 2 : u < pThree + pTwo ? 1 : 0;
    for (let i = 0; i < extra; i++) out.add(this.pick(weighted));
    return [...out];
  }
}

const PREPARED = new WeakMap<object, { value: unknown; weight: number }[]>();

const isoDate = (d: Date) => d.toISOString().slice(0, 10);

/** A date of birth at which the person is `age` (completed years) on `registrationDate`. */
function birthDate(registrationDate: string, age: number, r: Faker): string {
  const reg = new Date(`${registrationDate}T00:00:00Z`);
  const latest = Date.UTC(reg.getUTCFullYear() - age, reg.getUTCMonth(), reg.getUTCDate());
  return isoDate(new Date(latest - r.number.int({ min: 0, max: 364 }) * 86_400_000));
}

/**
 * Office sizes are skewed like a real network: office k gets weight 1/(k+1). Case n goes to the office
 * whose cumulative share contains the n-th point of the golden-ratio sequence (deterministic, even spread).
 */
export function officePicker(offices: number): (n: number) => number {
  const weights = Array.from({ length: offices }, (_, k) => 1 / (k + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w / total));
  return (n) => {
    const u = (n * 0.6180339887498949) % 1;
    const k = cumulative.findIndex((c) => u < c);
    return k < 0 ? offices - 1 : k;
  };
}
