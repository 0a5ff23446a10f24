/**
 * The directory as the ingest hot path sees it: in memory, answering "which groups was this actor in at
 * T" synchronously, without a query.
 *
 * It holds, for every user (deleted ones too), the identifiers it is matched by and its membership
 * spans. `load()` reads everything; `refresh()` asks the store which users changed since the last
 * change number it saw (one indexed query that returns nothing when nothing changed) and reloads only
 * those. Refreshes are debounced to one query per `minRefreshIntervalMs` (250 ms), so calling
 * `refresh()` before every ingest batch is cheap; the directory service calls {@link changed} after its
 * own writes, so the node that made a change classifies with it at once, and every other node within
 * one refresh interval of its next batch.
 *
 * Matching: the actor's UPN is compared with every user's UPN and email aliases, its source id with
 * every user's external id, case-insensitively. An identifier a user no longer holds (renamed, or the
 * user was deleted) still counts for activities from before it was given up, so a late event from a
 * departed member of a privacy group is still classified with that group (privacy rule 1 errs on the
 * side of privacy).
 *
 * @module
 */

import type { Actor } from '../../core/activity/activity.js'
import type { MembershipSource } from '../../ingest/classifier.js'
import type { DirectoryRepository, StoredDirectoryIdentifier, StoredMembershipSpan } from '../../storage/store.js'
import type { DirectoryChangeListener } from './directory-service-impl.js'

/** Who holds an identifier now, and who held it before (until when). */
interface Holders {
  live: string | null
  /** Most recently given up first. */
  retired: Array<{ readonly userId: string; readonly until: number }> | null
}

interface CachedSpan {
  readonly groupId: string
  readonly from: number
  /** `Infinity` while open. */
  readonly to: number
}

interface CachedUser {
  readonly keys: ReadonlyArray<readonly [Map<string, Holders>, string]>
  readonly spans: readonly CachedSpan[]
}

export interface DirectoryCacheOptions {
  /** At most one change query per this many ms unless forced; default 250. */
  readonly minRefreshIntervalMs?: number
  /** Monotonic ms for the debounce; default `performance.now`. */
  readonly now?: () => number
}

export interface DirectoryCacheStats {
  readonly loaded: boolean
  /** Users held (deleted ones included, for late activities). */
  readonly users: number
  readonly identifiers: number
  readonly spans: number
  /** The last change number applied. */
  readonly seq: number
  readonly fullLoads: number
  /** Change queries run (full loads not included). */
  readonly refreshes: number
  /** Users reloaded by those queries. */
  readonly usersReloaded: number
  readonly lastLoadMs: number | null
}

const NONE: readonly string[] = Object.freeze([])

/** Changed users above which a full load is cheaper than reloading them by id. */
const FULL_RELOAD_MIN = 5_000

/**
 * A node's in-memory copy of the directory's matching data; implements the classify stage's
 * `MembershipSource`.
 *
 * @example
 * const cache = new DirectoryCache(store.directory)
 * await cache.load()
 * const directory = new KyselyDirectoryService(ctx, { cache })
 * cache.groupsOf({ upn: 'alex@contoso.com', sourceId: null, displayName: null, type: 'user' }, Date.now())
 */
export class DirectoryCache implements MembershipSource, DirectoryChangeListener {
  readonly #repository: DirectoryRepository
  readonly #minIntervalMs: number
  readonly #now: () => number
  #users = new Map<string, CachedUser>()
  #address = new Map<string, Holders>()
  #external = new Map<string, Holders>()
  #spanCount = 0
  #seq = 0
  #loaded = false
  #stale = false
  #lastCheck = -Infinity
  #running: Promise<void> | null = null
  #queued: Promise<void> | null = null
  #fullLoads = 0
  #refreshes = 0
  #usersReloaded = 0
  #lastLoadMs: number | null = null

  /** `repository` is the store's (not a transaction's) directory repository. */
  constructor(repository: DirectoryRepository, options: DirectoryCacheOptions = {}) {
    this.#repository = repository
    this.#minIntervalMs = options.minRefreshIntervalMs ?? 250
    this.#now = options.now ?? (() => performance.now())
  }

  /** Read the whole directory (again). */
  load(): Promise<void> {
    return this.#schedule(() => this.#fullLoad())
  }

