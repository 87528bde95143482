import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Throttles that hold across every worker process (issue 15 "Sending").
 *
 * - `delivery_throttles`: one row per sender (`integration:<id>`, or
 *   `platform`): the next free send slot in epoch ms. A worker reserves a
 *   slot by moving it on, inside the transaction that marks the message
 *   `sending` (SQLite: one writer; PostgreSQL: the row `FOR UPDATE`), so
 *   slots are 1/rate apart whatever the number of workers.
 * - `delivery_throttle_slots`: per sender, its last `rate` sends (when each
 *   began, when the provider answered): a new send may begin only a second
 *   after the oldest of them was answered, so no second at the provider
 *   ever sees more than the rate, however long each took on its way.
 * - `delivery_throttle_recipients`: per sender and normalized address, when
 *   it was last sent to: the least gap between two messages to one
 *   recipient, and WhatsApp's tier of unique recipients per moving 24 h
 *   (those with `last_sent_ms` in the last 24 h).
 * - `deliveries.missing_addresses`: per channel, how many recipients got
 *   no message because they lack the address ("12 recipients have no
 *   phone number").
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('delivery_throttles', (table) => {
      table.string('sender_key', 80).primary()
      table.bigInteger('next_slot_ms').notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })

    this.schema.createTable('delivery_throttle_slots', (table) => {
      table.string('sender_key', 80).notNullable()
      table.integer('slot_no').notNullable()
      table.uuid('message_id').nullable()
      table.bigInteger('started_ms').notNullable()
      table.bigInteger('done_ms').nullable()
      table.primary(['sender_key', 'slot_no'])
    })

    this.schema.createTable('delivery_throttle_recipients', (table) => {
      table.string('sender_key', 80).notNullable()
      table.string('address', 320).notNullable()
      table.bigInteger('last_sent_ms').notNullable()
      table.primary(['sender_key', 'address'])
      table.index(['sender_key', 'last_sent_ms'])
    })

    this.schema.alterTable('deliveries', (table) => {
      table.json('missing_addresses').nullable()
    })
  }

  async down() {
    this.schema.alterTable('deliveries', (table) => {
      table.dropColumn('missing_addresses')
    })
    this.schema.dropTableIfExists('delivery_throttle_recipients')
    this.schema.dropTableIfExists('delivery_throttle_slots')
    this.schema.dropTableIfExists('delivery_throttles')
  }
}
