import router from '@adonisjs/core/services/router'
import server from '@adonisjs/core/services/server'

server.errorHandler(() => import('#core/exceptions/handler'))

server.use([
  () => import('#core/middleware/security_headers_middleware'),
  () => import('#core/middleware/public_files_middleware'),
  () => import('@adonisjs/core/bodyparser_middleware'),
])

router.use([
  // Session, CSRF and ctx.auth, skipped for routes declared without browser
  // state (#core/http/stateless: verification, the JSON API, /healthz).
  () => import('#core/middleware/browser_state_middleware'),
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
