/**
 * Accounts over Kysely, the same SQL on both engines.
 *
 * @module
 */

import type { Kysely, Selectable, Updateable } from 'kysely'

import { isAdminRole, type AdminRole } from '../core/access/roles.js'
import { ConflictError } from '../core/errors.js'
import type { AccountsTable, Database } from './schema.js'
import type { Account, AccountPatch, AccountRepository, NewAccount } from './store.js'

function toAccount(row: Selectable<AccountsTable>): Account {
  const roles: unknown = JSON.parse(row.roles)
  return {
    upn: row.upn,
    displayName: row.display_name,
    // A role name this version does not know (written by a newer one) grants nothing here.
    roles: Array.isArray(roles) ? roles.filter((r): r is AdminRole => typeof r === 'string' && isAdminRole(r)) : [],
    passwordHash: row.password_hash,
    disabled: Number(row.disabled) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  }
}

/** Accounts keyed by lower-cased UPN; roles are a JSON array in one column (a handful per account). */
export class KyselyAccountRepository implements AccountRepository {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async get(upn: string): Promise<Account | null> {
    const row = await this.#db.selectFrom('accounts').selectAll().where('upn', '=', upn.toLowerCase()).executeTakeFirst()
    return row ? toAccount(row) : null
  }

  async list(): Promise<Account[]> {
    const rows = await this.#db.selectFrom('accounts').selectAll().orderBy('upn').execute()
    return rows.map(toAccount)
  }

  async create(account: NewAccount): Promise<Account> {
    // ON CONFLICT DO NOTHING instead of catching the engine's unique-violation error: the same on both
    // engines, and on PostgreSQL it does not abort an enclosing transaction.
    const row = await this.#db
      .insertInto('accounts')
      .values({
        upn: account.upn.toLowerCase(),
        display_name: account.displayName,
        roles: JSON.stringify(account.roles),
        password_hash: account.passwordHash,
        disabled: 0,
        created_at: account.createdAt,
        updated_at: account.createdAt,
      })
      .onConflict((oc) => oc.column('upn').doNothing())
      .returningAll()
      .executeTakeFirst()
    if (!row) {
      throw new ConflictError('An account with this UPN already exists.')
    }
    return toAccount(row)
  }

  async update(upn: string, patch: AccountPatch): Promise<Account | null> {
    const changes: Updateable<AccountsTable> = { updated_at: patch.updatedAt }
    if (patch.displayName !== undefined) {
      changes.display_name = patch.displayName
    }
    if (patch.roles !== undefined) {
      changes.roles = JSON.stringify(patch.roles)
    }
    if (patch.passwordHash !== undefined) {
      changes.password_hash = patch.passwordHash
    }
    if (patch.disabled !== undefined) {
      changes.disabled = patch.disabled ? 1 : 0
    }
    const row = await this.#db
      .updateTable('accounts')
      .set(changes)
      .where('upn', '=', upn.toLowerCase())
      .returningAll()
      .executeTakeFirst()
    return row ? toAccount(row) : null
  }
}
