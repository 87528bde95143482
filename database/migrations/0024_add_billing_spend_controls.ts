import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * An org's spend controls (issue 16): a monthly spend cap (with GST, in
 * paise; null: none), whether reaching it stops new certificates
 * (`E_SPEND_CAP`) or only warns, and the percentages of the cap (and of the
 * trial's free certificates) at which its billing contacts are emailed.
 * `billing_usage_alerts` records each alert sent, once per month, kind and
 * percentage.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('organizations', (table) => {
      table.bigInteger('monthly_spend_cap_paise').nullable()
      table.boolean('spend_cap_blocks').notNullable().defaultTo(false)
      table.string('usage_alert_percents', 40).notNullable().defaultTo('80,100')
    })
    this.schema.createTable('billing_usage_alerts', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.string('period_start', 10).notNullable()
      table.enum('kind', ['spend_cap', 'trial_certificates']).notNullable()
      table.integer('percent').notNullable()
      table.bigInteger('value').notNullable()
      table.json('sent_to').nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['organization_id', 'period_start', 'kind', 'percent'])
    })
  }

  async down() {
    this.schema.dropTableIfExists('billing_usage_alerts')
    this.schema.alterTable('organizations', (table) => {
      table.dropColumn('usage_alert_percents')
      table.dropColumn('spend_cap_blocks')
      table.dropColumn('monthly_spend_cap_paise')
    })
  }
}
