/** The Okta System Log connector against a local server speaking Okta's polling protocol, over the corpus samples. */
import { FIXTURE_CORPUS, loadSamples } from '../ingest/corpus.js'
import { describeConnector, distinctEvents } from './connector-scenarios.js'
import { startOkta } from './provider-servers.js'

const EVENTS = distinctEvents('okta', loadSamples(FIXTURE_CORPUS, ['okta-system-log']).map((s) => s.value as Record<string, unknown>), (e) => ({ ...e, published: new Date().toISOString() }))
const HALF = Math.floor(EVENTS.length / 2)

describeConnector({
  kind: 'okta',
  format: 'okta',
  overlapRefetches: false,
  retryAfter: 'seconds',
  async start() {
    const provider = await startOkta('00okta-good-token')
    return {
      provider,
      add: (part, at) => provider.add(part === 'first' ? EVENTS.slice(0, HALF) : EVENTS.slice(HALF), at),
      settings: { baseUrl: provider.url, limit: 3 },
      credentials: { apiToken: '00okta-good-token' },
      badCredentials: { apiToken: '00okta-revoked-token' },
      dataPath: '/api/v1/logs',
    }
  },
})
