import router from '@adonisjs/core/services/router'
import { withoutBrowserState } from '#core/http/stateless'

const HealthController = () => import('#core/controllers/health_controller')
const VendorAssetsController = () => import('#core/controllers/vendor_assets_controller')

router.get('/healthz', [HealthController, 'show']).as('core.health.show')
router.get('/assets/vendor/:file', [VendorAssetsController, 'show']).as('core.vendor_assets.show')

// Probes and scripts: no session, no cookie.
withoutBrowserState('core.health.show', 'core.vendor_assets.show')
