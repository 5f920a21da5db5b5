import fc from 'fast-check';
import { normalizeDocumentNumber, normalizeName } from './normalize.js';

const BMP_CODE_POINTS = Array.from({ length: 0x10000 }, (_, cp) => cp).filter(
  (cp) => cp < 0xd800 || cp > 0xdfff,
);

/** Latin letters, some precomposed accented, plus combining accents, spaces and name punctuation. */
const nameChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzáéíóúñçüößøłđ'.split(''));
const nameWord = fc.array(nameChar, { minLength: 1, maxLength: 12 }).map((chars) => chars.join(''));
const separator = fc.constantFrom(' ', '  ', '\t', '-', "'", '.', '\u00a0', '\u2011', '’');

describe('normalizeName', () => {
  it('folds case, accents, spacing and punctuation of the examples', () => {
    expect(normalizeName('José')).toBe(normalizeName('jose'));
    expect(normalizeName('José')).toBe('jose');
    expect(normalizeName('Amína  Haddad-Smith')).toBe(normalizeName('amina haddadsmith'));
    expect(normalizeName('Amína  Haddad-Smith')).toBe('aminahaddadsmith');
    expect(normalizeName("O'Brien")).toBe('obrien');
    expect(normalizeName('STRAẞE')).toBe('strasse');
    expect(normalizeName('Straße')).toBe('strasse');
    expect(normalizeName('Đặng Thị Nguyễn')).toBe('dangthinguyen');
    expect(normalizeName('Łukasz Søren')).toBe('lukaszsoren');
    expect(normalizeName('İSTANBUL')).toBe('istanbul');
    expect(normalizeName('ＡＭＩＮＡ')).toBe('amina');
    expect(normalizeName('ΟΔΥΣΣΕΑΣ')).toBe(normalizeName('οδυσσεας'));
    expect(normalizeName('أحمد')).toBe(normalizeName('احمد'));
  });

  it('keeps letters and digits only for Latin input', () => {
    expect(normalizeName(" J.-P. d'Arc 2nd ")).toBe('jpdarc2nd');
    expect(normalizeName('--. ')).toBe('');
  });

  it('keeps vowel signs that distinguish names in Indic, Thai and Japanese scripts', () => {
    expect(normalizeName('सीता')).not.toBe(normalizeName('सता'));
    expect(normalizeName('が')).not.toBe(normalizeName('か'));
  });

  it('is idempotent on arbitrary Unicode strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const once = normalizeName(s);
        expect(normalizeName(once)).toBe(once);
      }),
    );
  });

  it('is idempotent and case-insensitive for every single BMP code point', () => {
    for (const cp of BMP_CODE_POINTS) {
      const c = String.fromCodePoint(cp);
      const n = normalizeName(c);
      if (
        normalizeName(n) !== n ||
        normalizeName(c.toUpperCase()) !== n ||
        normalizeName(c.toLowerCase()) !== n
      ) {
        throw new Error(`code point U+${cp.toString(16)} breaks idempotence or case folding`);
      }
    }
  });

  it('is case-insensitive: upper- and lower-casing the input never changes the result', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(normalizeName(s.toUpperCase())).toBe(normalizeName(s));
        expect(normalizeName(s.toLowerCase())).toBe(normalizeName(s));
      }),
    );
  });

  it('is accent-insensitive: composed, decomposed and unaccented spellings fold alike', () => {
    fc.assert(
      fc.property(nameWord, (word) => {
        const bare = word.normalize('NFD').replace(/\p{M}/gu, '');
        expect(normalizeName(word.normalize('NFC'))).toBe(normalizeName(bare));
        expect(normalizeName(word.normalize('NFD'))).toBe(normalizeName(bare));
      }),
    );
  });

  it('is spacing-insensitive: inserting whitespace or hyphens/apostrophes/dots changes nothing', () => {
    fc.assert(
      fc.property(fc.array(nameWord, { minLength: 1, maxLength: 4 }), fc.array(separator), (words, seps) => {
        const joined = words.map((w, i) => (seps[i] ?? '') + w).join(seps[words.length] ?? '');
        expect(normalizeName(joined)).toBe(normalizeName(words.join('')));
      }),
    );
  });

  it('returns only letters, digits and non-diacritic marks (no spaces, punctuation or accents)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(normalizeName(s)).toMatch(/^[\p{L}\p{N}\p{M}]*$/u);
        expect(normalizeName(s)).not.toMatch(/[\u0300-\u036f]/u);
      }),
    );
  });
});

describe('normalizeDocumentNumber', () => {
  it('folds case and removes spaces, hyphens, dots and slashes', () => {
    expect(normalizeDocumentNumber('p-123 4567')).toBe('P1234567');
    expect(normalizeDocumentNumber('p-123 4567')).toBe(normalizeDocumentNumber('P1234567'));
    expect(normalizeDocumentNumber(' ab/12.34\u2013x ')).toBe('AB1234X');
    expect(normalizeDocumentNumber('Ｐ１２３')).toBe('P123');
  });

  it('is idempotent on arbitrary Unicode strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const once = normalizeDocumentNumber(s);
        expect(normalizeDocumentNumber(once)).toBe(once);
      }),
    );
  });

  it('is idempotent and case-insensitive for every single BMP code point', () => {
    for (const cp of BMP_CODE_POINTS) {
      const c = String.fromCodePoint(cp);
      const n = normalizeDocumentNumber(c);
      if (
        normalizeDocumentNumber(n) !== n ||
        normalizeDocumentNumber(c.toUpperCase()) !== n ||
        normalizeDocumentNumber(c.toLowerCase()) !== n
      ) {
        throw new Error(`code point U+${cp.toString(16)} breaks idempotence or case folding`);
      }
    }
  });

  it('ignores separators inserted anywhere in an alphanumeric number', () => {
    const alnum = fc.constantFrom(...'abcXYZ0123456789'.split(''));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(alnum, fc.constantFrom('', ' ', '-', '.', '/', '\u2010')), {
          minLength: 1,
          maxLength: 20,
        }),
        (pairs) => {
          const plain = pairs.map(([c]) => c).join('');
          const separated = pairs.map(([c, sep]) => c + sep).join('');
          expect(normalizeDocumentNumber(separated)).toBe(normalizeDocumentNumber(plain.toUpperCase()));
        },
      ),
    );
  });
});