  /**
   * Catch up with changes made anywhere since the last one seen. Without `force`, at most one query
   * per refresh interval: a call within it returns at once (or joins the query in flight). A cache
   * never loaded loads fully.
   */
  refresh(options: { readonly force?: boolean } = {}): Promise<void> {
    const forced = options.force === true || this.#stale || !this.#loaded
    if (!forced && (this.#running !== null || this.#now() - this.#lastCheck < this.#minIntervalMs)) {
      return this.#running ?? Promise.resolve()
    }
    return this.#schedule(() => (this.#loaded ? this.#incremental() : this.#fullLoad()))
  }

  /** The next `refresh()` queries whatever the interval. */
  invalidate(): void {
    this.#stale = true
  }

  /**
   * Called by the directory service after each committed write: a loaded cache catches up now; one
   * never loaded stays so (its first refresh loads everything). Never throws: the change is committed
   * whatever happens here, and a failed refresh is retried by the next one.
   */
  async changed(): Promise<void> {
    if (!this.#loaded) {
      return
    }
    try {
      await this.refresh({ force: true })
    } catch {
      this.#stale = true
    }
  }

  /**
   * The directory user an actor is, by UPN or email alias, then by source id (= external id); null
   * when none. With `time`, a user who gave the identifier up after `time` (renamed, deleted) counts
   * when nobody holds it now.
   */
  matchUser(actor: Actor, time?: number): string | null {
    const byUpn = actor.upn ? this.#address.get(actor.upn.toLowerCase()) : undefined
    const bySource = actor.sourceId ? this.#external.get(actor.sourceId.toLowerCase()) : undefined
    const live = byUpn?.live ?? bySource?.live ?? null
    if (live !== null || time === undefined) {
      return live
    }
    for (const holders of [byUpn, bySource]) {
      const before = holders?.retired?.find((r) => time < r.until)
      if (before) {
        return before.userId
      }
    }
    return null
  }

  /** Group ids whose span of the matched user(s) contains `time` ([from, to)); no query. */
  groupsOf(actor: Actor, time: number): readonly string[] {
    let out: string[] | null = null
    if (actor.upn) {
      out = this.#collect(this.#address.get(actor.upn.toLowerCase()), time, out)
    }
    if (actor.sourceId) {
      out = this.#collect(this.#external.get(actor.sourceId.toLowerCase()), time, out)
    }
    return out ?? NONE
  }

  stats(): DirectoryCacheStats {
    return {
      loaded: this.#loaded,
      users: this.#users.size,
      identifiers: this.#address.size + this.#external.size,
      spans: this.#spanCount,
      seq: this.#seq,
      fullLoads: this.#fullLoads,
      refreshes: this.#refreshes,
      usersReloaded: this.#usersReloaded,
      lastLoadMs: this.#lastLoadMs,
    }
  }

  #collect(holders: Holders | undefined, time: number, out: string[] | null): string[] | null {
    if (holders === undefined) {
      return out
    }
    let result = out
    if (holders.live !== null) {
      result = this.#spansAt(holders.live, time, result)
    }
    if (holders.retired !== null) {
      for (const before of holders.retired) {
        if (time < before.until) {
          result = this.#spansAt(before.userId, time, result)
        }
      }
    }
    return result
  }

