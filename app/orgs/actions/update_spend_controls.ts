import db from '@adonisjs/lucid/services/db'
import RecordAudit from '#core/actions/record_audit'
import Organization from '#orgs/models/organization'

export interface SpendControls {
  monthlySpendCapPaise: number | null
  spendCapBlocks: boolean
  usageAlertPercents: string
}

/** Saves the org's monthly spend cap and usage alerts (the billing page; `billing.manage`), audited. */
export default class UpdateSpendControls {
  static async handle(input: {
    org: Organization
    actorUserId: string
    controls: SpendControls
    origin?: { ip?: string | null; userAgent?: string | null }
  }) {
    const keys = Object.keys(input.controls) as (keyof SpendControls)[]
    const changed = keys.filter((key) => input.org[key] !== input.controls[key])
    if (changed.length === 0) return { kind: 'unchanged' as const }
    await db.transaction(async (trx) => {
      const org = await Organization.findOrFail(input.org.id, { client: trx })
      org.merge(input.controls)
      await org.save()
      await RecordAudit.handle(
        {
          action: 'org.spend_controls_changed',
          organizationId: org.id,
          actorUserId: input.actorUserId,
          entityType: 'organization',
          entityId: org.id,
          origin: input.origin,
          metadata: { ...input.controls },
        },
        trx
      )
    })
    input.org.merge(input.controls)
    return { kind: 'updated' as const, changed }
  }
}
