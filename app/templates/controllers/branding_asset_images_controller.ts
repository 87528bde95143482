import type { HttpContext } from '@adonisjs/core/http'
import { findFileOfOrg } from '#core/queries/org_files'
import { fileSlug, sendStoredFile } from '#core/services/downloads'
import { recordId } from '#orgs/queries/record_id'
import BrandingAsset from '#templates/models/branding_asset'
import { notFound } from '#core/http/not_found'

/**
 * A branding image for the org's own members (settings list, designer). Removed ones still show
 * for versions that draw them.
 */
export default class BrandingAssetImagesController {
  async show(ctx: HttpContext) {
    const asset = await BrandingAsset.query()
      .where('organization_id', ctx.org.id)
      .where('id', recordId(ctx.params.id))
      .first()
    if (!asset) throw notFound()
    const file = await findFileOfOrg(ctx.org.id, asset.fileId)
    const extension = file.mimeType === 'image/jpeg' ? 'jpg' : 'png'
    return sendStoredFile(ctx, file, {
      filename: `${fileSlug(asset.name, asset.assetType)}.${extension}`,
      inline: true,
      maxAgeSeconds: 3600,
    })
  }
}
