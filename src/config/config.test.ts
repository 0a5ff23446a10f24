import { describe, expect, it } from 'vitest'
import { ValidationError } from '../core/errors.js'
import { DEFAULT_LIMITS, loadConfig } from './config.js'

describe('loadConfig', () => {
  it('should default to the embedded SQLite store with a key file beside it', () => {
    const config = loadConfig({})
    expect(config.databaseUrl).toBe('sqlite:./data/veil.db')
    expect(config.keyFile).toBe('./data/veil.key')
    expect(config.privacyKeyFile).toBe('./data/privacy.key')
    expect(config.privacyKeyHex).toBeNull()
    expect(config.port).toBe(8080)
    expect(config.limits).toEqual(DEFAULT_LIMITS)
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('should list every problem at once', () => {
    try {
      loadConfig({ VEIL_DATABASE_URL: 'mysql://x', VEIL_PORT: 'eighty', VEIL_SECRET_KEY: 'abc', VEIL_PRIVACY_KEY: 'xyz' })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).details.map((d) => d.field).sort()).toEqual(['VEIL_DATABASE_URL', 'VEIL_PORT', 'VEIL_PRIVACY_KEY', 'VEIL_SECRET_KEY'])
    }
  })

  it('should accept PostgreSQL URLs and numeric limits', () => {
    const config = loadConfig({ VEIL_DATABASE_URL: 'postgres://veil@db:5432/veil', VEIL_COUNT_LIMIT: '5000', VEIL_PORT: '0' })
    expect(config.limits.countLimit).toBe(5000)
    expect(config.port).toBe(0)
    expect(config.keyFile).toBe('./data/veil.key')
  })
})
