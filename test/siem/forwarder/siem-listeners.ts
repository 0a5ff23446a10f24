/**
 * Real receivers for forwarding tests, written here from the RFCs rather than with the sink's code: a
 * TCP syslog listener that reads octet-counted frames (RFC 6587: `LEN SP MSG`; a frame cut off by a
 * broken connection is discarded, as a correct reader does), and an HTTP webhook receiver.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'

export interface SyslogListener {
  /** The port, the same across restarts. */
  readonly port: number
  /** Every whole frame, in the order received, across connections. */
  readonly messages: string[]
  /** Whole frames per connection, in order. */
  readonly connections: string[][]
  /** Every byte received, partial frames included, as text: what "never reaches the listener" is checked on. */
  raw(): string
  /** The CEF `externalId` of every whole frame, in order. */
  ids(): string[]
  /** Stop listening and cut every connection (what a crashed receiver does). */
  stop(): Promise<void>
  /** Listen again on the same port. */
  restart(): Promise<void>
}

/** The activity id of a CEF line. */
export function externalIdOf(message: string): string | null {
  return /(?:^|\|| )externalId=((?:\\.|[^ \\])+)/.exec(message)?.[1]?.replace(/\\(.)/g, '$1') ?? null
}

export async function startSyslogListener(port = 0): Promise<SyslogListener> {
  const messages: string[] = []
  const connections: string[][] = []
  const received: Buffer[] = []
  const sockets = new Set<Socket>()
  let server: Server | null = null

  const onConnection = (socket: Socket) => {
    sockets.add(socket)
    const frames: string[] = []
    connections.push(frames)
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk)
      pending = Buffer.concat([pending, chunk])
      for (;;) {
        const space = pending.indexOf(0x20)
        if (space < 0) {
          break
        }
        const length = Number(pending.subarray(0, space).toString('ascii'))
        if (!Number.isInteger(length) || length <= 0) {
          socket.destroy(new Error(`not an octet-counted frame: ${pending.subarray(0, 40).toString()}`))
          return
        }
        if (pending.length < space + 1 + length) {
          break
        }
        const frame = pending.subarray(space + 1, space + 1 + length).toString('utf8')
        pending = pending.subarray(space + 1 + length)
        frames.push(frame)
        messages.push(frame)
      }
    })
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  }

  const listen = (at: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer(onConnection)
      s.once('error', reject)
      s.listen(at, '127.0.0.1', () => {
        server = s
        resolve((s.address() as { port: number }).port)
      })
    })

  const bound = await listen(port)
  return {
    port: bound,
    messages,
    connections,
    raw: () => Buffer.concat(received).toString('utf8'),
    ids: () => messages.map(externalIdOf).filter((id): id is string => id !== null),
    stop: async () => {
      const s = server
      server = null
      for (const socket of sockets) {
        socket.destroy()
      }
      await new Promise<void>((resolve) => (s ? s.close(() => resolve()) : resolve()))
    },
    restart: async () => {
      await listen(bound)
    },
  }
}

export interface WebhookReceiver {
  readonly url: string
  /** Ids of the activities of every batch answered 2xx, in order. */
  readonly ids: string[]
  raw(): string
  /** `ok` (default): 200; `hang`: never answer; `fail`: 503. */
  mode: 'ok' | 'hang' | 'fail'
  /** Answer `ok` requests only after this many ms. */
  delayMs: number
  close(): Promise<void>
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: string[] = []
  const hanging = new Set<ServerResponse>()
  const receiver: WebhookReceiver = {
    url: '',
    ids: [],
    raw: () => received.join('\n'),
    mode: 'ok',
    delayMs: 0,
    close: async () => {
      for (const res of hanging) {
        res.destroy()
      }
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server: HttpServer = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      received.push(body)
      if (receiver.mode === 'hang') {
        hanging.add(res)
        return
      }
      if (receiver.mode === 'fail') {
        res.writeHead(503).end()
        return
      }
      const parsed = JSON.parse(body === '' ? '{}' : body) as unknown
      const answer = () => {
        receiver.ids.push(...findActivities(parsed).map((a) => a.id))
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      }
      if (receiver.delayMs > 0) {
        hanging.add(res)
        setTimeout(answer, receiver.delayMs)
      } else {
        answer()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  Object.assign(receiver, { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/veil` })
  return receiver
}

/** The activity objects of a webhook body, whatever the envelope's key is called. */
function findActivities(body: unknown): Array<{ id: string }> {
  if (Array.isArray(body)) {
    return body.filter((a): a is { id: string } => typeof a === 'object' && a !== null && typeof (a as { id?: unknown }).id === 'string')
  }
  if (typeof body === 'object' && body !== null) {
    for (const value of Object.values(body)) {
      if (Array.isArray(value)) {
        return findActivities(value)
      }
    }
  }
  return []
}

/** Wait until `check` holds (polling), or fail with `what`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) {
      return
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 15))
  }
}
