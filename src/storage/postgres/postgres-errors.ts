/**
 * Recognizing PostgreSQL errors by SQLSTATE, for the few the store recovers from.
 *
 * @module
 */

/** The SQLSTATE of a pg error, or null for anything else. */
export function pgErrorCode(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) {
    return null
  }
  return typeof error.code === 'string' ? error.code : null
}

/** check_violation "no partition of relation ... found for row": a row's partition does not exist. */
export function isMissingPartitionError(error: unknown): boolean {
  return pgErrorCode(error) === '23514' && error instanceof Error && error.message.includes('no partition')
}

/** deadlock_detected: the server rolled this transaction back to break a lock cycle; retrying is safe. */
export function isDeadlockError(error: unknown): boolean {
  return pgErrorCode(error) === '40P01'
}
