/**
 * Normalization of identity values before they are hashed (pseudonym) or indexed (blind index).
 *
 * Both functions are pure, locale-independent (they never use `toLocaleLowerCase` and friends) and
 * idempotent: `f(f(x)) === f(x)`.
 */

/**
 * Combining marks that act as diacritics (accents, Hebrew points, Arabic harakat and hamza) and are
 * therefore folded away. Marks outside these blocks (e.g. Devanagari or Thai vowel signs, the Japanese
 * voicing mark) spell different sounds and are kept, so that distinct names in those scripts stay distinct.
 */
// The class lists combining-mark ranges on purpose (each is tested alone against one code point).
const DIACRITIC_MARK =
  // eslint-disable-next-line no-misleading-character-class
  /[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/u;
const MARK = /\p{M}/u;
/** Everything that is not a letter or digit, and every combining mark (decided per mark below). */
const NON_ALPHANUMERIC_OR_MARK = /[^\p{L}\p{N}]|\p{M}/gu;

/**
 * Letters that Unicode does not decompose but that are routinely written without their stroke or as
 * two letters when a name is typed on another keyboard, plus Greek final sigma and common Arabic-script
 * spelling variants (alef maksura and Farsi yeh as yeh, keheh as kaf, tatweel removed).
 */
const LETTER_FOLDS: ReadonlyMap<string, string> = new Map([
  ['ß', 'ss'],
  ['ł', 'l'],
  ['ø', 'o'],
  ['đ', 'd'],
  ['ð', 'd'],
  ['þ', 'th'],
  ['æ', 'ae'],
  ['œ', 'oe'],
  ['ħ', 'h'],
  ['ŧ', 't'],
  ['ı', 'i'],
  ['ς', 'σ'],
  ['\u0649', '\u064a'],
  ['\u06cc', '\u064a'],
  ['\u06a9', '\u0643'],
  ['\u0640', ''],
]);
const LETTER_FOLD = new RegExp(`[${[...LETTER_FOLDS.keys()].join('')}]`, 'gu');

/** Document separators: whitespace, any dash (\p{Pd}, includes the ASCII hyphen), dots and slashes. */
const DOCUMENT_SEPARATORS = /[\s\p{Pd}./]/gu;

/**
 * Folds a personal name so that spellings of the same name compare equal.
 *
 * Exact rule, in order:
 * 1. Unicode NFKD (compatibility decomposition: accented letters become base letter + combining mark,
 *    full-width and ligature forms become plain letters).
 * 2. Full, locale-independent case folding: `toUpperCase()` then `toLowerCase()` (so 'ß' and 'ẞ'
 *    become 'ss', dotless 'ı' becomes 'i'), followed by NFKD again.
 * 3. Remove every character that is not a letter (\p{L}) or digit (\p{N}): whitespace, hyphens,
 *    apostrophes, dots and all other punctuation and symbols. Remove diacritic combining marks
 *    (see {@link DIACRITIC_MARK}); keep other combining marks (vowel signs of Indic/Thai scripts etc.).
 * 4. Apply {@link LETTER_FOLDS} (ł→l, ø→o, đ→d, æ→ae, ς→σ, ...), then NFKD once more.
 *
 * Examples: "Amína  Haddad-Smith" → "aminahaddadsmith", "José" → "jose", "STRAẞE" → "strasse",
 * "Đặng" → "dang", "O'Brien" → "obrien". The result may be empty (e.g. for "--").
 */
export function normalizeName(value: string): string {
  return value
    .normalize('NFKD')
    .toUpperCase()
    .toLowerCase()
    .normalize('NFKD')
    .replace(NON_ALPHANUMERIC_OR_MARK, (char) => (MARK.test(char) && !DIACRITIC_MARK.test(char) ? char : ''))
    .replace(LETTER_FOLD, (char) => LETTER_FOLDS.get(char) ?? char)
    .normalize('NFKD');
}

/**
 * Folds an identity-document number: Unicode NFKC (full-width digits and letters become ASCII),
 * locale-independent uppercase (`toLowerCase()` then `toUpperCase()`, so every case variant of a letter
 * folds alike), removal of whitespace, dashes (\p{Pd}), dots and slashes, then NFKC again.
 *
 * Example: "p-123 4567" → "P1234567", "AB/12.34" → "AB1234". The result may be empty.
 */
export function normalizeDocumentNumber(value: string): string {
  return value
    .normalize('NFKC')
    .toLowerCase()
    .toUpperCase()
    .replace(DOCUMENT_SEPARATORS, '')
    .normalize('NFKC');
}
