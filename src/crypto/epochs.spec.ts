import fc from 'fast-check';
import { epochIndex, isRolloverDue } from './epochs.js';
import { generateEpochKey, unwrapEpochKey, wrapEpochKey, type MasterKeyRing } from './envelope.js';
import { generateKeyBase64 } from './keys.js';

const ring = (): MasterKeyRing => ({
  currentKeyId: 'm1',
  keys: new Map([
    ['m1', Buffer.from(generateKeyBase64(), 'base64')],
    ['m2', Buffer.from(generateKeyBase64(), 'base64')],
  ]),
});

describe('key epochs', () => {
  it('daily epochs roll over at 00:00 UTC and not before', () => {
    const start = new Date('2026-12-01T00:00:05Z');
    expect(isRolloverDue(start, new Date('2026-12-01T23:59:59.999Z'), 86_400)).toBe(false);
    expect(isRolloverDue(start, new Date('2026-12-02T00:00:00Z'), 86_400)).toBe(true);
  });

  it('an epoch never outlives two slots: a rollover is due at most epochSeconds after it started', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4e12 }),
        fc.integer({ min: 1, max: 86_400 * 7 }),
        (ms, seconds) => {
          const start = new Date(ms);
          expect(isRolloverDue(start, new Date(ms + seconds * 1000), seconds)).toBe(true);
          expect(isRolloverDue(start, start, seconds)).toBe(false);
          expect(epochIndex(start, seconds)).toBe(Math.floor(ms / 1000 / seconds));
        },
      ),
    );
  });

  it('an epoch key wrapped for one epoch id does not unwrap for another, nor under another master key', () => {
    const masters = ring();
    const key = generateEpochKey();
    const { keyId, wrapped } = wrapEpochKey(masters, key, 'epoch-1');
    expect(unwrapEpochKey(masters, keyId, wrapped, 'epoch-1').equals(key)).toBe(true);
    expect(() => unwrapEpochKey(masters, keyId, wrapped, 'epoch-2')).toThrow('decryption failed');
    expect(() => unwrapEpochKey(masters, 'm2', wrapped, 'epoch-1')).toThrow('decryption failed');
  });
});
