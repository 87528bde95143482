import router from '@adonisjs/core/services/router'

const HealthController = () => import('#core/controllers/health_controller')
const VendorAssetsController = () => import('#core/controllers/vendor_assets_controller')

router.get('/healthz', [HealthController, 'show']).as('core.health.show')
router.get('/assets/vendor/:file', [VendorAssetsController, 'show']).as('core.vendor_assets.show')
