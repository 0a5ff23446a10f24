import { describe, expect, it } from 'vitest'
import { isMonitored, type Scope } from './scope.js'

// The example of the product issue, with Defender's semantics.
const scope: Scope = {
  rules: [
    { name: 'Germany', kind: 'exclude', groups: ['germany'], apps: 'all' },
    { name: 'Global sales', kind: 'include', groups: ['global-sales'], apps: ['Microsoft Exchange Online', 'Microsoft SharePoint Online'] },
    { name: 'Sales managers', kind: 'include', groups: ['sales-managers'], apps: ['Microsoft Power BI'] },
  ],
}
const EXCHANGE = 'Microsoft Exchange Online'
const SHAREPOINT = 'microsoft sharepoint online'
const POWER_BI = 'Microsoft Power BI'
const SALESFORCE = 'Salesforce'

describe('isMonitored', () => {
  it.each([
    ['in all three groups', ['germany', 'global-sales', 'sales-managers'], { [EXCHANGE]: false, [SHAREPOINT]: false, [POWER_BI]: false, [SALESFORCE]: false }],
    ['in Global sales only', ['global-sales'], { [EXCHANGE]: true, [SHAREPOINT]: true, [POWER_BI]: false, [SALESFORCE]: true }],
    ['in Global sales and Sales managers', ['global-sales', 'sales-managers'], { [EXCHANGE]: true, [SHAREPOINT]: true, [POWER_BI]: true, [SALESFORCE]: true }],
    ['in Sales managers only', ['sales-managers'], { [EXCHANGE]: false, [SHAREPOINT]: false, [POWER_BI]: true, [SALESFORCE]: true }],
    ['in Germany only', ['germany'], { [EXCHANGE]: false, [SHAREPOINT]: false, [POWER_BI]: false, [SALESFORCE]: false }],
    ['in no group', [], { [EXCHANGE]: false, [SHAREPOINT]: false, [POWER_BI]: false, [SALESFORCE]: true }],
  ])('should decide for a user %s', (_name, groups, expected) => {
    for (const [app, monitored] of Object.entries(expected)) {
      expect(isMonitored(scope, app, new Set(groups)), app).toBe(monitored)
    }
  })

  it('should monitor everybody without rules', () => {
    expect(isMonitored({ rules: [] }, 'Okta', new Set())).toBe(true)
  })

  it('should apply exclusion by membership at recording too', () => {
    expect(isMonitored(scope, SALESFORCE, new Set(), new Set(['germany']))).toBe(false)
  })
})
