import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * An HTTP email provider signs its event webhooks (bounces, complaints)
 * with a key of its own, not the API key (Resend's `whsec_…`, Mailgun's
 * "HTTP webhook signing key"): a secret type for it. `secret_type` is a
 * checked text column (migration 0010); the check gains the new value
 * (PostgreSQL: the constraint replaced; SQLite: the table rebuilt, as
 * SQLite cannot alter a CHECK).
 */
const SECRET_TYPES = [
  'password',
  'api_key',
  'access_token',
  'app_secret',
  'verify_token',
  'webhook_signing_key',
]
const CONSTRAINT = 'delivery_integration_secrets_secret_type_check'

export default class extends BaseSchema {
  async up() {
    await this.#allow(SECRET_TYPES)
  }

  async down() {
    this.defer(async (db) => {
      await db
        .from('delivery_integration_secrets')
        .where('secret_type', 'webhook_signing_key')
        .delete()
    })
    await this.#allow(SECRET_TYPES.slice(0, -1))
  }

  async #allow(types: string[]) {
    if (this.db.dialect.name === 'postgres') {
      this.schema.raw(
        `ALTER TABLE delivery_integration_secrets DROP CONSTRAINT IF EXISTS ${CONSTRAINT}`
      )
      this.schema.raw(
        `ALTER TABLE delivery_integration_secrets ADD CONSTRAINT ${CONSTRAINT} CHECK (secret_type IN (${types.map((t) => `'${t}'`).join(', ')}))`
      )
      return
    }
    // SQLite cannot change a CHECK in place: the table is rebuilt with the new list, rows copied.
    this.defer(async (db) => {
      const tables = await db.rawQuery(
        "select type, sql from sqlite_master where tbl_name = 'delivery_integration_secrets' and sql is not null"
      )
      const table = tables.find((row: { type: string }) => row.type === 'table')
      const indexes = tables.filter((row: { type: string }) => row.type === 'index')
      const list = types.map((type) => `'${type}'`).join(', ')
      const create = String(table.sql)
        .replace(
          /^CREATE TABLE [`"]?delivery_integration_secrets[`"]?/i,
          'CREATE TABLE `delivery_integration_secrets_next`'
        )
        .replace(/(check \(`secret_type` in \()[^)]*(\)\))/, `$1${list}$2`)
      if (!create.includes(list)) throw new Error(`unexpected table definition: ${table.sql}`)
      await db.rawQuery(create)
      await db.rawQuery(
        'insert into delivery_integration_secrets_next select * from delivery_integration_secrets'
      )
      await db.rawQuery('drop table delivery_integration_secrets')
      await db.rawQuery(
        'alter table delivery_integration_secrets_next rename to delivery_integration_secrets'
      )
      for (const index of indexes) await db.rawQuery(index.sql)
    })
  }
}
