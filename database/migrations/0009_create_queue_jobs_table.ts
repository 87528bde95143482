import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * `queue_jobs`: the one work queue of the app (app/core/queue). A row is
 * one unit of background work of a registered `kind`, claimed by one worker
 * at a time under a lease it renews while it works.
 *
 * - `state`: held (waits for a release) → available (claimable from
 *   `run_at`) → executing (leased) → completed | failed (dead letter, after
 *   `max_attempts`) | cancelled. A failed attempt before the last goes back
 *   to available with a later `run_at` (backoff).
 * - `subject_id`: the record the job works for (a generation job for its
 *   chunks), so a module can release, cancel or retry all of them at once.
 * - `concurrency_key` / `concurrency_limit`: at most `limit` jobs of a key
 *   execute at once (e.g. one organization's).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('queue_jobs', (table) => {
      table.uuid('id').primary()
      table.string('kind', 100).notNullable()
      table.json('payload').notNullable()
      table
        .uuid('organization_id')
        .nullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.uuid('subject_id').nullable()
      table.string('concurrency_key', 200).nullable()
      table.integer('concurrency_limit').nullable()
      table
        .enum('state', ['held', 'available', 'executing', 'completed', 'failed', 'cancelled'])
        .notNullable()
      table.integer('attempts').notNullable().defaultTo(0)
      table.integer('max_attempts').notNullable()
      table.timestamp('run_at', { useTz: true }).notNullable()
      table.string('lease_owner', 120).nullable()
      table.string('lease_token', 64).nullable()
      table.timestamp('lease_expires_at', { useTz: true }).nullable()
      table.string('last_error', 1000).nullable()
      table.timestamp('finished_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['state', 'run_at'])
      table.index(['state', 'lease_expires_at'])
      table.index(['subject_id', 'kind'])
      table.index(['concurrency_key', 'state'])
    })
  }

  async down() {
    this.schema.dropTableIfExists('queue_jobs')
  }
}
