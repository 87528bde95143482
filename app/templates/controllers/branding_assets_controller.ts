import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import { formatBytes } from '#core/services/file_type'
import { originOf } from '#core/http/origin'
import { flashFieldError, flashFieldErrors } from '#core/http/forms'
import { notFound } from '#core/http/not_found'
import { readUpload, uploadProblemField } from '#core/http/uploads'
import uploads from '#config/uploads'
import AddBrandingAsset from '#templates/actions/add_branding_asset'
import RemoveBrandingAsset from '#templates/actions/remove_branding_asset'
import BrandingAsset, { BRANDING_ASSET_TYPES } from '#templates/models/branding_asset'
import { brandingAssetValidator } from '#templates/validators/branding_asset'

/** Settings → Branding: the org's logos, stamps and signatures, for image fields on templates. */
export default class BrandingAssetsController {
  async index({ org, bouncer, view }: HttpContext) {
    await bouncer.authorize('allows', 'org.manage')
    const assets = await BrandingAsset.query()
      .where('organization_id', org.id)
      .whereNull('deleted_at')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
    return view.render('pages/templates/branding_assets/index', {
      nav: 'branding',
      assets,
      types: BRANDING_ASSET_TYPES,
      maxUpload: formatBytes(uploads.maxBytes),
    })
  }

  async store(ctx: HttpContext) {
    const { org, actor, bouncer, request, response, session } = ctx
    await bouncer.authorize('allows', 'org.manage')
    const input = await request.validateUsing(brandingAssetValidator)
    const back = () => response.redirect().toRoute('templates.branding_assets.index')
    const upload = await readUpload(ctx)
    if (upload.kind !== 'ok') {
      flashFieldErrors(ctx, [uploadProblemField(upload, 'Choose a PNG, JPEG or WebP image.')])
      return back()
    }
    const result = await AddBrandingAsset.handle({
      org,
      type: input.asset_type,
      name: input.name,
      bytes: upload.bytes,
      originalName: upload.originalName,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'added':
        session.flash(
          'success',
          `“${result.asset.name}” added. Use it as an image field in the template designer.`
        )
        return back()
      case 'too_large':
        flashFieldError(ctx, 'file', `The image is larger than ${formatBytes(result.maxBytes)}.`)
        return back()
      case 'unsupported_type':
        flashFieldError(
          ctx,
          'file',
          'Upload a PNG, JPEG or WebP image (a transparent PNG works best for signatures and stamps).'
        )
        return back()
      case 'too_many_pixels':
        flashFieldError(
          ctx,
          'file',
          `The image is ${result.width} × ${result.height} pixels; at most ${result.maxPixels / 1_000_000} megapixels are accepted. Scale it down and upload it again.`
        )
        return back()
      case 'unreadable':
        flashFieldError(
          ctx,
          'file',
          'This image could not be read. Save it again as PNG or JPEG and upload that.'
        )
        return back()
      default:
        return unhandled(result)
    }
  }

  async destroy(ctx: HttpContext) {
    const { org, actor, bouncer, params, response, session } = ctx
    await bouncer.authorize('allows', 'org.manage')
    const result = await RemoveBrandingAsset.handle({
      org,
      assetId: params.id,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'removed':
        session.flash(
          'success',
          `“${result.asset.name}” removed. Templates that already show it keep it.`
        )
        return response.redirect().toRoute('templates.branding_assets.index')
      case 'not_found':
        throw notFound()
      default:
        return unhandled(result)
    }
  }
}