  #spansAt(userId: string, time: number, out: string[] | null): string[] | null {
    const user = this.#users.get(userId)
    if (user === undefined) {
      return out
    }
    let result = out
    for (const span of user.spans) {
      if (span.from <= time && time < span.to) {
        result ??= []
        if (!result.includes(span.groupId)) {
          result.push(span.groupId)
        }
      }
    }
    return result
  }

  /**
   * Runs one store read at a time. A call that arrives while one runs waits for it and then runs
   * its own (once for all such callers), because the one running may have read before the caller's
   * change committed.
   */
  #schedule(work: () => Promise<void>): Promise<void> {
    if (this.#running !== null) {
      this.#queued ??= this.#running
        .catch(() => undefined)
        .then(() => {
          this.#queued = null
          return this.#start(work)
        })
      return this.#queued
    }
    return this.#start(work)
  }

  #start(work: () => Promise<void>): Promise<void> {
    this.#stale = false
    this.#lastCheck = this.#now()
    const run = work()
      .catch((error: unknown) => {
        this.#stale = true
        throw error
      })
      .finally(() => {
        if (this.#running === run) {
          this.#running = null
        }
      })
    this.#running = run
    return run
  }

  async #fullLoad(): Promise<void> {
    const started = this.#now()
    // The change number first: anything committed after it is reloaded by the next refresh.
    const seq = await this.#repository.changeSeq()
    const [identifiers, spans] = await Promise.all([this.#repository.identifiers(null), this.#repository.spans({})])
    const users = new Map<string, CachedUser>()
    const address = new Map<string, Holders>()
    const external = new Map<string, Holders>()
    const spanCount = addUsers(users, address, external, identifiers, spans, null)
    // Swapped in one step: lookups never see half a directory.
    this.#users = users
    this.#address = address
    this.#external = external
    this.#spanCount = spanCount
    this.#seq = seq
    this.#loaded = true
    this.#fullLoads += 1
    this.#lastLoadMs = this.#now() - started
  }

  async #incremental(): Promise<void> {
    const changed = await this.#repository.changedUsers(this.#seq)
    this.#refreshes += 1
    if (changed.length === 0) {
      return
    }
    if (changed.length > Math.max(FULL_RELOAD_MIN, this.#users.size / 2)) {
      await this.#fullLoad()
      return
    }
    const ids = changed.map((c) => c.id)
    const [identifiers, spans] = await Promise.all([this.#repository.identifiers(ids), this.#repository.spans({ userIds: ids })])
    // Applied synchronously, after every read: lookups see the old or the new state of each user.
    for (const id of ids) {
      this.#spanCount -= this.#users.get(id)?.spans.length ?? 0
      removeUser(this.#users, id)
    }
    this.#spanCount += addUsers(this.#users, this.#address, this.#external, identifiers, spans, ids)
    this.#seq = changed.reduce((max, c) => Math.max(max, c.seq), this.#seq)
    this.#usersReloaded += ids.length
  }
}

function removeUser(users: Map<string, CachedUser>, userId: string): void {
  const user = users.get(userId)
  if (user === undefined) {
    return
  }
  for (const [map, value] of user.keys) {
    const holders = map.get(value)
    if (holders === undefined) {
      continue
    }
    if (holders.live === userId) {
      holders.live = null
    }
    if (holders.retired !== null) {
      const rest = holders.retired.filter((r) => r.userId !== userId)
      holders.retired = rest.length > 0 ? rest : null
    }
    if (holders.live === null && holders.retired === null) {
      map.delete(value)
    }
  }
  users.delete(userId)
}

/** Add users from their identifiers and spans (`ids`: also those with neither); returns the spans added. */
function addUsers(
  users: Map<string, CachedUser>,
  address: Map<string, Holders>,
  external: Map<string, Holders>,
  identifiers: readonly StoredDirectoryIdentifier[],
  spans: readonly StoredMembershipSpan[],
  ids: readonly string[] | null,
): number {
  const keys = new Map<string, Array<readonly [Map<string, Holders>, string]>>()
  const spansOf = new Map<string, CachedSpan[]>()
  for (const id of ids ?? []) {
    keys.set(id, [])
    spansOf.set(id, [])
  }
  for (const identifier of identifiers) {
    const map = identifier.space === 'external' ? external : address
    let holders = map.get(identifier.value)
    if (holders === undefined) {
      holders = { live: null, retired: null }
      map.set(identifier.value, holders)
    }
    if (identifier.retiredAt === null) {
      holders.live = identifier.userId
    } else {
      holders.retired = [...(holders.retired ?? []), { userId: identifier.userId, until: identifier.retiredAt }].sort((a, b) => b.until - a.until)
    }
    const list = keys.get(identifier.userId) ?? []
    list.push([map, identifier.value])
    keys.set(identifier.userId, list)
  }
  for (const span of spans) {
    const list = spansOf.get(span.userId) ?? []
    list.push({ groupId: span.groupId, from: span.from, to: span.to ?? Infinity })
    spansOf.set(span.userId, list)
  }
  let count = 0
  for (const id of new Set([...keys.keys(), ...spansOf.keys()])) {
    const userSpans = spansOf.get(id) ?? []
    users.set(id, { keys: keys.get(id) ?? [], spans: userSpans })
    count += userSpans.length
  }
  return count
}
