import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Email open tracking (issue 15), off unless an org turns it on.
 *
 * - `delivery_settings` (added): one row per org that changed a delivery
 *   setting; no row reads as the defaults. `track_email_opens` (false):
 *   HTML emails carry a 1×1 tracking image.
 * - `delivery_messages.tracks_opens`: decided when the message is first
 *   handed to its provider (null until then; email only), kept for every
 *   later attempt, so a retry sends the same bytes and a message sent while
 *   tracking was off is never tracked later.
 * - `delivery_provider_webhook_events.source`: `provider` (a provider's
 *   notification) or `ours` (an open our tracking image saw).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('delivery_settings', (table) => {
      table
        .uuid('organization_id')
        .primary()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.boolean('track_email_opens').notNullable().defaultTo(false)
      table.uuid('updated_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })
    this.schema.alterTable('delivery_messages', (table) => {
      table.boolean('tracks_opens').nullable()
    })
    this.schema.alterTable('delivery_provider_webhook_events', (table) => {
      table.enum('source', ['provider', 'ours']).notNullable().defaultTo('provider')
    })
  }

  async down() {
    this.schema.alterTable('delivery_provider_webhook_events', (table) => {
      table.dropColumn('source')
    })
    this.schema.alterTable('delivery_messages', (table) => {
      table.dropColumn('tracks_opens')
    })
    this.schema.dropTable('delivery_settings')
  }
}
