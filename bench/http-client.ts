/**
 * The benchmark's HTTP clients: Node's built-in fetch (undici), which keeps connections alive by
 * default, so each concurrent client reuses one connection for all its requests.
 *
 * @module
 */

import { performance } from 'node:perf_hooks'

export interface IngestResult {
  /** Wall time from the first request sent to the last answer read, seconds. */
  readonly seconds: number
  readonly accepted: number
  readonly duplicates: number
  /** Latency of each batch request, ms. */
  readonly batchMs: number[]
  /** CPU time of this (client) process during the run, seconds. */
  readonly clientCpuSeconds: number
}

interface IngestReply {
  readonly accepted?: number
  readonly duplicates?: number
  readonly rejected?: number
  readonly message?: string
}

/**
 * POST every body to `/api/v1/activities/ingest` with `clients` concurrent clients, each taking the
 * next body as soon as its previous one is answered. Bodies are JSON arrays serialized beforehand.
 * Throws on any answer other than 200 with every record accepted or duplicate.
 */
export async function ingestOverHttp(baseUrl: string, token: string, bodies: ReadonlyArray<Uint8Array<ArrayBuffer>>, clients: number): Promise<IngestResult> {
  const url = `${baseUrl}/api/v1/activities/ingest`
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  let next = 0
  let accepted = 0
  let duplicates = 0
  const batchMs: number[] = []
  const client = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next] as Uint8Array<ArrayBuffer>
      next += 1
      const started = performance.now()
      const response = await fetch(url, { method: 'POST', headers, body })
      const text = await response.text()
      batchMs.push(performance.now() - started)
      const reply = JSON.parse(text) as IngestReply
      if (response.status !== 200 || reply.rejected !== 0) {
        throw new Error(`ingest answered ${response.status}: ${text.slice(0, 500)}`)
      }
      accepted += reply.accepted ?? 0
      duplicates += reply.duplicates ?? 0
    }
  }
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(Array.from({ length: clients }, () => client()))
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  return { seconds, accepted, duplicates, batchMs, clientCpuSeconds: (used.user + used.system) / 1e6 }
}

/** The answer of the activities list (`POST /api/v1/activities`). */
export interface PageReply {
  readonly total: number
  readonly hasNext: boolean
  readonly moreThanTotal: boolean
  readonly cursor: string | null
  readonly data: ReadonlyArray<{ readonly id: string; readonly timestamp: number }>
}

/** One list request; returns the page and its latency (request sent → whole body received), ms. */
export async function listActivities(baseUrl: string, token: string, body: unknown): Promise<{ page: PageReply; ms: number }> {
  const started = performance.now()
  const response = await fetch(`${baseUrl}/api/v1/activities`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  const ms = performance.now() - started
  if (response.status !== 200) {
    throw new Error(`list answered ${response.status} for ${JSON.stringify(body)}: ${text.slice(0, 500)}`)
  }
  return { page: JSON.parse(text) as PageReply, ms }
}
