import { expect, it } from 'vitest'
import { describeStores } from '../../test/helpers/test-store.js'
import { ConflictError } from '../core/errors.js'

describeStores('directory repository', (s) => {
  const newUser = (id: string, upn: string) => ({ id, upn, displayName: null, externalId: null, emails: [], active: true, createdAt: 1, updatedAt: 1 })

  it('should refuse writes outside a transaction or before beginChange', async () => {
    await expect(s.store().directory.beginChange()).rejects.toThrow(/inside store.transaction/)
    await expect(s.store().transaction((tx) => tx.directory.insertUsers([newUser('u0', 'u0@repo.example')]))).rejects.toThrow(/beginChange/)
  })

  it('should number changes, mark changed users with their change, and list them since a number', async () => {
    const before = await s.store().directory.changeSeq()
    const seq = await s.store().transaction(async (tx) => {
      const n = await tx.directory.beginChange()
      expect(await tx.directory.beginChange()).toBe(n)
      await tx.directory.insertUsers([newUser('u1', 'u1@repo.example'), newUser('u2', 'u2@repo.example')])
      await tx.directory.addIdentifiers([{ userId: 'u1', kind: 'upn', value: 'u1@repo.example' }])
      return n
    })
    expect(seq).toBe(before + 1)
    expect(await s.store().directory.changeSeq()).toBe(seq)
    expect((await s.store().directory.changedUsers(before)).map((c) => [c.id, c.seq]).sort()).toEqual([
      ['u1', seq],
      ['u2', seq],
    ])
    expect(await s.store().directory.changedUsers(seq)).toEqual([])
  })

  it('should keep one live holder per identifier, and one open span per group and user', async () => {
    await s.store().transaction(async (tx) => {
      await tx.directory.beginChange()
      await tx.directory.insertUsers([newUser('u3', 'u3@repo.example')])
      await tx.directory.insertGroups([{ id: 'g1', displayName: 'G1', externalId: null, createdAt: 1, updatedAt: 1 }])
      await tx.directory.openMemberships([{ groupId: 'g1', userId: 'u3', from: 10 }])
    })
    await expect(
      s.store().transaction(async (tx) => {
        await tx.directory.beginChange()
        await tx.directory.addIdentifiers([{ userId: 'u3', kind: 'email', value: 'u1@repo.example' }])
      }),
    ).rejects.toBeInstanceOf(ConflictError)
    await expect(
      s.store().transaction(async (tx) => {
        await tx.directory.beginChange()
        await tx.directory.openMemberships([{ groupId: 'g1', userId: 'u3', from: 20 }])
      }),
    ).rejects.toThrow()
    // A retired identifier may be held again; a span never ends before it starts.
    await s.store().transaction(async (tx) => {
      await tx.directory.beginChange()
      await tx.directory.retireIdentifiers(await tx.directory.identifiers(['u1'], { liveOnly: true }), 30)
      await tx.directory.addIdentifiers([{ userId: 'u3', kind: 'email', value: 'u1@repo.example' }])
      await tx.directory.closeSpans(await tx.directory.openSpans({ userIds: ['u3'] }), 5)
    })
    expect((await s.store().directory.holders('address', ['u1@repo.example'])).get('u1@repo.example')).toBe('u3')
    expect((await s.store().directory.identifiers(['u1'])).map((i) => i.retiredAt)).toEqual([30])
    expect(await s.store().directory.spans({ userId: 'u3' })).toMatchObject([{ groupId: 'g1', from: 10, to: 10 }])
  })

  if (s.engine === 'postgres') {
    it('should hand out change numbers in commit order: a second writer waits for the first', async () => {
      let release: () => void = () => undefined
      const held = new Promise<void>((resolve) => {
        release = resolve
      })
      let firstSeq = 0
      let firstBegun: () => void = () => undefined
      const begun = new Promise<void>((resolve) => {
        firstBegun = resolve
      })
      const first = s.store().transaction(async (tx) => {
        firstSeq = await tx.directory.beginChange()
        firstBegun()
        await held
      })
      await begun
      let secondSeq = 0
      const second = s.store().transaction(async (tx) => {
        secondSeq = await tx.directory.beginChange()
      })
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(secondSeq).toBe(0) // still waiting for the first to commit
      release()
      await Promise.all([first, second])
      expect(secondSeq).toBe(firstSeq + 1)
    })
  }
})
