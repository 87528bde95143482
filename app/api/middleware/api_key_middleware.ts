import type { HttpContext } from '@adonisjs/core/http'
import type { NextFn } from '@adonisjs/core/types/http'
import type Organization from '#orgs/models/organization'
import type OrganizationApiKey from '#orgs/models/organization_api_key'
import AuthenticateApiKey from '#orgs/actions/authenticate_api_key'

/**
 * `Authorization: Bearer <key>` → the key's org. Missing, malformed, unknown
 * or revoked keys all answer the same 401.
 */
export default class ApiKeyMiddleware {
  async handle(ctx: HttpContext, next: NextFn) {
    const header = ctx.request.header('authorization') ?? ''
    const match = /^Bearer +(\S+) *$/i.exec(header)
    const result = match ? await AuthenticateApiKey.handle(match[1]) : null
    if (!result) {
      ctx.response.header('WWW-Authenticate', 'Bearer realm="authentix"')
      return ctx.response.unauthorized({
        errors: [
          {
            code: 'E_UNAUTHORIZED',
            message: 'A valid API key is required: Authorization: Bearer <key>.',
          },
        ],
      })
    }
    ctx.apiOrg = result.org
    ctx.apiKey = result.key
    return next()
  }
}

declare module '@adonisjs/core/http' {
  export interface HttpContext {
    apiOrg: Organization
    apiKey: OrganizationApiKey
  }
}
