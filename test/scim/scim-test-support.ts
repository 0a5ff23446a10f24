/**
 * Small helpers for the SCIM unit tests: catch a ScimError and show it as `{ status, scimType, detail }`.
 */
import { ScimError } from '../../src/scim/scim-error.js'

export interface CaughtScimError {
  readonly status: number
  readonly scimType: string | null
  readonly detail: string
}

/** The ScimError `fn` throws; fails the test when it throws nothing or something else. */
export function scimErrorOf(fn: () => unknown): CaughtScimError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ScimError) {
      return { status: error.status, scimType: error.scimType, detail: error.message }
    }
    throw error
  }
  throw new Error('expected a ScimError, but nothing was thrown')
}
