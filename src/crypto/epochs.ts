/**
 * Key epochs: case data keys are wrapped under the key of an epoch of bounded length; at each rollover
 * every live data key is re-wrapped under the new epoch's key and the old epoch key is destroyed. These
 * are the pure rules of when an epoch ends.
 */

/** Epoch ids as stored (`epoch-<n>`); never a master key id (those may not start with `epoch-`). */
export const EPOCH_ID_PATTERN = /^epoch-[0-9]{1,20}$/;

/** The index of the epoch-length slot `at` falls in, counted from the Unix epoch (UTC-aligned slots). */
export function epochIndex(at: Date, epochSeconds: number): number {
  if (!Number.isInteger(epochSeconds) || epochSeconds <= 0) throw new RangeError('epochSeconds must be > 0');
  return Math.floor(at.getTime() / 1000 / epochSeconds);
}

/**
 * Whether the epoch started at `startedAt` is over at `now`: `now` lies in a later slot. With
 * 86,400-second epochs the rollover falls at 00:00 UTC, so no epoch key lives longer than one day and
 * one rollover run.
 */
export function isRolloverDue(startedAt: Date, now: Date, epochSeconds: number): boolean {
  return epochIndex(now, epochSeconds) > epochIndex(startedAt, epochSeconds);
}
