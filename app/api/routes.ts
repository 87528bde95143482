import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'

const OrgController = () => import('#api/controllers/org_controller')

router
  .group(() => {
    router.get('/org', [OrgController, 'show']).as('org.show')
  })
  .prefix('/api/v1')
  .as('api')
  .use(middleware.apiKey())
