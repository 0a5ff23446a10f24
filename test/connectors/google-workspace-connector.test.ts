/** The Google Workspace Reports API connector against a local server speaking Google's protocol, over the corpus samples. */
import { FIXTURE_CORPUS, loadSamples } from '../ingest/corpus.js'
import { describeConnector, distinctEvents } from './connector-scenarios.js'
import { googleServiceAccount, startGoogle } from './provider-servers.js'

const APPLICATIONS = ['admin', 'login', 'drive', 'token']
const EVENTS = distinctEvents(
  'google-workspace',
  loadSamples(FIXTURE_CORPUS, ['google-workspace-reports'])
    .map((s) => s.value as Record<string, unknown>)
    .filter((e) => APPLICATIONS.includes(String((e.id as { applicationName?: unknown } | undefined)?.applicationName))),
  (e) => ({ ...e, id: { ...(e.id as Record<string, unknown>), time: new Date().toISOString() } }),
)
const HALF = Math.floor(EVENTS.length / 2)
const ACCOUNT = googleServiceAccount()
// Another key of the same service account name: Google refuses its signature.
const REVOKED = googleServiceAccount()

describeConnector({
  kind: 'google-workspace',
  format: 'google-workspace',
  // The checkpoint is a time window read again from `through - overlap` (Google lists activities late), and a
  // window a failed run left half-read is read again.
  overlapRefetches: true,
  retryAfter: 'seconds',
  async start() {
    const provider = await startGoogle(ACCOUNT.publicKey, 5)
    return {
      provider,
      add: (part, at) => provider.add(part === 'first' ? EVENTS.slice(0, HALF) : EVENTS.slice(HALF), at),
      settings: { subject: 'admin@example.com', applications: APPLICATIONS, baseUrl: provider.url, tokenUrl: `${provider.url}/token`, overlapMinutes: 5 },
      credentials: { serviceAccountKey: ACCOUNT.key },
      badCredentials: { serviceAccountKey: REVOKED.key },
      dataPath: '/activity/',
    }
  },
})
