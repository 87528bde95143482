import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Generation and certificates (design §5.6) and what issuing needs.
 *
 * - `certificate_generation_jobs`: one bulk request. Counts are columns
 *   (recomputed from child rows with every chunk, never kept in memory);
 *   `options` keeps the issue/expiry choices as entered.
 * - `generation_job_templates`: the 1–4 templates of a job, each pinned to
 *   the version current when the job was created.
 * - `generation_job_recipients`: the job's recipients, copied from the
 *   import's valid rows (or entered by hand), `position` 0..n-1.
 * - `generation_job_chunks`: the unit of work a worker claims: a range of
 *   recipient positions, leased (`lease_token`, `lease_expires_at`) and
 *   heart-beaten by its owner; completion is fenced on the token;
 *   `first_number` is its block of numbers, reserved on the first attempt.
 * - `certificates`: one per recipient × template, inserted once its PDF
 *   is stored. `UNIQUE(generation_job_id, generation_job_recipient_id,
 *   template_id)` backs the idempotence of a retried chunk (its ids and
 *   numbers are reserved on the chunk and derived again). `pending` is kept
 *   in the status check for rows a later flow may hold back; none is shown. Only the SHA-256 of the verification
 *   token is stored (no `verification_path`/`qr_payload_url` columns: they
 *   would hold the token).
 * - `organization_certificate_counters`: one row per org; numbers come from
 *   `UPDATE … SET last_number = last_number + k RETURNING` in the same
 *   transaction as the rows, so they are gapless.
 * - `certificate_verification_events`, `billing_usage_events` (one
 *   `certificate_issued` event per certificate, unique).
 * - `files.base_file_id`: an object that is an incremental update of
 *   another (a certificate stored as its part; the job's base bytes once).
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('files', (table) => {
      table.uuid('base_file_id').nullable().references('id').inTable('files')
    })

    this.schema.createTable('organization_certificate_counters', (table) => {
      table
        .uuid('organization_id')
        .primary()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.bigInteger('last_number').notNullable().defaultTo(0)
      table.timestamp('updated_at', { useTz: true }).notNullable()
    })

    this.schema.createTable('certificate_generation_jobs', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table
        .enum('status', ['queued', 'processing', 'completed', 'failed', 'cancelled'])
        .notNullable()
        .defaultTo('queued')
      table
        .uuid('category_id')
        .nullable()
        .references('id')
        .inTable('certificate_categories')
        .onDelete('SET NULL')
      table
        .uuid('subcategory_id')
        .nullable()
        .references('id')
        .inTable('certificate_subcategories')
        .onDelete('SET NULL')
      table
        .uuid('import_job_id')
        .nullable()
        .references('id')
        .inTable('file_import_jobs')
        .onDelete('SET NULL')
      table.enum('source', ['import', 'manual']).notNullable()
      table.string('name', 160).nullable()
      table.string('issue_date', 10).notNullable()
      table.enum('expiry_mode', ['none', 'date', 'months']).notNullable().defaultTo('none')
      table.string('expiry_date', 10).nullable()
      table.integer('expiry_months').nullable()
      table.json('options').notNullable()
      table.integer('recipient_count').notNullable().defaultTo(0)
      table.integer('template_count').notNullable().defaultTo(0)
      table.integer('total_items').notNullable().defaultTo(0)
      table.integer('completed_items').notNullable().defaultTo(0)
      table.integer('failed_items').notNullable().defaultTo(0)
      table.string('failure_message', 1000).nullable()
      table.uuid('export_file_id').nullable().references('id').inTable('files')
      table.timestamp('export_built_at', { useTz: true }).nullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('started_at', { useTz: true }).nullable()
      table.timestamp('finished_at', { useTz: true }).nullable()
      table.timestamp('cancelled_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['organization_id', 'created_at'])
      table.index(['status'])
    })

    this.schema.createTable('generation_job_templates', (table) => {
      table.uuid('id').primary()
      table
        .uuid('job_id')
        .notNullable()
        .references('id')
        .inTable('certificate_generation_jobs')
        .onDelete('CASCADE')
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.uuid('template_id').notNullable().references('id').inTable('certificate_templates')
      table
        .uuid('template_version_id')
        .notNullable()
        .references('id')
        .inTable('certificate_template_versions')
      table
        .uuid('category_id')
        .nullable()
        .references('id')
        .inTable('certificate_categories')
        .onDelete('SET NULL')
      table
        .uuid('subcategory_id')
        .nullable()
        .references('id')
        .inTable('certificate_subcategories')
        .onDelete('SET NULL')
      table.integer('position').notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['job_id', 'template_id', 'template_version_id'])
      table.index(['job_id'], 'idx_job_templates_job')
    })

    this.schema.createTable('generation_job_recipients', (table) => {
      table.uuid('id').primary()
      table
        .uuid('job_id')
        .notNullable()
        .references('id')
        .inTable('certificate_generation_jobs')
        .onDelete('CASCADE')
      table.integer('position').notNullable()
      table.uuid('import_row_id').nullable()
      table.integer('row_index').nullable()
      table.string('recipient_name', 300).notNullable()
      table.string('recipient_email', 320).nullable()
      table.string('recipient_phone', 32).nullable()
      table.json('recipient_data').notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['job_id', 'position'])
    })

    this.schema.createTable('generation_job_chunks', (table) => {
      table.uuid('id').primary()
      table
        .uuid('job_id')
        .notNullable()
        .references('id')
        .inTable('certificate_generation_jobs')
        .onDelete('CASCADE')
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.integer('seq').notNullable()
      /** Recipient positions [first_position, end_position). */
      table.integer('first_position').notNullable()
      table.integer('end_position').notNullable()
      table
        .enum('status', ['held', 'queued', 'leased', 'done', 'failed', 'cancelled'])
        .notNullable()
      table.integer('attempts').notNullable().defaultTo(0)
      table.string('lease_owner', 120).nullable()
      table.string('lease_token', 64).nullable()
      table.timestamp('lease_expires_at', { useTz: true }).nullable()
      /** The first of the chunk's consecutive certificate numbers, reserved once (recipients × templates of them). */
      table.bigInteger('first_number').nullable()
      table.string('last_error', 1000).nullable()
      table.timestamp('done_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['job_id', 'seq'])
      table.index(['status', 'lease_expires_at'])
    })

    this.schema.createTable('certificates', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table
        .uuid('generation_job_id')
        .nullable()
        .references('id')
        .inTable('certificate_generation_jobs')
        .onDelete('SET NULL')
      table
        .uuid('generation_job_recipient_id')
        .nullable()
        .references('id')
        .inTable('generation_job_recipients')
        .onDelete('SET NULL')
      table.uuid('generation_job_chunk_id').nullable()
      table.uuid('template_id').notNullable().references('id').inTable('certificate_templates')
      table
        .uuid('template_version_id')
        .notNullable()
        .references('id')
        .inTable('certificate_template_versions')
      table
        .uuid('category_id')
        .nullable()
        .references('id')
        .inTable('certificate_categories')
        .onDelete('SET NULL')
      table
        .uuid('subcategory_id')
        .nullable()
        .references('id')
        .inTable('certificate_subcategories')
        .onDelete('SET NULL')
      table.string('title', 300).notNullable()
      table.string('recipient_name', 300).notNullable()
      table.string('recipient_email', 320).nullable()
      table.string('recipient_phone', 32).nullable()
      table.json('recipient_data').notNullable()
      table.string('certificate_number', 120).notNullable()
      table.bigInteger('sequence_number').notNullable()
      table.enum('status', ['pending', 'issued', 'expired', 'revoked', 'superseded']).notNullable()
      table.string('issue_date', 10).notNullable()
      table.string('expiry_date', 10).nullable()
      table.timestamp('issued_at', { useTz: true }).nullable()
      table.timestamp('expires_at', { useTz: true }).nullable()
      table.timestamp('revoked_at', { useTz: true }).nullable()
      table.string('revocation_reason', 500).nullable()
      table.uuid('revoked_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.uuid('reissued_from_certificate_id').nullable().references('id').inTable('certificates')
      table.uuid('superseded_by_certificate_id').nullable().references('id').inTable('certificates')
      table.timestamp('superseded_at', { useTz: true }).nullable()
      table.uuid('certificate_file_id').nullable().references('id').inTable('files')
      table.uuid('certificate_preview_file_id').nullable().references('id').inTable('files')
      table.string('sha256', 64).nullable()
      table.string('verification_token_hash', 64).notNullable()
      table.string('failure_message', 1000).nullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['organization_id', 'certificate_number'])
      table.unique(['organization_id', 'sequence_number'])
      table.unique(['verification_token_hash'])
      table.unique(['generation_job_id', 'generation_job_recipient_id', 'template_id'])
      table.index(['organization_id', 'status', 'issued_at'])
      table.index(['organization_id', 'issued_at'])
      table.index(['organization_id', 'category_id', 'subcategory_id'])
      table.index(['organization_id', 'recipient_email'])
      table.index(['organization_id', 'recipient_phone'])
      table.index(['generation_job_id', 'status'])
      table.index(['generation_job_chunk_id'])
      table.index(['status', 'expires_at'])
      table.index(['sha256'])
    })

    this.schema.createTable('certificate_verification_events', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table
        .uuid('certificate_id')
        .notNullable()
        .references('id')
        .inTable('certificates')
        .onDelete('CASCADE')
      table.timestamp('scanned_at', { useTz: true }).notNullable()
      table.enum('source', ['qr', 'link', 'upload', 'api']).notNullable()
      table.string('ip_hash', 64).nullable()
      table.string('user_agent', 500).nullable()
      table.string('status_snapshot', 20).notNullable()
      table.json('metadata').notNullable()
      table.index(['certificate_id', 'scanned_at'])
      table.index(['organization_id', 'scanned_at'])
    })

    this.schema.createTable('billing_usage_events', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.uuid('period_id').nullable()
      table.string('event_type', 40).notNullable()
      table
        .uuid('certificate_id')
        .nullable()
        .references('id')
        .inTable('certificates')
        .onDelete('SET NULL')
      table.timestamp('occurred_at', { useTz: true }).notNullable()
      table.integer('quantity').notNullable().defaultTo(1)
      table.json('metadata').notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['certificate_id', 'event_type'])
      table.index(['organization_id', 'period_id'])
      table.index(['organization_id', 'occurred_at'])
    })
  }

  async down() {
    this.schema.dropTableIfExists('billing_usage_events')
    this.schema.dropTableIfExists('certificate_verification_events')
    this.schema.dropTableIfExists('certificates')
    this.schema.dropTableIfExists('generation_job_chunks')
    this.schema.dropTableIfExists('generation_job_recipients')
    this.schema.dropTableIfExists('generation_job_templates')
    this.schema.dropTableIfExists('certificate_generation_jobs')
    this.schema.dropTableIfExists('organization_certificate_counters')
    this.schema.alterTable('files', (table) => {
      table.dropForeign(['base_file_id'])
      table.dropColumn('base_file_id')
    })
  }
}
