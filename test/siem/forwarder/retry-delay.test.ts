import { describe, expect, it } from 'vitest'

import { retryDelay } from '../../../src/siem/forwarder/destination-worker.js'

describe('retryDelay', () => {
  it('should double from the base up to the cap, half of it random', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay(n, 1000, 30_000, () => 1))).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
    expect([1, 2, 3].map((n) => retryDelay(n, 1000, 30_000, () => 0))).toEqual([500, 1000, 2000])
  })

  it('should stay finite and capped however many failures', () => {
    expect(retryDelay(10_000, 1000, 300_000, () => 1)).toBe(300_000)
    expect(retryDelay(0, 1000, 300_000, () => 1)).toBe(1000)
  })
})
