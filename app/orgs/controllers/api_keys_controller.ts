import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import encryption from '@adonisjs/core/services/encryption'
import CreateApiKey from '#orgs/actions/create_api_key'
import RevokeApiKey from '#orgs/actions/revoke_api_key'
import OrganizationApiKey from '#orgs/models/organization_api_key'
import { apiKeyValidator } from '#orgs/validators/api_key'
import { originOf } from '#core/http/origin'
import { Exception } from '@adonisjs/core/exceptions'

/**
 * The new key rides to the next page in the flash, which lives in the
 * sessions table: it is sealed with the app key there, so the raw key is
 * never stored, and it expires if the page is never opened.
 */
const SECRET_FLASH_KEY = 'new_api_key'
const SECRET_PURPOSE = 'api-key-shown-once'

export default class ApiKeysController {
  async index({ org, bouncer, session, response, view }: HttpContext) {
    await bouncer.authorize('allows', 'api_keys.manage')
    const keys = await OrganizationApiKey.query()
      .where('organization_id', org.id)
      .preload('creator')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')

    const sealed = session.flashMessages.get(SECRET_FLASH_KEY)
    const newKey =
      typeof sealed === 'string' ? encryption.decrypt<string>(sealed, SECRET_PURPOSE) : null
    if (newKey) response.header('Cache-Control', 'no-store')

    return view.render('pages/orgs/api_keys/index', {
      keys,
      newKey,
      newKeyId: newKey ? keys.find((key) => newKey.startsWith(key.prefix))?.id : null,
    })
  }

  async store(ctx: HttpContext) {
    const { org, actor, bouncer, request, response, session } = ctx
    await bouncer.authorize('allows', 'api_keys.manage')
    const { name } = await request.validateUsing(apiKeyValidator)
    const { key, secret } = await CreateApiKey.handle({
      org,
      name,
      createdBy: actor.user.id,
      origin: originOf(ctx),
    })
    session.flash(SECRET_FLASH_KEY, encryption.encrypt(secret, '15 minutes', SECRET_PURPOSE))
    session.flash(
      'success',
      `API key “${key.name}” created. Copy it now: it will not be shown again.`
    )
    return response.redirect().toRoute('orgs.api_keys.index')
  }

  async destroy(ctx: HttpContext) {
    const { org, actor, bouncer, params, response, session } = ctx
    await bouncer.authorize('allows', 'api_keys.manage')
    const result = await RevokeApiKey.handle({
      org,
      keyId: params.id,
      actorUserId: actor.user.id,
      origin: originOf(ctx),
    })
    switch (result.kind) {
      case 'revoked':
        session.flash(
          'success',
          `API key “${result.key.name}” revoked. Requests using it are now refused.`
        )
        break
      case 'already_revoked':
        session.flash('success', `API key “${result.key.name}” was already revoked.`)
        break
      case 'not_found':
        throw new Exception('Resource not found', { status: 404, code: 'E_ROW_NOT_FOUND' })
      default:
        return unhandled(result)
    }
    return response.redirect().toRoute('orgs.api_keys.index')
  }
}
