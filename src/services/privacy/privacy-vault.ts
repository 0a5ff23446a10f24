/**
 * The only place that seals and opens private activities (privacy rule 2). The ingest pipeline's seal
 * stage and retroactive privatization seal through it; revealing reads open through it. The store
 * only ever sees sealed records and blind indexes, never a key.
 *
 * A sealed record is `envelope.ts` `sealRecord(dataKey, payload, aad = activity id)` where the payload
 * is the JSON of `{ v: 1, activity, privateBecause }`: every detail of the activity (its raw event,
 * description and `receivedAt` included) and the privacy group that made it private. The JSON is
 * padded with spaces to a multiple of {@link PAD_BYTES}, so the ciphertext's length says little about
 * the details' length.
 *
 * @module
 */

import type { Activity, ClassifiedActivity } from '../../core/activity/activity.js'
import type { PrivateMatch } from '../../core/privacy/decide-disclosure.js'
import { BLIND_INDEX_FIELDS, blindIndex, openRecord, sealRecord, sealedKeyId, type BlindIndexField } from '../../core/privacy/envelope.js'
import type { Condition } from '../../core/query/activity-query.js'
import type { IngestSealStage } from '../../ingest/seal-stage.js'
import type { BlindIndexValues, NewActivity, NewSealedActivity, StoredActivity } from '../../storage/store.js'
import type { PrivacyKeyring } from './privacy-keyring.js'

/** Sealed payloads are padded to a multiple of this many bytes. */
export const PAD_BYTES = 256

const PAYLOAD_VERSION = 1

interface SealedPayload {
  readonly v: typeof PAYLOAD_VERSION
  readonly activity: Activity
  readonly privateBecause: string
}

/** An activity as a reader may see it once the disclosure allowed it: private ones opened. */
export type OpenedActivity =
  | { readonly isPrivate: false; readonly activity: Activity; readonly privateBecause: null }
  /** `privateBecause`: the privacy group that made it private; shown only to whoever may reveal. */
  | { readonly isPrivate: true; readonly activity: Activity; readonly privateBecause: string }

/** The value of a blind-indexed field of an activity; null when it has none. */
function fieldValue(activity: Activity, field: BlindIndexField): string | null {
  const value = field === 'actorUpn' ? activity.actor.upn : field === 'ip' ? activity.ip : field === 'app' ? activity.app : activity.action.type
  return value === null || value === '' ? null : value
}

export class PrivacyVault implements IngestSealStage {
  readonly #keyring: PrivacyKeyring
  readonly #blindIndexKey: Buffer

  constructor(keyring: PrivacyKeyring, blindIndexKey: Buffer) {
    this.#keyring = keyring
    this.#blindIndexKey = blindIndexKey
  }

  /** The seal stage of the ingest pipeline: private activities are sealed, public ones pass as they are. */
  async seal(batch: readonly ClassifiedActivity[]): Promise<NewActivity[]> {
    if (!batch.some((c) => c.isPrivate)) {
      return batch.map((c) => ({ isPrivate: false, activity: c.activity }))
    }
    const out: NewActivity[] = []
    for (const classified of batch) {
      if (classified.isPrivate) {
        if (!classified.privateBecause) {
          throw new Error(`The private activity ${classified.activity.id} does not say which privacy group made it private`)
        }
        out.push(await this.sealActivity(classified.activity, classified.privateBecause))
      } else {
        out.push({ isPrivate: false, activity: classified.activity })
      }
    }
    return out
  }

  /** Seal one activity made private by `privateBecause`. */
  async sealActivity(activity: Activity, privateBecause: string): Promise<NewSealedActivity> {
    const key = await this.#keyring.activeKey()
    const payload: SealedPayload = { v: PAYLOAD_VERSION, activity, privateBecause }
    const json = Buffer.from(JSON.stringify(payload), 'utf8')
    const padded = Buffer.alloc(Math.ceil((json.length + 1) / PAD_BYTES) * PAD_BYTES, 0x20)
    json.copy(padded)
    return { isPrivate: true, id: activity.id, time: activity.time, sealed: sealRecord(key, padded, activity.id), blindIndexes: this.blindIndexesOf(activity) }
  }

  /** The blind indexes of an activity's user, IP, app and action type. */
  blindIndexesOf(activity: Activity): BlindIndexValues {
    const entries = BLIND_INDEX_FIELDS.map((field) => {
      const value = fieldValue(activity, field)
      return [field, value === null ? null : blindIndex(this.#blindIndexKey, field, value)] as const
    })
    return Object.fromEntries(entries) as Record<BlindIndexField, string | null>
  }

  /**
   * The blind indexes of a revealing query's `eq` values on user, IP, app and action type: what the
   * store needs to match private activities by them (`Disclosure.privateMatch`). Call it only for a
   * revealing query.
   */
  privateMatch(conditions: readonly Condition[]): PrivateMatch {
    const match: Partial<Record<BlindIndexField, Map<string, string>>> = {}
    for (const c of conditions) {
      if (c.field === 'text' || c.field === 'time' || c.field === 'receivedAt' || c.op !== 'eq') {
        continue
      }
      const field = (BLIND_INDEX_FIELDS as readonly string[]).includes(c.field) ? (c.field as BlindIndexField) : null
      if (field === null) {
        continue
      }
      const hashes = (match[field] ??= new Map<string, string>())
      for (const value of c.values) {
        hashes.set(value, blindIndex(this.#blindIndexKey, field, value))
      }
    }
    return match
  }

  /** Open a stored activity: a public one as it is, a private one decrypted (throws if anything does not verify). */
  async open(item: StoredActivity): Promise<OpenedActivity> {
    if (!item.isPrivate) {
      return { isPrivate: false, activity: item.activity, privateBecause: null }
    }
    const key = await this.#keyring.key(sealedKeyId(item.sealed))
    const payload = JSON.parse(openRecord(key.key, item.sealed, item.id).toString('utf8')) as SealedPayload
    // The id is authenticated (additional data); the time column is not, so it must agree with the sealed time.
    if (payload.v !== PAYLOAD_VERSION || payload.activity.id !== item.id || payload.activity.time !== item.time) {
      throw new Error(`The sealed details of the private activity ${item.id} do not match its row`)
    }
    return { isPrivate: true, activity: payload.activity, privateBecause: payload.privateBecause }
  }

  /** Open every item of a page, in order. */
  async openAll(items: readonly StoredActivity[]): Promise<OpenedActivity[]> {
    const opened: OpenedActivity[] = []
    for (const item of items) {
      opened.push(await this.open(item))
    }
    return opened
  }
}
