import router from '@adonisjs/core/services/router'
import { middleware } from '#start/kernel'
import { invitationThrottle } from '#start/limiter'

const HomeController = () => import('#orgs/controllers/home_controller')
const SignUpController = () => import('#orgs/controllers/sign_up_controller')
const DashboardController = () => import('#orgs/controllers/dashboard_controller')
const CurrentOrgController = () => import('#orgs/controllers/current_org_controller')
const OrganizationsController = () => import('#orgs/controllers/organizations_controller')
const SettingsController = () => import('#orgs/controllers/settings_controller')
const CertificateNumberPreviewsController = () =>
  import('#orgs/controllers/certificate_number_previews_controller')
const MembersController = () => import('#orgs/controllers/members_controller')
const InvitationsController = () => import('#orgs/controllers/invitations_controller')
const InvitationDeliveriesController = () =>
  import('#orgs/controllers/invitation_deliveries_controller')
const InvitationAcceptancesController = () =>
  import('#orgs/controllers/invitation_acceptances_controller')
const RolesController = () => import('#orgs/controllers/roles_controller')
const ApiKeysController = () => import('#orgs/controllers/api_keys_controller')
const AuditLogsController = () => import('#orgs/controllers/audit_logs_controller')
const TaxonomyController = () => import('#orgs/controllers/taxonomy_controller')
const TaxonomyCategoriesController = () =>
  import('#orgs/controllers/taxonomy_categories_controller')
const TaxonomySubcategoriesController = () =>
  import('#orgs/controllers/taxonomy_subcategories_controller')

router.get('/', [HomeController, 'show']).as('orgs.home.show').use(middleware.silentAuth())

// Signed-out
router
  .group(() => {
    router.get('/signup', [SignUpController, 'create']).as('sign_up.create')
    router.post('/signup', [SignUpController, 'store']).as('sign_up.store')
  })
  .as('orgs')
  .use(middleware.guest())

// Invitation links work signed in (existing user joins) or out (new user signs up).
router
  .group(() => {
    router
      .get('/join/:token', [InvitationAcceptancesController, 'create'])
      .as('invitation_acceptances.create')
    router
      .post('/join/:token', [InvitationAcceptancesController, 'store'])
      .as('invitation_acceptances.store')
  })
  .as('orgs')
  .use(middleware.silentAuth())

// Signed in, no org needed (switching, creating another org).
router
  .group(() => {
    router.put('/current-org', [CurrentOrgController, 'update']).as('current_org.update')
    router.get('/organizations/new', [OrganizationsController, 'create']).as('organizations.create')
    router.post('/organizations', [OrganizationsController, 'store']).as('organizations.store')
  })
  .as('orgs')
  .use(middleware.auth())

// Signed in, inside the current org.
router
  .group(() => {
    router.get('/dashboard', [DashboardController, 'show']).as('dashboard.show')

    router.get('/settings/organization', [SettingsController, 'edit']).as('settings.edit')
    router.put('/settings/organization', [SettingsController, 'update']).as('settings.update')
    router
      .get('/settings/organization/number-preview', [CertificateNumberPreviewsController, 'show'])
      .as('certificate_number_previews.show')

    router.get('/settings/categories', [TaxonomyController, 'index']).as('taxonomy.index')
    router
      .post('/settings/categories', [TaxonomyCategoriesController, 'store'])
      .as('taxonomy_categories.store')
    router
      .put('/settings/categories/:id', [TaxonomyCategoriesController, 'update'])
      .as('taxonomy_categories.update')
    router
      .post('/settings/categories/:id/subcategories', [TaxonomySubcategoriesController, 'store'])
      .as('taxonomy_subcategories.store')
    router
      .put('/settings/subcategories/:id', [TaxonomySubcategoriesController, 'update'])
      .as('taxonomy_subcategories.update')

    router.get('/members', [MembersController, 'index']).as('members.index')
    router.get('/members/:id/edit', [MembersController, 'edit']).as('members.edit')
    router.put('/members/:id', [MembersController, 'update']).as('members.update')
    router.delete('/members/:id', [MembersController, 'destroy']).as('members.destroy')

    router.get('/invitations', [InvitationsController, 'index']).as('invitations.index')
    router
      .post('/invitations', [InvitationsController, 'store'])
      .as('invitations.store')
      .use(invitationThrottle)
    router.delete('/invitations/:id', [InvitationsController, 'destroy']).as('invitations.destroy')
    router
      .post('/invitations/:id/delivery', [InvitationDeliveriesController, 'store'])
      .as('invitation_deliveries.store')
      .use(invitationThrottle)

    router.get('/roles', [RolesController, 'index']).as('roles.index')
    router.get('/roles/new', [RolesController, 'create']).as('roles.create')
    router.post('/roles', [RolesController, 'store']).as('roles.store')
    router.get('/roles/:id/edit', [RolesController, 'edit']).as('roles.edit')
    router.put('/roles/:id', [RolesController, 'update']).as('roles.update')
    router.delete('/roles/:id', [RolesController, 'destroy']).as('roles.destroy')

    router.get('/api-keys', [ApiKeysController, 'index']).as('api_keys.index')
    router.post('/api-keys', [ApiKeysController, 'store']).as('api_keys.store')
    router.delete('/api-keys/:id', [ApiKeysController, 'destroy']).as('api_keys.destroy')

    router.get('/audit-log', [AuditLogsController, 'index']).as('audit_logs.index')
  })
  .as('orgs')
  .use([middleware.auth(), middleware.org()])
