import { createHmac, timingSafeEqual } from 'node:crypto'
import { once } from 'node:events'
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { WebhookDestinationSettings } from '../../../src/siem/siem-destination-settings.js'
import { createSiemSink, SiemDeliveryError, type SiemSink, type SiemSinkContext } from '../../../src/siem/siem-sink.js'
import { BASE_TIME, buildActivity } from '../../helpers/factories.js'
import { closedPort, selfSignedCertificate, type TestCertificate } from './listeners.js'

const SECRET = 'a-webhook-secret-of-32-characters'
const CONTEXT: SiemSinkContext = {
  portalUrl: 'https://veil.example.com',
  hostname: 'veil-test',
  version: '0.1.0',
  timeoutMs: 2_000,
  clock: () => BASE_TIME,
  retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 40, maxRetryAfterMs: 3_000 },
}

interface Received {
  readonly headers: IncomingHttpHeaders
  readonly body: string
  readonly at: number
}

type Reply = (response: ServerResponse) => void
const ok: Reply = (response) => response.writeHead(204).end()
const status =
  (code: number, headers: Record<string, string> = {}, text = ''): Reply =>
  (response) =>
    response.writeHead(code, headers).end(text)
/** Never answers. */
const hang: Reply = () => undefined

let certificate: TestCertificate
const open: Array<{ close: () => Promise<void> }> = []

beforeAll(async () => {
  certificate = await selfSignedCertificate()
})

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) {
    await thing.close()
  }
})

/** A webhook receiver answering with `replies` in turn (the last one repeats). */
async function receiver(replies: Reply[], secure = true): Promise<{ url: string; requests: Received[] }> {
  const requests: Received[] = []
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() })
      const reply = replies[Math.min(requests.length - 1, replies.length - 1)] as Reply
      reply(response)
    })
  }
  const server: Server = secure ? createHttpsServer({ cert: certificate.cert, key: certificate.key }, handler) : createHttpServer(handler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  open.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  })
  const { port } = server.address() as AddressInfo
  return { url: `${secure ? 'https' : 'http'}://localhost:${port}/hooks/veil?token=abc`, requests }
}

function sink(url: string, settings: Partial<WebhookDestinationSettings> = {}, context: Partial<SiemSinkContext> = {}): SiemSink {
  const target = createSiemSink({ kind: 'webhook', url, secret: SECRET, tls: { ca: certificate.cert }, ...settings }, { ...CONTEXT, ...context })
  open.push(target)
  return target
}

/** What a receiver does: recompute the HMAC over timestamp + '.' + raw body, compare in constant time. */
function verify(request: Received): boolean {
  const timestamp = String(request.headers['x-veil-timestamp'])
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${request.body}`).digest('hex')}`)
  const given = Buffer.from(String(request.headers['x-veil-signature']))
  return given.length === expected.length && timingSafeEqual(given, expected)
}

interface Body {
  version: number
  deliveryId: string
  test: boolean
  count: number
  activities: Array<Record<string, unknown>>
}

async function rejection(promise: Promise<unknown>): Promise<SiemDeliveryError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(SiemDeliveryError)
    return error as SiemDeliveryError
  }
  throw new Error('expected a rejection')
}

