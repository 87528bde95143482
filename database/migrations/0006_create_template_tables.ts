import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * Templates (design §5.4) and the org's branding images.
 *
 * - `certificate_templates`: the stable identity; `current_version_id`
 *   points at the newest version (the foreign key is added once both tables
 *   exist, on each engine in its own way).
 * - `certificate_template_versions`: immutable snapshots. A new source or new
 *   fields make a new row with the next `version_number`; certificates keep
 *   pointing at the version they were drawn from. `organization_id` is
 *   repeated here (not in the design) so every version query can be scoped
 *   by org without a join.
 * - `certificate_template_fields`: the fields of one version.
 * - `organization_branding_assets`: logos, stamps and signatures (not in the
 *   design, which keeps them as bare files): a name and a type for the
 *   settings page, soft deletion so versions that draw one keep it.
 */
export default class extends BaseSchema {
  async up() {
    const sqlite = this.db.dialect.name !== 'postgres'

    this.schema.createTable('certificate_templates', (table) => {
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
      table.string('name', 120).notNullable()
      table.enum('status', ['draft', 'active', 'archived']).notNullable().defaultTo('draft')
      const current = table.uuid('current_version_id').nullable()
      // SQLite accepts a reference to a table created later in the same migration.
      if (sqlite)
        current.references('id').inTable('certificate_template_versions').onDelete('SET NULL')
      table.integer('current_version_number').notNullable().defaultTo(0)
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('archived_at', { useTz: true }).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.index(['organization_id', 'created_at'])
      table.index(['organization_id', 'category_id', 'subcategory_id'])
      table.index(['organization_id', 'status'])
    })

    this.schema.createTable('certificate_template_versions', (table) => {
      table.uuid('id').primary()
      table
        .uuid('template_id')
        .notNullable()
        .references('id')
        .inTable('certificate_templates')
        .onDelete('CASCADE')
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.integer('version_number').notNullable()
      table.uuid('source_file_id').notNullable().references('id').inTable('files')
      table.uuid('original_file_id').nullable().references('id').inTable('files')
      table.uuid('background_file_id').notNullable().references('id').inTable('files')
      table.uuid('preview_file_id').nullable().references('id').inTable('files')
      table.double('page_width').notNullable()
      table.double('page_height').notNullable()
      table.json('meta').notNullable()
      table.string('change_note', 200).nullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['template_id', 'version_number'])
      table.index(['template_id'], 'idx_template_versions_template')
      table.index(['organization_id', 'created_at'])
    })

    if (!sqlite) {
      this.schema.alterTable('certificate_templates', (table) => {
        table
          .foreign('current_version_id')
          .references('id')
          .inTable('certificate_template_versions')
          .onDelete('SET NULL')
      })
    }

    this.schema.createTable('certificate_template_fields', (table) => {
      table.uuid('id').primary()
      table
        .uuid('template_version_id')
        .notNullable()
        .references('id')
        .inTable('certificate_template_versions')
        .onDelete('CASCADE')
      table.string('field_key', 63).notNullable()
      table.enum('field_type', ['text', 'date', 'qrcode', 'image']).notNullable()
      table.string('label', 80).notNullable()
      table.json('config').notNullable()
      table.boolean('is_required').notNullable().defaultTo(false)
      table.integer('sort_order').notNullable().defaultTo(0)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['template_version_id', 'field_key'])
      table.index(['template_version_id'], 'idx_template_fields_version')
    })

    this.schema.createTable('organization_branding_assets', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.uuid('file_id').notNullable().references('id').inTable('files')
      table.enum('asset_type', ['logo', 'stamp', 'signature']).notNullable()
      table.string('name', 80).notNullable()
      table.integer('width_px').notNullable()
      table.integer('height_px').notNullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('deleted_at', { useTz: true }).nullable()
      table.index(['organization_id', 'asset_type'])
    })
  }

  async down() {
    this.schema.dropTableIfExists('organization_branding_assets')
    this.schema.dropTableIfExists('certificate_template_fields')
    if (this.db.dialect.name === 'postgres') {
      this.schema.alterTable('certificate_templates', (table) =>
        table.dropForeign(['current_version_id'])
      )
    }
    this.schema.dropTableIfExists('certificate_template_versions')
    this.schema.dropTableIfExists('certificate_templates')
  }
}
