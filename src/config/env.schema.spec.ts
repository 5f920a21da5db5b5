import { ConfigError, parseEnv } from './env.schema.js';

describe('environment schema', () => {
  it('has working defaults (k = 11, port 3000)', () => {
    const env = parseEnv({});
    expect(env.K_ANONYMITY_THRESHOLD).toBe(11);
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it.each(['1', '0', '-3', 'eleven', '2.5', ''])(
    'refuses K_ANONYMITY_THRESHOLD=%p with a message naming it',
    (value) => {
      expect(() => parseEnv({ K_ANONYMITY_THRESHOLD: value })).toThrow(ConfigError);
      expect(() => parseEnv({ K_ANONYMITY_THRESHOLD: value })).toThrow(/K_ANONYMITY_THRESHOLD/);
    },
  );

  it('accepts K_ANONYMITY_THRESHOLD=2 and above', () => {
    expect(parseEnv({ K_ANONYMITY_THRESHOLD: '2' }).K_ANONYMITY_THRESHOLD).toBe(2);
    expect(parseEnv({ K_ANONYMITY_THRESHOLD: '25' }).K_ANONYMITY_THRESHOLD).toBe(25);
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'abc'],
    ['DATABASE_URL', 'mysql://x@y/z'],
    ['DATABASE_URL', 'not a url'],
    ['NODE_ENV', 'staging'],
    ['BOOTSTRAP_ADMIN_PASSWORD', 'short'],
  ])('refuses %s=%p, naming the variable but not echoing the value', (name, value) => {
    let message = '';
    try {
      parseEnv({ [name]: value });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(name);
    if (value.length > 4) expect(message).not.toContain(value);
  });

  it.each([
    ['PORT', '70000', 'PORT: must be an integer from 1 to 65,535'],
    ['PORT', '1.5', 'PORT: must be an integer from 1 to 65,535'],
    ['PORT', 'abc', 'PORT: must be an integer from 1 to 65,535'],
    ['EMBEDDED_DB_PORT', '80', 'EMBEDDED_DB_PORT: must be an integer from 1,024 to 65,535'],
    ['K_ANONYMITY_THRESHOLD', '5000', 'K_ANONYMITY_THRESHOLD: must be an integer from 2 to 1,000'],
    ['K_ANONYMITY_THRESHOLD', '1', 'a threshold of 1 releases single individuals'],
    ['AGGREGATE_DEFAULT_SIGMA', '0', 'AGGREGATE_DEFAULT_SIGMA: must be a number from 1 to 10,000'],
    ['AGGREGATE_RESEARCHER_BUDGET_RHO', '101', 'must be a number from 0 to 100'],
    ['DB_POOL_SIZE', '0', 'DB_POOL_SIZE: must be an integer from 1 to 500'],
  ])('an out-of-range %s=%p names the range it must be in', (name, value, expected) => {
    expect(() => parseEnv({ [name]: value })).toThrow(expected);
  });
});
