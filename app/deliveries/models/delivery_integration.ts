import type { DateTime } from 'luxon'
import { column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import { booleanColumn, jsonColumn } from '#core/models/columns'
import DeliveryIntegrationSecret from '#deliveries/models/delivery_integration_secret'
import type { Channel, DocumentDelivery, Provider } from '#deliveries/services/providers'

export type TestStatus = 'pending' | 'succeeded' | 'failed'

/**
 * An org's own sender on one channel. Sender identity is in columns, the
 * provider's other settings in `config`; secrets are rows of their own,
 * never loaded with it unless asked for.
 */
export default class DeliveryIntegration extends TimestampedModel {
  @column()
  declare organizationId: string

  @column()
  declare channel: Channel

  @column()
  declare provider: Provider

  @column()
  declare displayName: string

  @booleanColumn()
  declare isActive: boolean

  @booleanColumn()
  declare isDefault: boolean

  @column()
  declare fromEmail: string | null

  @column()
  declare fromName: string | null

  @column()
  declare whatsappPhoneNumber: string | null

  @column()
  declare whatsappPhoneNumberId: string | null

  @column()
  declare whatsappWabaId: string | null

  @jsonColumn()
  declare config: Record<string, unknown>

  @column.dateTime()
  declare lastTestedAt: DateTime | null

  @column()
  declare lastTestStatus: TestStatus | null

  @column()
  declare lastTestMessage: string | null

  @column()
  declare lastTestTo: string | null

  @column()
  declare createdBy: string | null

  @column.dateTime()
  declare deletedAt: DateTime | null

  /** Set when an account-level error (WhatsApp 131031/131042/368, SMTP auth) stopped its sends. */
  @column.dateTime()
  declare pausedAt: DateTime | null

  @column()
  declare pauseCode: string | null

  @column()
  declare pauseReason: string | null

  @hasMany(() => DeliveryIntegrationSecret, { foreignKey: 'integrationId' })
  declare secrets: HasMany<typeof DeliveryIntegrationSecret>

  /**
   * Takes the provider's settings (the API's keys): sender identity into its
   * columns, the rest into `config`. Replaces every setting, as PUT does.
   */
  applySettings(settings: Record<string, unknown>) {
    const { from_email: fromEmail, from_name: fromName, ...rest } = settings
    if (this.channel === 'whatsapp') {
      const {
        phone_number_id: phoneNumberId,
        waba_id: wabaId,
        display_phone_number: displayPhoneNumber,
        ...config
      } = rest
      this.whatsappPhoneNumberId = String(phoneNumberId)
      this.whatsappWabaId = String(wabaId)
      this.whatsappPhoneNumber = String(displayPhoneNumber)
      this.fromEmail = null
      this.fromName = null
      this.config = withoutEmpty(config)
      return
    }
    this.fromEmail = String(fromEmail)
    this.fromName = typeof fromName === 'string' && fromName !== '' ? fromName : null
    this.config = withoutEmpty(rest)
  }

  /** The provider's settings as the API names them (what `applySettings` took). */
  get settings(): Record<string, unknown> {
    if (this.channel === 'whatsapp') {
      return {
        phone_number_id: this.whatsappPhoneNumberId,
        waba_id: this.whatsappWabaId,
        display_phone_number: this.whatsappPhoneNumber,
        ...this.config,
        document_delivery: this.documentDelivery,
      }
    }
    return { ...this.config, from_email: this.fromEmail, from_name: this.fromName }
  }

  /** How a WhatsApp integration hands Meta the PDF (#deliveries/services/providers DOCUMENT_DELIVERIES). */
  get documentDelivery(): DocumentDelivery {
    return this.config.document_delivery === 'upload' ? 'upload' : 'link'
  }

  get status(): 'active' | 'disabled' {
    return this.isActive ? 'active' : 'disabled'
  }

  /** Who recipients see the message from: the address, or the WhatsApp number. */
  get sender(): string | null {
    if (this.channel === 'whatsapp') return this.whatsappPhoneNumber
    if (!this.fromEmail) return null
    return this.fromName ? `${this.fromName} <${this.fromEmail}>` : this.fromEmail
  }
}

/** Unset optional settings are not stored: `config` holds only what was given. */
function withoutEmpty(settings: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(settings).filter(
      ([, value]) => value !== undefined && value !== null && value !== ''
    )
  )
}
