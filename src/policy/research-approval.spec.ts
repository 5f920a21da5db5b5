import fc from 'fast-check';
import { isApprovalCurrent } from './research-approval.js';

describe('research approval', () => {
  it('lasts until the end of the approvedUntil UTC day, not a millisecond more', () => {
    expect(isApprovalCurrent('2026-11-28', new Date('2026-11-28T00:00:00.000Z'))).toBe(true);
    expect(isApprovalCurrent('2026-11-28', new Date('2026-11-28T23:59:59.999Z'))).toBe(true);
    expect(isApprovalCurrent('2026-11-28', new Date('2026-11-29T00:00:00.000Z'))).toBe(false);
    expect(isApprovalCurrent('2026-11-28', new Date('2026-11-27T12:00:00.000Z'))).toBe(true);
  });

  it('without an approval date, access has ended', () => {
    expect(isApprovalCurrent(null, new Date())).toBe(false);
  });

  it('is current exactly when today (UTC) is not after the approval date', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.integer({ min: -400, max: 400 }),
        (now, offsetDays) => {
          const approved = new Date(now.getTime() + offsetDays * 86_400_000).toISOString().slice(0, 10);
          expect(isApprovalCurrent(approved, now)).toBe(offsetDays >= 0);
        },
      ),
    );
  });
});
