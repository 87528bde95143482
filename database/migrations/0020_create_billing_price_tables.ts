import { randomUUID } from 'node:crypto'
import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * What an org pays (issue 16; seed 000 §5.8): price books, and per-org
 * overrides in force between two dates. Money is whole paise (bigint), rates
 * basis points (1,800 = 18 %); calendar dates are `YYYY-MM-DD` text, as
 * certificates' `issue_date` is, so they compare alike on both engines.
 *
 * The `startup` book is created here, not by a seeder, so every database
 * (tests' included) prices by it from the start: 399 rupees a month, 10
 * rupees a certificate, GST 18 %, a reissue within 30 days free.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('billing_price_books', (table) => {
      table.uuid('id').primary()
      table.string('key', 40).notNullable().unique()
      table.string('name', 120).notNullable()
      table.string('currency', 3).notNullable().defaultTo('INR')
      table.bigInteger('platform_fee_paise').notNullable()
      table.bigInteger('certificate_fee_paise').notNullable()
      table.integer('gst_rate_basis_points').notNullable()
      table.integer('free_reissue_days').notNullable().defaultTo(30)
      table.boolean('is_default').notNullable().defaultTo(false)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })

    this.schema.createTable('organization_pricing_overrides', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      // The first and last day it is in force (`effective_to` null: until further notice).
      table.string('effective_from', 10).notNullable()
      table.string('effective_to', 10).nullable()
      // Null: the book's price.
      table.bigInteger('platform_fee_paise').nullable()
      table.boolean('platform_fee_waived').notNullable().defaultTo(false)
      table.bigInteger('certificate_fee_paise').nullable()
      table.integer('gst_rate_basis_points').nullable()
      table.string('reason', 500).nullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.index(['organization_id', 'effective_from'])
    })

    this.defer(async (db) => {
      const now = new Date()
      await db.table('billing_price_books').insert({
        id: randomUUID(),
        key: 'startup',
        name: 'Startup',
        currency: 'INR',
        platform_fee_paise: 39_900,
        certificate_fee_paise: 1_000,
        gst_rate_basis_points: 1_800,
        free_reissue_days: 30,
        is_default: true,
        created_at: now,
        updated_at: now,
      })
    })
  }

  async down() {
    this.schema.dropTableIfExists('organization_pricing_overrides')
    this.schema.dropTableIfExists('billing_price_books')
  }
}
