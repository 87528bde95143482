import router from '@adonisjs/core/services/router'
import server from '@adonisjs/core/services/server'

server.errorHandler(() => import('#core/exceptions/handler'))

server.use([
  () => import('#core/middleware/security_headers_middleware'),
  () => import('@adonisjs/static/static_middleware'),
  () => import('@adonisjs/core/bodyparser_middleware'),
])

router.use([
  () => import('@adonisjs/session/session_middleware'),
  () => import('@adonisjs/shield/shield_middleware'),
  () => import('@adonisjs/auth/initialize_auth_middleware'),
  // After the session: a refused field goes back to its form with the message under it.
  () => import('#core/middleware/text_input_middleware'),
])

export const middleware = router.named({
  guest: () => import('#core/middleware/guest_middleware'),
  auth: () => import('#core/middleware/auth_middleware'),
  silentAuth: () => import('#core/middleware/silent_auth_middleware'),
  org: () => import('#orgs/middleware/org_context_middleware'),
  apiKey: () => import('#api/middleware/api_key_middleware'),
})
