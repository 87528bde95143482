import { BaseSchema } from '@adonisjs/lucid/schema'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'

/**
 * Prepaid balance (issue 16): an org tops up through Razorpay before its
 * invoices come, and they are paid from it first.
 *
 * - `billing_orders.purpose`: what an order collects, an invoice's amount
 *   due (`invoice`) or an advance (`top_up`, no invoice).
 * - Under GST an advance for services is taxed when received: each top-up
 *   captured is documented by a receipt voucher (CGST Rule 50), a
 *   `billing_invoices` row of kind `receipt_voucher` numbered in its own
 *   series (`XEN-<CODE>-R00001`), its tax worked back from the amount paid;
 *   `billing_payments.receipt_voucher_id` is set once, by the transaction
 *   that issues it.
 * - `billing_advance_allocations`: how much of which advance paid which
 *   invoice (what is left of an advance is its total less its allocations
 *   and refunds), one row per advance and invoice.
 *
 * Widening the CHECK constraints (a document's `kind`, a counter's `series`, and
 * a line's `line_item_type`, which gains `advance`) rebuilds the three
 * tables on SQLite (it cannot alter a constraint): each is copied into a new one
 * with foreign key checks off, which SQLite only allows outside a
 * transaction, so this migration runs without one and each step is safe
 * to run again.
 */
export default class extends BaseSchema {
  static disableTransactions = true

  async up() {
    this.defer(async (db) => {
      await widen(db, 'up')
      if (!(await db.schema.hasColumn('billing_orders', 'purpose'))) {
        await db.schema.alterTable('billing_orders', (table) => {
          table.enum('purpose', ['invoice', 'top_up']).notNullable().defaultTo('invoice')
        })
      }
      if (!(await db.schema.hasColumn('billing_payments', 'receipt_voucher_id'))) {
        await db.schema.alterTable('billing_payments', (table) => {
          table
            .uuid('receipt_voucher_id')
            .nullable()
            .unique()
            .references('id')
            .inTable('billing_invoices')
        })
      }
      if (!(await db.schema.hasTable('billing_advance_allocations'))) {
        await db.schema.createTable('billing_advance_allocations', (table) => {
          table.uuid('id').primary()
          table
            .uuid('organization_id')
            .notNullable()
            .references('id')
            .inTable('organizations')
            .onDelete('CASCADE')
          table
            .uuid('receipt_voucher_id')
            .notNullable()
            .references('id')
            .inTable('billing_invoices')
          table.uuid('invoice_id').notNullable().references('id').inTable('billing_invoices')
          table.bigInteger('amount_paise').notNullable()
          table.timestamp('created_at', { useTz: true }).notNullable()
          table.unique(['receipt_voucher_id', 'invoice_id'])
          table.index(['invoice_id'])
          table.index(['organization_id', 'created_at'])
        })
      }
    })
  }

  async down() {
    this.defer(async (db) => {
      await db.schema.dropTableIfExists('billing_advance_allocations')
      if (await db.schema.hasColumn('billing_payments', 'receipt_voucher_id')) {
        await db.schema.alterTable('billing_payments', (table) => {
          table.dropForeign(['receipt_voucher_id'])
          table.dropUnique(['receipt_voucher_id'])
          table.dropColumn('receipt_voucher_id')
        })
      }
      if (await db.schema.hasColumn('billing_orders', 'purpose')) {
        await db.schema.alterTable('billing_orders', (table) => table.dropColumn('purpose'))
      }
      await widen(db, 'down')
    })
  }
}

/** The CHECK constraints widened: a document's kind, a counter's series, a line's type. */
const KINDS = ['invoice', 'credit_note']
const LINE_TYPES = ['platform_fee', 'certificates', 'credit', 'debit']
const CHECKED = [
  { table: 'billing_invoices', column: 'kind', down: KINDS, up: [...KINDS, 'receipt_voucher'] },
  {
    table: 'billing_invoice_counters',
    column: 'series',
    down: KINDS,
    up: [...KINDS, 'receipt_voucher'],
  },
  {
    table: 'billing_invoice_items',
    column: 'line_item_type',
    down: LINE_TYPES,
    up: [...LINE_TYPES, 'advance'],
  },
]

async function widen(db: QueryClientContract, direction: 'up' | 'down') {
  if (db.dialect.name === 'postgres') {
    for (const { table, column, [direction]: kinds } of CHECKED) {
      await db.rawQuery(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table}_${column}_check`)
      await db.rawQuery(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_${column}_check CHECK (${column} IN (${quoted(kinds)}))`
      )
    }
    return
  }
  // SQLite: each table rebuilt as its documentation says (create, copy, drop, rename), foreign keys
  // off (set by knex before the transaction begins, on the same connection) and checked before commit.
  await db.getWriteClient().transaction(
    async (trx) => {
      for (const { table, column, [direction]: kinds } of CHECKED) {
        const rows: { type: string; sql: string | null }[] = await trx.raw(
          "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('table', 'index')",
          [table]
        )
        const create = rows.find((row) => row.type === 'table')!.sql!
        const check = new RegExp(`CHECK \\(\`${column}\` in\\s*\\([^)]*\\)\\)`, 'gi')
        if ((create.match(check) ?? []).length !== 1) {
          throw new Error(`${table}: expected one CHECK on ${column} in ${create}`)
        }
        const widened = create
          .replace(check, `CHECK (\`${column}\` in (${quoted(kinds)}))`)
          .replace(/^CREATE TABLE (["`]?)\w+\1/, `CREATE TABLE \`${table}__widened\``)
        await trx.raw(widened)
        await trx.raw(`INSERT INTO \`${table}__widened\` SELECT * FROM \`${table}\``)
        await trx.raw(`DROP TABLE \`${table}\``)
        await trx.raw(`ALTER TABLE \`${table}__widened\` RENAME TO \`${table}\``)
        for (const index of rows.filter((row) => row.type === 'index' && row.sql)) {
          await trx.raw(index.sql!)
        }
      }
      const broken: unknown[] = await trx.raw('PRAGMA foreign_key_check')
      if (broken.length > 0) throw new Error(`foreign keys broken: ${JSON.stringify(broken)}`)
    },
    { enforceForeignCheck: false } as never
  )
}

/** Our own constant kinds as SQL literals (DDL takes no parameters). */
const quoted = (kinds: string[]) => kinds.map((kind) => `'${kind.replace(/'/g, "''")}'`).join(', ')
