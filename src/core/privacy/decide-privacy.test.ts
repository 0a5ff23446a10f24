import { describe, expect, it } from 'vitest'
import { decidePrivacy } from './decide-privacy.js'

describe('decidePrivacy', () => {
  const privacy = new Set(['hr', 'legal'])
  it.each([
    [[], [], { isPrivate: false, because: null }],
    [['sales'], ['sales'], { isPrivate: false, because: null }],
    [['hr'], [], { isPrivate: true, because: 'hr' }],
    // a late event errs on the side of privacy: member now, not at the activity's time
    [[], ['legal'], { isPrivate: true, because: 'legal' }],
    [['legal', 'hr'], ['hr'], { isPrivate: true, because: 'hr' }],
  ])('should decide %j at activity time and %j at recording', (atTime, atRecording, expected) => {
    expect(decidePrivacy(atTime, atRecording, privacy)).toEqual(expected)
  })

  it('should make nothing private without privacy groups', () => {
    expect(decidePrivacy(['hr'], ['hr'], new Set())).toEqual({ isPrivate: false, because: null })
  })
})
