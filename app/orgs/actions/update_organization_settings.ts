import db from '@adonisjs/lucid/services/db'
import RecordAudit from '#core/actions/record_audit'
import { orgChanged } from '#core/services/org_changes'
import Organization from '#orgs/models/organization'

export interface OrganizationSettings {
  name: string
  businessName: string | null
  email: string | null
  phone: string | null
  slug: string
  industryId: string | null
  addressLine1: string | null
  addressLine2: string | null
  city: string | null
  state: string | null
  postalCode: string | null
  country: string
  gstin: string | null
  certificateNumberPrefix: string
  certificateNumberFormat: string
  phoneDefaultCountry: string
  dateOrder: 'dmy' | 'mdy'
}

export interface UpdateOrganizationSettingsInput {
  org: Organization
  actorUserId: string
  settings: OrganizationSettings
  origin?: { ip?: string | null; userAgent?: string | null }
}

export type UpdateOrganizationSettingsResult =
  { kind: 'updated'; changed: (keyof OrganizationSettings)[] } | { kind: 'unchanged' }

/**
 * Saves the org profile, numbering, industry and how its recipient lists are read. The audit entry lists the
 * changed field names only: values (addresses, GSTIN) stay out of the log.
 */
export default class UpdateOrganizationSettings {
  static async handle(
    input: UpdateOrganizationSettingsInput
  ): Promise<UpdateOrganizationSettingsResult> {
    const keys = Object.keys(input.settings) as (keyof OrganizationSettings)[]
    const changed = keys.filter((key) => (input.org[key] ?? null) !== (input.settings[key] ?? null))
    if (changed.length === 0) return { kind: 'unchanged' }

    await db.transaction(async (trx) => {
      const org = await Organization.findOrFail(input.org.id, { client: trx })
      org.merge(input.settings)
      await org.save()
      await RecordAudit.handle(
        {
          action: 'org.settings_changed',
          organizationId: org.id,
          actorUserId: input.actorUserId,
          entityType: 'organization',
          entityId: org.id,
          origin: input.origin,
          metadata: { fields: changed },
        },
        trx
      )
      input.org.merge(input.settings)
    })
    // The verification page's issuer name (cached per process) reads the new one from now on.
    orgChanged(input.org.id)
    return { kind: 'updated', changed }
  }
}
