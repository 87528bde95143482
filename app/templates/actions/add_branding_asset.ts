import { randomUUID } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import uploads from '#config/uploads'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import StoreFile from '#core/actions/store_file'
import { MIME, assertAllowed } from '#core/services/file_type'
import { orgChanged } from '#core/services/org_changes'
import { storageKey } from '#core/services/storage_keys'
import type Organization from '#orgs/models/organization'
import BrandingAsset, {
  BRANDING_FOLDERS,
  type BrandingAssetType,
} from '#templates/models/branding_asset'
import { normaliseBranding } from '#templates/services/template_processing'
import { removeObjects } from '#templates/services/source_upload'

export interface AddBrandingAssetInput {
  org: Organization
  type: BrandingAssetType
  name: string
  bytes: Uint8Array
  originalName: string | null
  actorUserId: string | null
  origin?: AuditInput['origin']
}

export type AddBrandingAssetResult =
  | { kind: 'added'; asset: BrandingAsset }
  | { kind: 'too_large'; maxBytes: number }
  | { kind: 'unsupported_type'; detected: string | null; allowed: string[] }
  | { kind: 'too_many_pixels'; width: number; height: number; maxPixels: number }
  | { kind: 'unreadable' }

export const BRANDING_UPLOAD_TYPES = [MIME.png, MIME.jpeg, MIME.webp] as const

/**
 * A logo, stamp or signature: checked (size, type by content), decoded and
 * re-encoded in an isolated worker (metadata dropped, at most 2,000 px a
 * side, PNG or JPEG so PDFs can embed it), stored under
 * `org_branding/<org>/<type>s/<asset>.<ext>`, then registered.
 */
export default class AddBrandingAsset {
  static async handle(input: AddBrandingAssetInput): Promise<AddBrandingAssetResult> {
    const allowed = assertAllowed(input.bytes, BRANDING_UPLOAD_TYPES, {
      maxBytes: uploads.maxBytes,
    })
    if (allowed.kind !== 'ok') return allowed
    const outcome = await normaliseBranding(input.bytes)
    if (outcome.kind !== 'ok') return { kind: 'unreadable' }
    const image = outcome.value
    if (image.kind !== 'ok') return image

    const id = randomUUID()
    const extension = image.mime === MIME.png ? 'png' : 'jpg'
    const written: string[] = []
    try {
      const added = await db.transaction(async (trx) => {
        const file = await StoreFile.handle(
          {
            orgId: input.org.id,
            kind: 'branding_asset',
            key: storageKey({
              root: 'org_branding',
              orgId: input.org.id,
              parts: [BRANDING_FOLDERS[input.type], `${id}.${extension}`],
            }),
            bytes: image.bytes,
            mime: image.mime,
            originalName: input.originalName,
            createdBy: input.actorUserId,
          },
          trx
        )
        written.push(file.path)
        const asset = await BrandingAsset.create(
          {
            id,
            organizationId: input.org.id,
            fileId: file.id,
            assetType: input.type,
            name: input.name.trim(),
            widthPx: image.width,
            heightPx: image.height,
            createdBy: input.actorUserId,
          },
          { client: trx }
        )
        await RecordAudit.handle(
          {
            action: 'branding.added',
            organizationId: input.org.id,
            actorUserId: input.actorUserId,
            entityType: 'branding_asset',
            entityId: asset.id,
            origin: input.origin,
            metadata: {
              name: asset.name,
              type: asset.assetType,
              width: image.width,
              height: image.height,
            },
          },
          trx
        )
        return { kind: 'added' as const, asset }
      })
      // A new logo shows on verification pages from the next view (the issuer is cached per process).
      orgChanged(input.org.id)
      return added
    } catch (error) {
      await removeObjects(written)
      throw error
    }
  }
}
