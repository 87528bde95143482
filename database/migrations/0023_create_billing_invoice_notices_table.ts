import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * What the org was told about each invoice, once each (issue 16's dunning):
 * the invoice itself with its PDF, reminders 3 and 7 days after issue, the
 * account past due at the due date and suspended after the grace period.
 * The row is written in the transaction that enqueues its mail, unique per
 * invoice and kind, so a notice is never sent twice however often the
 * daily run runs. `skipped`: a milder notice overtaken by a graver one
 * before it was sent (a run missed for days sends only the gravest).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('billing_invoice_notices', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table
        .uuid('invoice_id')
        .notNullable()
        .references('id')
        .inTable('billing_invoices')
        .onDelete('CASCADE')
      table
        .enum('kind', ['invoice_issued', 'reminder_3', 'reminder_7', 'past_due', 'suspended'])
        .notNullable()
      table.boolean('skipped').notNullable().defaultTo(false)
      table.json('sent_to').nullable()
      table.timestamp('sent_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['invoice_id', 'kind'])
    })
  }

  async down() {
    this.schema.dropTableIfExists('billing_invoice_notices')
  }
}
