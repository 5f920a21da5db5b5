import fc from 'fast-check';
import { DomainError } from './errors.js';
import { rejectReservedKeys } from './reserved-keys.js';

describe('rejectReservedKeys', () => {
  it.each([
    ['{"constructor":{"prototype":{}}}', 'constructor'],
    ['{"a":{"__proto__":{"x":1}}}', 'a.__proto__'],
    ['{"a":[{"b":1},{"prototype":1}]}', 'a[1].prototype'],
  ])('refuses %s naming %s', (json, path) => {
    expect(() => rejectReservedKeys(JSON.parse(json))).toThrow(`property ${path} should not exist`);
  });

  it('accepts any JSON without reserved keys', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        fc.pre(!/"(__proto__|constructor|prototype)"/.test(text));
        expect(() => rejectReservedKeys(JSON.parse(text))).not.toThrow();
      }),
    );
  });

  it('throws a domain error (a 400), never anything else', () => {
    try {
      rejectReservedKeys({ constructor: 1 });
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('VALIDATION_FAILED');
    }
    expect.assertions(2);
  });
});
