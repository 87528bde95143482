import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Recipient imports (design §5.5) and what they need from the org.
 *
 * - `file_import_jobs`: one uploaded list or manual batch. Beyond the
 *   design's `status`, `original_file_id` and `summary`: the detected shape
 *   of the file (format, sheet, header row, columns), the mapping in force,
 *   the templates whose fields it must fill, and the counts as columns so
 *   lists and the API read them without parsing JSON; `rows_read` and
 *   `read_percent` show how far a read in progress has come.
 * - `file_import_rows`: a row as it was in the file (`raw`, the cells
 *   verbatim) and as generation will use it (`data`), with its `errors`
 *   and `warnings`; the counts as columns so "only errors" is an index scan.
 * - `organization_import_mappings`: the mapping an org last used for a set
 *   of headers, offered again for the next file with the same headers.
 * - `organizations.phone_default_country`, `.date_order`: how to read
 *   phone numbers without a country code and numeric dates.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.alterTable('organizations', (table) => {
      table.string('phone_default_country', 2).notNullable().defaultTo('IN')
      table.enum('date_order', ['dmy', 'mdy']).notNullable().defaultTo('dmy')
    })

    this.schema.createTable('file_import_jobs', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
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
        .enum('status', ['uploaded', 'processing', 'ready', 'failed'])
        .notNullable()
        .defaultTo('uploaded')
      table.enum('source', ['file', 'manual']).notNullable().defaultTo('file')
      table.uuid('original_file_id').nullable().references('id').inTable('files')
      table.string('file_name', 255).nullable()
      table.enum('format', ['csv', 'xlsx', 'manual']).notNullable()
      table.string('sheet', 255).nullable()
      table.integer('header_row').nullable()
      table.json('columns').notNullable()
      table.json('mapping').notNullable()
      table.json('template_ids').notNullable()
      table.integer('total_rows').notNullable().defaultTo(0)
      table.integer('valid_rows').notNullable().defaultTo(0)
      table.integer('error_rows').notNullable().defaultTo(0)
      table.integer('warning_rows').notNullable().defaultTo(0)
      table.integer('rows_read').notNullable().defaultTo(0)
      table.integer('read_percent').notNullable().defaultTo(0)
      table.json('summary').notNullable()
      table.string('failure_code', 60).nullable()
      table.string('failure_message', 1000).nullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('processed_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['organization_id', 'created_at'])
      table.index(['organization_id', 'category_id', 'subcategory_id'])
      table.index(['status'])
    })

    this.schema.createTable('file_import_rows', (table) => {
      table.uuid('id').primary()
      table
        .uuid('import_job_id')
        .notNullable()
        .references('id')
        .inTable('file_import_jobs')
        .onDelete('CASCADE')
      table.integer('row_index').notNullable()
      table.json('raw').notNullable()
      table.json('data').notNullable()
      table.json('errors').notNullable()
      table.json('warnings').notNullable()
      table.integer('error_count').notNullable().defaultTo(0)
      table.integer('warning_count').notNullable().defaultTo(0)
      table.string('duplicate_key', 32).nullable()
      /** Not a recipient under the current mapping (a total, a note): kept so another mapping can reconsider it. */
      table.string('skipped_reason', 120).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['import_job_id', 'row_index'])
      table.index(['import_job_id', 'error_count'], 'idx_file_import_rows_job_errors')
    })

    this.schema.createTable('organization_import_mappings', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.string('headers_hash', 64).notNullable()
      table.json('columns').notNullable()
      table.json('mapping').notNullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['organization_id', 'headers_hash'])
    })
  }

  async down() {
    this.schema.dropTableIfExists('organization_import_mappings')
    this.schema.dropTableIfExists('file_import_rows')
    this.schema.dropTableIfExists('file_import_jobs')
    this.schema.alterTable('organizations', (table) => {
      table.dropColumn('date_order')
      table.dropColumn('phone_default_country')
    })
  }
}
