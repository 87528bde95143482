import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * A delivery's progress (#deliveries/queries/delivery_counts: its messages
 * counted by channel, status and the cancelled flag) is read on every poll
 * of the API and every refresh of the job's panel. Filtered by org and
 * delivery, SQLite's planner walked the org's `(organization_id,
 * created_at)` index, every message the org ever sent, and took 24–63 ms
 * on a web process's event loop for a 10,000-message delivery (the deliver
 * bench). This index holds every column the count reads, after the org and
 * the delivery: the count reads only that delivery's entries and never the
 * table. Built CONCURRENTLY on PostgreSQL, as 0014 is.
 */
const NAME = 'idx_delivery_messages_counts'

export default class extends BaseSchema {
  static disableTransactions = true

  async up() {
    if (this.db.dialect.name === 'postgres') {
      this.schema.raw(
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${NAME} ON delivery_messages (organization_id, delivery_id, channel, status, error_code)`
      )
      return
    }
    this.schema.alterTable('delivery_messages', (table) => {
      table.index(['organization_id', 'delivery_id', 'channel', 'status', 'error_code'], NAME)
    })
  }

  async down() {
    this.schema.raw(`DROP INDEX IF EXISTS ${NAME}`)
  }
}
