import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The registry row for every stored object (design §5.3): uploads and
 * generated artifacts alike. `path` is the object key on the Drive disk and
 * always follows `<root>/<org_uuid>/…` (built by `storageKey`). `kind` is
 * CHECK-constrained text; the list is frozen here, the model has its own copy.
 */
const FILE_KINDS = [
  'template_source',
  'template_preview',
  'import_original',
  'certificate_pdf',
  'certificate_preview',
  'export_zip',
  'branding_asset',
  'invoice_pdf',
  'delivery_attachment',
] as const

export default class extends BaseSchema {
  async up() {
    this.schema.createTable('files', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table.enum('kind', [...FILE_KINDS]).notNullable()
      table.string('bucket', 63).notNullable().defaultTo('authentix')
      table.string('path', 1024).notNullable()
      table.string('mime_type', 255).notNullable()
      table.bigInteger('size_bytes').notNullable()
      table.string('original_name', 255).nullable()
      table.string('checksum', 64).notNullable()
      table.uuid('created_by').nullable().references('id').inTable('users').onDelete('SET NULL')
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.unique(['bucket', 'path'])
      table.index(['organization_id', 'created_at'])
      table.index(['organization_id', 'kind'])
    })
  }

  async down() {
    this.schema.dropTableIfExists('files')
  }
}
