/** The Office 365 Management Activity API connector against a local server speaking its protocol, over the corpus samples. */
import { FIXTURE_CORPUS, loadSamples } from '../ingest/corpus.js'
import { describeConnector, distinctEvents } from './connector-scenarios.js'
import { startO365, type O365Blob } from './provider-servers.js'

const TENANT = '4a1b2c3d-0000-4000-8000-00000000aaaa'
const CONTENT_TYPES: Record<string, string> = { Exchange: 'Audit.Exchange', SharePoint: 'Audit.SharePoint', AzureActiveDirectory: 'Audit.AzureActiveDirectory' }

/** The samples as content blobs of three records, by content type (from the file name). */
function blobs(): { first: O365Blob[]; second: O365Blob[] } {
  const byType = new Map<string, unknown[]>()
  const samples = loadSamples(FIXTURE_CORPUS, ['m365-management-activity'])
  const distinct = new Set(distinctEvents('o365', samples.map((s) => s.value)))
  for (const sample of samples.filter((s) => distinct.has(s.value))) {
    const type = Object.entries(CONTENT_TYPES).find(([name]) => sample.file.includes(`.${name}.`))?.[1] ?? 'Audit.General'
    byType.set(type, [...(byType.get(type) ?? []), sample.value])
  }
  const first: O365Blob[] = []
  const second: O365Blob[] = []
  for (const [contentType, records] of byType) {
    const chunks: O365Blob[] = []
    for (let i = 0; i < records.length; i += 3) {
      chunks.push({ contentType, records: records.slice(i, i + 3) })
    }
    first.push(...chunks.slice(0, Math.ceil(chunks.length / 2)))
    second.push(...chunks.slice(Math.ceil(chunks.length / 2)))
  }
  return { first, second }
}

const BLOBS = blobs()

describeConnector({
  kind: 'o365',
  format: 'o365',
  overlapRefetches: false,
  retryAfter: 'date',
  async start() {
    const provider = await startO365(TENANT, 'o365-client-secret', 2)
    return {
      provider,
      add: (part, at) => provider.add(BLOBS[part], at),
      settings: { tenantId: TENANT, clientId: '9e8d7c6b-0000-4000-8000-00000000bbbb', contentTypes: [...new Set([...BLOBS.first, ...BLOBS.second].map((b) => b.contentType))], baseUrl: provider.url, loginUrl: provider.url },
      credentials: { clientSecret: 'o365-client-secret' },
      badCredentials: { clientSecret: 'expired-client-secret' },
      dataPath: '/subscriptions/content',
    }
  },
})
