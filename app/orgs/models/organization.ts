import { DateTime } from 'luxon'
import { column, hasMany } from '@adonisjs/lucid/orm'
import type { HasMany } from '@adonisjs/lucid/types/relations'
import { TimestampedModel } from '#core/models/app_model'
import OrganizationRole from '#orgs/models/organization_role'
import OrganizationApiKey from '#orgs/models/organization_api_key'
import AuditLog from '#core/models/audit_log'

export type BillingStatus = 'trialing' | 'active' | 'past_due' | 'suspended' | 'cancelled'

export default class Organization extends TimestampedModel {
  @column()
  declare name: string

  @column()
  declare businessName: string | null

  @column()
  declare email: string | null

  @column()
  declare phone: string | null

  @column()
  declare slug: string

  /** Public identifier for integrations; safe to show, not a secret. */
  @column()
  declare applicationId: string

  @column()
  declare industryId: string | null

  // The columns are address_line1/2; Lucid's snake_case would look for address_line_1.
  @column({ columnName: 'address_line1' })
  declare addressLine1: string | null

  @column({ columnName: 'address_line2' })
  declare addressLine2: string | null

  @column()
  declare city: string | null

  @column()
  declare state: string | null

  @column()
  declare postalCode: string | null

  @column()
  declare country: string

  @column()
  declare gstin: string | null

  @column()
  declare certificateNumberPrefix: string

  @column()
  declare certificateNumberFormat: string

  /** Country of phone numbers written without a country code (imports). */
  @column()
  declare phoneDefaultCountry: string

  /** How numeric dates in imports read: 05/03/2026 is 5 March (dmy) or May 3 (mdy). */
  @column()
  declare dateOrder: 'dmy' | 'mdy'

  @column()
  declare billingStatus: BillingStatus

  @column.dateTime()
  declare trialStartedAt: DateTime | null

  @column.dateTime()
  declare trialEndsAt: DateTime | null

  @column()
  declare trialFreeCertificates: number

  /** The 1–5 characters its invoice numbers carry (XEN-<CODE>-NNNNNN): given at the first invoice, never changed. */
  @column()
  declare invoiceCode: string | null

  /** The most a month's bill may come to (with GST, paise), or null. */
  @column({
    consume: (value: unknown) => (value === null || value === undefined ? null : Number(value)),
  })
  declare monthlySpendCapPaise: number | null

  /** Whether reaching the cap stops new certificates (`E_SPEND_CAP`) rather than only warning. */
  @column({ consume: (value: unknown) => Boolean(value) })
  declare spendCapBlocks: boolean

  /** Percentages of the cap (and of the trial's certificates) at which billing contacts are emailed: "80,100". */
  @column()
  declare usageAlertPercents: string

  /** Where invoices go besides its owners (a finance mailbox). */
  @column()
  declare billingEmail: string | null

  @column.dateTime()
  declare deletedAt: DateTime | null

  // Members and invitations point here (their belongsTo) and are read through
  // MemberDirectory and InvitationList; a hasMany back would be an import cycle.
  @hasMany(() => OrganizationRole)
  declare roles: HasMany<typeof OrganizationRole>

  @hasMany(() => OrganizationApiKey)
  declare apiKeys: HasMany<typeof OrganizationApiKey>

  @hasMany(() => AuditLog)
  declare auditLogs: HasMany<typeof AuditLog>
}
