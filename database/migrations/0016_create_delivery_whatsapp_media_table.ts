import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * `delivery_whatsapp_media`: the media id WhatsApp gave a certificate's PDF
 * when an integration that sends documents "by upload" uploaded it
 * (`POST /<version>/<phone_number_id>/media`), so a resend or a retry sends
 * the same id instead of uploading again. One row per integration, phone
 * number id (media belong to the number that uploaded them) and file;
 * `uploaded_at` says how long it is good for (Meta keeps media 30 days; we
 * reuse an id for 29). A new upload of the same file replaces the row.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('delivery_whatsapp_media', (table) => {
      table.uuid('id').primary()
      table
        .uuid('organization_id')
        .notNullable()
        .references('id')
        .inTable('organizations')
        .onDelete('CASCADE')
      table
        .uuid('integration_id')
        .notNullable()
        .references('id')
        .inTable('delivery_integrations')
        .onDelete('CASCADE')
      table.string('phone_number_id', 32).notNullable()
      table.uuid('file_id').notNullable().references('id').inTable('files').onDelete('CASCADE')
      table.string('media_id', 64).notNullable()
      table.timestamp('uploaded_at', { useTz: true }).notNullable()
      table.unique(['integration_id', 'phone_number_id', 'file_id'])
    })
  }

  async down() {
    this.schema.dropTableIfExists('delivery_whatsapp_media')
  }
}
