/**
 * A researcher's access ends at the end of the UTC day `approvedUntil` (YYYY-MM-DD). Without an approval
 * date, access has ended. Pure: the caller passes the current time.
 */
export function isApprovalCurrent(approvedUntil: string | null, now: Date): boolean {
  if (approvedUntil === null) return false;
  return now.toISOString().slice(0, 10) <= approvedUntil;
}
