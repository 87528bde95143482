import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import { orgChanged } from '#core/services/org_changes'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import BrandingAsset from '#templates/models/branding_asset'

export interface RemoveBrandingAssetInput {
  org: Organization
  assetId: string
  actorUserId: string | null
  origin?: AuditInput['origin']
}

export type RemoveBrandingAssetResult =
  { kind: 'removed'; asset: BrandingAsset } | { kind: 'not_found' }

/**
 * Takes an image off the list for new fields. Its file stays: template
 * versions that draw it, and certificates drawn from them, keep it.
 */
export default class RemoveBrandingAsset {
  static async handle(input: RemoveBrandingAssetInput): Promise<RemoveBrandingAssetResult> {
    const result = await db.transaction(async (trx) => {
      const asset = await BrandingAsset.query({ client: trx })
        .where('organization_id', input.org.id)
        .where('id', recordId(input.assetId))
        .whereNull('deleted_at')
        .forUpdate()
        .first()
      if (!asset) return { kind: 'not_found' as const }
      asset.deletedAt = DateTime.utc()
      await asset.useTransaction(trx).save()
      await RecordAudit.handle(
        {
          action: 'branding.removed',
          organizationId: input.org.id,
          actorUserId: input.actorUserId,
          entityType: 'branding_asset',
          entityId: asset.id,
          origin: input.origin,
          metadata: { name: asset.name, type: asset.assetType },
        },
        trx
      )
      return { kind: 'removed' as const, asset }
    })
    // A removed logo leaves verification pages from the next view (the issuer is cached per process).
    if (result.kind === 'removed') orgChanged(input.org.id)
    return result
  }
}
