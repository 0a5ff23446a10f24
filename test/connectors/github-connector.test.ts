/** The GitHub audit log connector against a local server speaking GitHub's cursor protocol, over the corpus samples. */
import { FIXTURE_CORPUS, loadSamples } from '../ingest/corpus.js'
import { describeConnector, distinctEvents } from './connector-scenarios.js'
import { startGitHub } from './provider-servers.js'

const EVENTS = distinctEvents('github', loadSamples(FIXTURE_CORPUS, ['github-audit-log']).map((s) => s.value as Record<string, unknown>), (e) => ({ ...e, '@timestamp': Date.now(), created_at: Date.now() }))
const HALF = Math.floor(EVENTS.length / 2)

describeConnector({
  kind: 'github',
  format: 'github',
  // The checkpoint is a time: `created:>=` counts whole seconds, so events of the last second come again.
  overlapRefetches: true,
  retryAfter: 'date',
  async start() {
    const provider = await startGitHub('ghp_good', 'acme')
    return {
      provider,
      add: (part, at) => provider.add(part === 'first' ? EVENTS.slice(0, HALF) : EVENTS.slice(HALF), at),
      settings: { org: 'acme', baseUrl: provider.url, perPage: 20, overlapMinutes: 0 },
      credentials: { token: 'ghp_good' },
      badCredentials: { token: 'ghp_expired' },
      dataPath: '/audit-log',
    }
  },
})
