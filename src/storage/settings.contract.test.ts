import { expect, it } from 'vitest'
import { describeStores } from '../../test/helpers/test-store.js'

describeStores('settings', (s) => {
  it('should answer null for a key never set', async () => {
    expect(await s.store().settings.get('nothing')).toBeNull()
  })

  it('should store JSON values and bump the version on each change', async () => {
    const first = await s.store().settings.put('managed-domains', { domains: ['contoso.com'] }, 1000)
    expect(first).toEqual({ value: { domains: ['contoso.com'] }, version: 1, updatedAt: 1000 })
    const second = await s.store().settings.put('managed-domains', { domains: ['contoso.com', 'fabrikam.com'] }, 2000)
    expect(second.version).toBe(2)
    expect(await s.store().settings.get('managed-domains')).toEqual({ value: { domains: ['contoso.com', 'fabrikam.com'] }, version: 2, updatedAt: 2000 })
  })

  it('should roll a setting back with its transaction', async () => {
    await s.store().settings.put('scope', { rules: [] }, 1)
    await expect(
      s.store().transaction(async (tx) => {
        await tx.settings.put('scope', { rules: ['changed'] }, 2)
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    expect((await s.store().settings.get('scope'))?.value).toEqual({ rules: [] })
  })
})