describe('webhook sink', () => {
  it('should POST signed batches of batchSize in the public presentation, without raw events', async () => {
    const hook = await receiver([ok])
    const target = sink(hook.url, { batchSize: 2, headers: { Authorization: 'Bearer t0ken' } })
    await target.deliver(Array.from({ length: 5 }, (_, i) => buildActivity({ id: `w-${i}` })))
    expect(hook.requests).toHaveLength(3)
    const bodies = hook.requests.map((request) => JSON.parse(request.body) as Body)
    expect(bodies.map((body) => body.activities.map((a) => a.id))).toEqual([['w-0', 'w-1'], ['w-2', 'w-3'], ['w-4']])
    for (const [index, request] of hook.requests.entries()) {
      const body = bodies[index] as Body
      expect(verify(request)).toBe(true)
      expect(request.headers['x-veil-timestamp']).toBe(String(BASE_TIME / 1000))
      expect(request.headers['x-veil-delivery']).toBe(body.deliveryId)
      expect(request.headers['content-type']).toBe('application/json')
      expect(request.headers.authorization).toBe('Bearer t0ken')
      expect(request.headers['user-agent']).toBe('Veil/0.1.0')
      expect([body.version, body.test, body.count]).toEqual([1, false, body.activities.length])
      for (const activity of body.activities) {
        expect(activity._id).toBe(activity.id)
        expect(activity).not.toHaveProperty('raw')
        expect(activity).not.toHaveProperty('rawDataJson')
      }
    }
    // A tampered body no longer verifies.
    expect(verify({ ...(hook.requests[0] as Received), body: (hook.requests[0] as Received).body.replace('w-0', 'w-9') })).toBe(false)
  })

  it('should POST an empty batch marked test for "test connection"', async () => {
    const hook = await receiver([ok])
    await sink(hook.url).test()
    const body = JSON.parse((hook.requests[0] as Received).body) as Body
    expect([body.test, body.count, body.activities]).toEqual([true, 0, []])
    expect(verify(hook.requests[0] as Received)).toBe(true)
  })

  it('should retry after a 503 and succeed, with the same delivery id', async () => {
    const hook = await receiver([status(503), ok])
    await sink(hook.url).deliver([buildActivity()])
    expect(hook.requests).toHaveLength(2)
    expect(hook.requests[0]?.headers['x-veil-delivery']).toBe(hook.requests[1]?.headers['x-veil-delivery'])
    expect(hook.requests.every(verify)).toBe(true)
  })

  it("should wait a 429's Retry-After before trying again", async () => {
    const hook = await receiver([status(429, { 'Retry-After': '1' }), ok])
    await sink(hook.url).deliver([buildActivity()])
    expect(hook.requests).toHaveLength(2)
    expect((hook.requests[1] as Received).at - (hook.requests[0] as Received).at).toBeGreaterThanOrEqual(950)
  })

  it('should give up at once, retryable, when Retry-After is longer than the sink waits', async () => {
    const hook = await receiver([status(503, { 'Retry-After': '3600' })])
    const error = await rejection(sink(hook.url).deliver([buildActivity()]))
    expect([error.failure, error.status, error.retryable]).toEqual(['http', 503, true])
    expect(error.message).toContain('Retry-After')
    expect(hook.requests).toHaveLength(1)
  })

  it('should give up on a 400 without retrying, not retryable, saying what the receiver said', async () => {
    const hook = await receiver([status(400, {}, 'invalid signature')])
    const error = await rejection(sink(hook.url).deliver([buildActivity()]))
    expect([error.failure, error.status, error.retryable]).toEqual(['http', 400, false])
    expect(error.message).toBe('https://localhost:' + new URL(hook.url).port + '/hooks/veil answered HTTP 400: invalid signature')
    expect(hook.requests).toHaveLength(1)
  })

  it('should not follow redirects', async () => {
    const hook = await receiver([status(301, { Location: 'https://elsewhere.example.com/' })])
    const error = await rejection(sink(hook.url).deliver([buildActivity()]))
    expect([error.status, error.retryable]).toEqual([301, false])
    expect(error.message).toContain('redirects are not followed')
  })

  it('should keep retrying 5xx up to the attempts and then fail retryable', async () => {
    const hook = await receiver([status(500)])
    const error = await rejection(sink(hook.url).deliver([buildActivity()]))
    expect([error.status, error.retryable]).toEqual([500, true])
    expect(error.message).toContain('gave up after 3 attempts')
    expect(hook.requests).toHaveLength(3)
  })

  it('should time out on a receiver that never answers', async () => {
    const hook = await receiver([hang])
    const started = Date.now()
    const error = await rejection(sink(hook.url, {}, { timeoutMs: 200, retry: { attempts: 2 } }).deliver([buildActivity()]))
    expect([error.failure, error.retryable]).toEqual(['timeout', true])
    expect(hook.requests).toHaveLength(2)
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('should fail with "connection refused" when nothing listens', async () => {
    const error = await rejection(sink(`https://127.0.0.1:${await closedPort()}/in`).deliver([buildActivity()]))
    expect([error.failure, error.retryable]).toEqual(['refused', true])
  })

  it('should refuse an untrusted certificate', async () => {
    const hook = await receiver([ok])
    const error = await rejection(sink(hook.url, { tls: {} }).test())
    expect(error.failure).toBe('tls')
    expect(hook.requests).toHaveLength(0)
  })

  it('should post over plain http when allowed', async () => {
    const hook = await receiver([ok], false)
    await sink(hook.url, { allowInsecureHttp: true, tls: undefined }).deliver([buildActivity()])
    expect(hook.requests).toHaveLength(1)
  })

  it('should stop waiting and reject when closed during a back-off', async () => {
    const hook = await receiver([status(429, { 'Retry-After': '2' })])
    const target = sink(hook.url)
    const delivery = target.deliver([buildActivity()])
    while (hook.requests.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const started = Date.now()
    await target.close()
    const error = await rejection(delivery)
    expect([error.failure, error.retryable]).toEqual(['closed', false])
    expect(Date.now() - started).toBeLessThan(1_000)
  })
})
