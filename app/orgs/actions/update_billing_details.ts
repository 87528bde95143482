import db from '@adonisjs/lucid/services/db'
import RecordAudit from '#core/actions/record_audit'
import { orgChanged } from '#core/services/org_changes'
import Organization from '#orgs/models/organization'

export interface BillingDetails {
  businessName: string
  addressLine1: string
  addressLine2: string | null
  city: string
  state: string | null
  postalCode: string | null
  gstin: string | null
  billingEmail: string | null
}

/**
 * Saves who the org's invoices are made out to (the billing page; members
 * with `billing.manage`). Invoices already issued keep the details they
 * were issued with. The audit lists the changed fields, not their values.
 */
export default class UpdateBillingDetails {
  static async handle(input: {
    org: Organization
    actorUserId: string
    details: BillingDetails
    origin?: { ip?: string | null; userAgent?: string | null }
  }) {
    const keys = Object.keys(input.details) as (keyof BillingDetails)[]
    const changed = keys.filter((key) => (input.org[key] ?? null) !== (input.details[key] ?? null))
    if (changed.length === 0) return { kind: 'unchanged' as const }
    await db.transaction(async (trx) => {
      const org = await Organization.findOrFail(input.org.id, { client: trx })
      org.merge(input.details)
      await org.save()
      await RecordAudit.handle(
        {
          action: 'org.billing_details_changed',
          organizationId: org.id,
          actorUserId: input.actorUserId,
          entityType: 'organization',
          entityId: org.id,
          origin: input.origin,
          metadata: { fields: changed },
        },
        trx
      )
    })
    input.org.merge(input.details)
    orgChanged(input.org.id)
    return { kind: 'updated' as const, changed }
  }
}
