import { column } from '@adonisjs/lucid/orm'
import { TimestampedModel } from '#core/models/app_model'
import { booleanColumn, jsonColumn } from '#core/models/columns'
import type { DeliveryChannel } from '#deliveries/services/delivery_template_defaults'

/** An org's own message for one channel (the built-in ones are code: delivery_template_defaults). */
export default class DeliveryTemplate extends TimestampedModel {
  static table = 'delivery_templates'

  @column()
  declare organizationId: string

  @column()
  declare channel: DeliveryChannel

  @column()
  declare name: string

  @column()
  declare locale: string

  @booleanColumn()
  declare isActive: boolean

  @booleanColumn()
  declare isDefault: boolean

  @column()
  declare whatsappTemplateName: string | null

  @column()
  declare whatsappLanguage: string | null

  /** The variable that fills each body parameter of the approved template, {{1}} first. */
  @jsonColumn()
  declare whatsappParameters: string[]

  @column()
  declare emailSubject: string | null

  /** The email's HTML body, sanitized when saved. */
  @column()
  declare body: string | null

  /** The plain-text part as the org wrote it; null: generated from the HTML. */
  @column()
  declare emailTextBody: string | null

  /** The variables the template uses. */
  @jsonColumn()
  declare variables: string[]

  @column()
  declare createdBy: string | null

  @column()
  declare updatedBy: string | null
}
